"""Every block the cleaners removed is highlighted in the archived original, or listed on the
document page as not located, with the reason. Real pages: the demo store's (an Evening Standard
page whose reg wall is reported twice, as a pruned node and the form inside it) and a real
Independent page (../shared/real-pages) whose pruned "Most Popular" rail holds script JSON."""
from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import lxml.html
import pytest

from archive.storage import LocalStore
from cleaners import clean
from cleaners.extract import decode_html
from crawler.web.app import create_app
from crawler.web.catalog import Catalog
from crawler.web.inert import make_inert, parse_archived, render
from crawler.web.removed import mark_removed, norm, visible_marks

REAL = Path(__file__).resolve().parents[2] / "shared" / "real-pages"
INDEPENDENT = REAL / "independent.co.uk_2024-11-22_laos-methanol.html.gz"
INDEPENDENT_URL = ("https://www.independent.co.uk/news/world/"
                   "laos-methanol-poisoning-holly-bowles-death-b2651790.html")


def _marked(html: str) -> dict[int, list[Any]]:
    """Removal-report index -> the elements marked for it."""
    root = lxml.html.document_fromstring(html)
    out: dict[int, list[Any]] = {}
    for el in root.xpath("//*[@data-removed]"):
        for i in el.get("data-removed").split():
            out.setdefault(int(i), []).append(el)
    return out


def test_every_removed_block_of_every_demo_document_is_highlighted(demo_store: Path) -> None:
    client = create_app(LocalStore(demo_store)).test_client()
    rows = Catalog(LocalStore(demo_store)).all()
    checked = 0
    for row in rows:
        doc = json.loads((demo_store / row.key).read_text())
        removed = doc.get("removed") or []
        base = f"/doc/{row.site}/{row.urlhash}/{row.rev}"
        marked = _marked(client.get(base + "/original").get_data(as_text=True))
        page = lxml.html.fromstring(client.get(base).get_data(as_text=True))
        not_located = {int(tr.get("data-removed")): tr.cssselect(".reason")[0].text_content()
                       for tr in page.cssselect("#removals tr.not-located")}
        for i, r in enumerate(removed):
            assert i in marked or not_located.get(i), (row.key, i, r)
            for el in marked.get(i, []):  # the element holds the block (same rule, its text)
                assert el.get("data-rule") == r["rule"] or r["rule"] in (el.get("data-rules") or "")
            checked += 1
        # on the demo pages every block can be and is found
        assert not not_located, (row.key, not_located)
        assert f"{len(removed)} of {len(removed)} highlighted" in page.text_content() or not removed
    assert checked > 200
    standard = [r for r in rows if r.site == "standard"]
    assert standard, "the demo has Evening Standard pages"
    for row in standard:  # the reg wall (the form inside it matches too): reported once, marked once
        html = client.get(f"/doc/{row.site}/{row.urlhash}/{row.rev}/original").get_data(as_text=True)
        root = lxml.html.document_fromstring(html)
        walls = root.xpath("//*[@data-rule='standard.reg_wall']")
        assert {w.get("id") for w in walls} == {"piano-reg-wall"}


@pytest.mark.skipif(not INDEPENDENT.exists(), reason="../shared/real-pages is not here")
def test_real_independent_page_highlights_every_removed_block() -> None:
    raw = gzip.open(INDEPENDENT).read()
    doc = clean(raw, INDEPENDENT_URL)
    removed = [{"rule": r.rule, "kind": r.kind, "text": r.text} for r in doc.removed]
    sidebar = next(i for i, r in enumerate(removed) if r["rule"] == "independent.sidebar")
    assert '{"title":"Most Popular"' in removed[sidebar]["text"]  # script JSON in the report
    root = parse_archived(decode_html(raw))
    located = mark_removed(root, removed)
    make_inert(root)
    located = visible_marks(root, located)
    assert len(removed) >= 9
    html = render(root)
    marked = _marked(html)
    assert set(marked) == set(range(len(removed))), [removed[i]["rule"] for i in
                                                     set(range(len(removed))) - set(marked)]
    rail = marked[sidebar][0]
    assert "Most Popular" in rail.text_content() and "<script" not in html.lower()
    assert all(loc.highlighted for loc in located)


def test_a_block_only_inside_a_script_is_listed_with_its_reason() -> None:
    page = ("<html><body><p>The story itself, long enough to be a paragraph of text.</p>"
            "<script>var promo = 'Subscribe now for one pound';</script>"
            "<div>Share this&nbsp;article\u00ad on social media</div>"
            "<ul><li>Most read one</li><li>Most read two</li></ul></body></html>")
    removed = [{"rule": "x.promo", "kind": "promo", "text": "var promo = 'Subscribe now for one pound';"},
               {"rule": "x.share", "kind": "share", "text": "Share this article on social media"},
               {"rule": "x.list", "kind": "latest-news", "text": "- Most read one\n- Most read two"},
               {"rule": "x.gone", "kind": "promo", "text": "Text that is not on the page at all"}]
    root = parse_archived(page)
    located = mark_removed(root, removed)
    make_inert(root)
    located = visible_marks(root, located)
    assert [loc.highlighted for loc in located] == [False, True, True, False]
    assert "never renders" in (located[0].reason or "")
    assert "no element" in (located[3].reason or "")
    assert root.xpath("//ul")[0].get("data-rule") == "x.list"  # the "- " item prefix ignored
    assert norm("a\u00a0b\u200bc") == "abc"


def test_the_archived_page_cannot_fake_a_highlight() -> None:
    root = parse_archived('<html><body><p data-rule="x.fake" data-removed="0">Plain text of the '
                          'story, which no rule removed.</p></body></html>')
    located = mark_removed(root, [])
    make_inert(root)
    assert located == [] and not root.xpath("//*[@data-rule or @data-removed]")
