"""The readability comparison is skipped, and the navigation pruned up front, only where that
cannot change the result: on every page the tests hold, clean() gives the same document with
and without, each skipped comparison, run anyway, returns what it was given, and each pruned
extraction equals the whole page's. Bare trafilatura is left alone."""
from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
import trafilatura

from cleaners import clean, readability_gate
from cleaners.readability_gate import has_spare_nav, never_skipping, skipped, spared, verifying, wrong

TESTS = Path(__file__).resolve().parent
EVAL = TESTS.parents[1] / "shared" / "real-pages" / "trafilatura-eval"
URL = "https://www.example.org/news/story"
PARA = ("<p>The council agreed its budget on Tuesday after a long debate about libraries, roads "
        "and the cost of social care in the borough, with councillors voting 31 to 12.</p>")
NAV = "<nav><a href='/'>Home</a></nav>"
ARTICLE = (f"<html><head><title>Budget</title></head><body>{NAV}"
           f"<article><h1>Council budget agreed</h1>{PARA * 30}</article></body></html>")
# most of the page's text outside the article: the comparison must run
NOISY = ("<html><head><title>Budget</title></head><body><article><h1>Council budget agreed</h1>"
         f"{PARA * 4}</article><div class='list'>"
         + "".join(f"<div><span>Another story headline number {i} with a few more words</span></div>"
                   for i in range(120)) + "</div></body></html>")


def _pages() -> list[tuple[str, bytes, str]]:
    out = []
    for page in sorted(TESTS.glob("golden/*/*/page.html*")):
        url = json.loads((page.parent / "meta.json").read_text(encoding="utf-8"))["url"]
        out.append((str(page.relative_to(TESTS)), page.read_bytes(), url))
    for page in sorted(TESTS.glob("layouts/*/*.html")):
        url = json.loads((page.parent / "meta.json").read_text(encoding="utf-8"))["url"]
        out.append((str(page.relative_to(TESTS)), page.read_bytes(), url))
    manifest = EVAL / "manifest.json"
    for p in json.loads(manifest.read_text(encoding="utf-8")) if manifest.is_file() else []:
        out.append((p["file"], gzip.decompress((EVAL / p["file"]).read_bytes()), p.get("url") or URL))
    return out


PAGES = _pages()


def test_the_eval_pages_are_here() -> None:
    assert len(PAGES) > 150, "../shared/real-pages/trafilatura-eval is missing: the identity test would be thin"


def test_an_article_page_skips_and_keeps_its_text() -> None:
    page = ARTICLE.replace(NAV, "")  # (with its navigation, the page is spared instead: below)
    before = skipped()
    doc = clean(page, URL)
    assert skipped() == before + 1
    with never_skipping():
        assert clean(page, URL).to_dict() == doc.to_dict()


def test_a_long_article_prunes_its_navigation_up_front() -> None:
    before = spared()
    with verifying():
        w = wrong()
        doc = clean(ARTICLE, URL)
        assert wrong() == w
    assert spared() == (before[0] + 1, before[1])
    with never_skipping():
        assert clean(ARTICLE, URL).to_dict() == doc.to_dict()


def test_navigation_holding_the_headline_is_not_pruned() -> None:
    from lxml import html
    assert has_spare_nav(html.fromstring(ARTICLE))
    assert not has_spare_nav(html.fromstring(ARTICLE.replace(NAV, "")))
    assert not has_spare_nav(html.fromstring("<html><body><nav><h1>T</h1></nav><p>x</p></body></html>"))
    assert not has_spare_nav(html.fromstring(
        "<html><body><nav><script type='application/ld+json'>{}</script></nav><p>x</p></body></html>"))


def test_a_page_mostly_outside_the_article_runs_the_comparison() -> None:
    before, spares = skipped(), spared()
    clean(NOISY, URL)
    assert skipped() == before and spared() == spares


def test_bare_trafilatura_is_left_alone() -> None:
    before = skipped()
    assert trafilatura.extract(ARTICLE, url=URL)
    assert skipped() == before


def test_bound_covers_the_whole_text() -> None:
    from lxml import html
    tree = html.fromstring("<html><body><p>a  b\n\n c</p><iframe src='https://youtube.com/x'></iframe></body></html>")
    assert readability_gate.page_words_bound(tree) >= len("a b c VIDEO")
    assert readability_gate.page_words_bound(tree, within=10**6) >= readability_gate.page_words_bound(tree)


@pytest.mark.parametrize("name, data, url", PAGES, ids=[name for name, _, _ in PAGES])
def test_same_document_with_and_without_the_skip(name: str, data: bytes, url: str) -> None:
    wrong_before = wrong()
    with verifying():
        doc = clean(data, url).to_dict()
    assert wrong() == wrong_before, f"{name}: a skipped comparison would have changed the result"
    with never_skipping():
        assert clean(data, url).to_dict() == doc, name
