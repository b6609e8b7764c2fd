"""Selection from text evidence (crawler/selection.py): units on small pages without the
fixture's invented classes, URL spellings, and crawls of the restyled fixture variants (feeds
without categories, pages with other markup) that must select exactly what the originals do."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from lxml import html as lxml_html

from crawler.selection import decide, gather
from crawler.spiders.base import canonical_article_url
from tests.test_spiders import crawl

MIRAGE = {"sections": ["UK Gov"], "keywords": [], "bylines": ["UK Gov"], "source_domains": ["gov.uk"]}
WIREDGOV = {"sections": [], "keywords": [], "bylines": [], "source_domains": ["gov.uk"]}
PRESS = {"sections": ["news/uk"], "keywords": ["Foreign Secretary", "Home Office"],
         "bylines": ["PA", "PA Political Staff"], "source_domains": []}
BODY = "<p>" + "The ministers met today to discuss regional co-operation on borders and trade. " * 3 + "</p>"
SIDEBAR = ('<aside class="rail"><h3>Most read</h3><p>UK Gov</p><p>Home Office unveils new plan, says'
           ' Foreign Secretary in a long headline here</p><a href="https://www.gov.uk/government/news/other">x</a>'
           '<div class="byline"><a href="/author/pa">PA Political Staff</a></div></aside>')


def page(inner: str, head: str = "") -> Any:
    return lxml_html.document_fromstring(f"<html><head>{head}</head><body>{inner}</body></html>")


def verdict(inner: str, filters: dict[str, list[str]], feed: str = "check", head: str = "") -> tuple[str | None, list[str]]:
    ev = gather(page(inner, head), filters)
    return decide(ev, filters, feed), ev.signals


@pytest.mark.parametrize("inner", [
    # the "UK Gov" label as a plain line under the title, no class, no link
    f"<div><h1>Minister visits Belgrade</h1><p>UK Gov</p>{BODY}</div>",
    # only the GOV.UK link ("View in full here"), label missing
    f'<div><h1>Minister visits Belgrade</h1>{BODY}<p>/Public Release. This material from the originating'
    f' organization/author(s) might be of the point-in-time nature. <a href="https://www.gov.uk/government/news/x">'
    f'View in full here</a>.</p></div>',
])
def test_mirage_copy_selected_without_invented_classes_or_categories(inner: str) -> None:
    why, signals = verdict(SIDEBAR.replace("UK Gov", "NSW Gov").replace("https://www.gov.uk", "https://nsw.gov.au") + inner, MIRAGE)
    assert why is None, signals


def test_mirage_evidence_in_a_sidebar_does_not_count() -> None:
    inner = SIDEBAR + f'<div><h1>Regional arts grants open</h1><p>NSW Gov</p>{BODY}<p>/Public Release. This material from the originating organization. <a href="https://www.nsw.gov.au/x">View in full here</a>.</p></div>'
    why, signals = verdict(inner, MIRAGE, feed="want")  # even a feed category saying "UK Gov"
    assert why and why.startswith("no evidence of a UK-government original"), signals
    assert "marker: public-release disclaimer" in signals  # seen, but not enough on its own


def test_wiredgov_source_in_text_counts_and_lookalike_hosts_do_not() -> None:
    good = f"<div><p>Home Office</p><h1>New powers</h1>{BODY}<p>Original article link: https://www.gov.uk/government/news/new-powers</p></div>"
    why, signals = verdict(good, WIREDGOV)
    assert why is None and "source: https://www.gov.uk/government/news/new-powers" in signals
    assert "marker: department line (Home Office)" in signals
    lga = good.replace("https://www.gov.uk/", "https://www.local.gov.uk/")
    assert verdict(lga, WIREDGOV)[0] is not None


def test_press_keywords_only_in_the_article_body_and_bylines_only_from_the_article() -> None:
    gallery = ('<div class="gallery"><figure><figcaption>The Foreign Secretary and the Home Office minister'
               ' at an event last year, shown in a gallery of pictures</figcaption></figure></div>')
    off_topic = f"<article><h1>Storm Amy brings gales</h1>{BODY}{gallery}</article>{SIDEBAR}"
    why, signals = verdict(off_topic, PRESS)
    assert why == "neither a government keyword in the article nor a wire byline", signals
    on_topic = off_topic.replace("The ministers met", "The Foreign Secretary met", 1)
    assert verdict(on_topic, PRESS)[0] is None
    wire = off_topic.replace("</article>", "<p>More than 25,000 people have crossed, according to PA news agency analysis.</p></article>")
    why, signals = verdict(wire, PRESS)
    assert why is None and "byline: PA (wire copy marks)" in signals
    # a PA byline in the page's metadata is the article's own
    assert verdict(off_topic, PRESS, head='<meta name="author" content="PA Political Staff">')[0] is None
    # a feed entry that already named the minister needs no second proof
    assert verdict(off_topic, PRESS, feed="want")[0] is None


@pytest.mark.parametrize("url", [
    "https://www.wired-gov.net/wg/news.nsf/articles/a+b+09102025101500?open",
    "https://www.wired-gov.net/wg/news.nsf/articles/a+b+09102025101500?open=",
    "https://www.wired-gov.net/wg/news.nsf/articles/a%2Bb%2B09102025101500?open",
    "https://www.wired-gov.net/wg/news.nsf/articles/a%2bb+09102025101500?OpenDocument",
    "https://www.wired-gov.net/wg/news.nsf/articles/a+b+09102025101500",
])
def test_domino_url_spellings_are_one_url(url: str) -> None:
    assert canonical_article_url(url) == "https://www.wired-gov.net/wg/news.nsf/articles/a+b+09102025101500?open"
    other = "https://www.independent.co.uk/news/uk/a%2Bb-b1234567.html?open="
    assert canonical_article_url(other) == other


def _selected(c: Any) -> set[str]:
    return {d["url"].split("/", 3)[3] for d in c.documents()}


@pytest.mark.parametrize("site,variant", [("mirage", "mirage-restyled"), ("wiredgov", "wiredgov-restyled")])
def test_restyled_site_selects_what_the_original_did(site: str, variant: str, web: Any,
                                                     seeds_for_fixture_web: Path, tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    before = crawl(site, tmp_path / "a", seeds_for_fixture_web)
    web.apply_update(variant)
    web.clear_log()
    after = crawl(site, tmp_path / "b", seeds_for_fixture_web)
    assert _selected(before) and _selected(after) == _selected(before)
    # without feed categories the other releases are fetched too, and rejected on their pages
    assert {s["url"] for s in before.skipped()} <= {s["url"] for s in after.skipped()}
    assert all(s["metadata"]["skipped"].startswith("no evidence of a UK-government original")
               for s in after.skipped())
    if site == "wiredgov":  # each article once, whatever spelling the feed used (?open=, %2B)
        pages = [r.path for r in web.requests("www.wired-gov.net") if "/articles/" in r.path]
        assert len(pages) == len(set(pages)) == len(before.documents()) + len(before.skipped())
        docs = [json.loads(p.read_text()) for p in (tmp_path / "b" / "store" / "docs").rglob("*.json")]
        assert all(d["metadata"]["source_url"].startswith("https://www.gov.uk/") for d in docs)
