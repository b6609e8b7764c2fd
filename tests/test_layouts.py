"""One article per outlet in three structurally different layouts (tests/layouts/build.py):
each must clean to the same text, written from the article's content model - body lists,
tables and "Background"/"Notes to editors" kept wherever they sit, sidebars and sign-up,
sponsor and "most read" boxes never kept."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from cleaners import clean

LAYOUTS = Path(__file__).resolve().parent / "layouts"
CASES = sorted((d.name, p.stem) for d in LAYOUTS.iterdir() if d.is_dir() and d.name != "__pycache__"
               for p in d.glob("*.html"))
FURNITURE = ("Sign up to our daily bulletin", "Subscribe", "Sponsored:", "Most read", "Council budgets",
             "Latest News from", "Most Popular", "Your support helps us", "Support Now",
             "To continue reading", "Buy the e-paper", "Printable version", "Original article link",
             "/Public Release", "View in full here")


def _norm(text: str) -> str:
    return "\n".join(re.sub(r"[ \t\u00a0]+", " ", ln).strip() for ln in text.strip().split("\n"))


def test_every_outlet_has_three_layouts() -> None:
    for outlet in ("wiredgov", "mirage", "iconic", "independent"):
        assert len([c for c in CASES if c[0] == outlet]) >= 3, outlet


@pytest.mark.parametrize("outlet,layout", CASES, ids=[f"{o}/{lay}" for o, lay in CASES])
def test_layout_cleans_to_the_content(outlet: str, layout: str) -> None:
    d = LAYOUTS / outlet
    meta = json.loads((d / "meta.json").read_text(encoding="utf-8"))
    doc = clean((d / f"{layout}.html").read_bytes(), meta["url"])
    assert doc.cleaner != "fallback", doc.fallback_reason
    leaks = [f for f in FURNITURE if f in doc.text]
    assert not leaks, f"furniture kept: {leaks}\n{doc.text}"
    want = _norm((d / "expected.txt").read_text(encoding="utf-8"))
    got = _norm(doc.text)
    if got != want:
        missing = [ln for ln in want.split("\n") if ln and ln not in got]
        extra = [ln for ln in got.split("\n") if ln and ln not in want]
        pytest.fail(f"{outlet}/{layout}: text differs\n  missing: {missing}\n  extra: {extra}")
    for k, v in meta["metadata"].items():
        assert doc.metadata.get(k) == v, (k, doc.metadata.get(k))


def _boxes_inside_body(page: str) -> str:
    """The same page with sign-up, sponsor and "most read" boxes between the body's paragraphs
    (after the third paragraph below the headline), where trafilatura keeps them."""
    from tests.layouts.build import MOST_READ, SIGNUP, SPONSOR

    i = page.find("<h1")
    for _ in range(4):
        i = page.find("</p>", i) + len("</p>")
    boxes = SIGNUP.format(c="inline-signup") + SPONSOR.format(c="sponsor-box") + MOST_READ.format(c="most-read")
    return page[:i] + boxes + page[i:]


@pytest.mark.parametrize("outlet,layout", CASES, ids=[f"{o}/{lay}" for o, lay in CASES])
def test_boxes_inside_the_body_are_never_kept(outlet: str, layout: str) -> None:
    d = LAYOUTS / outlet
    meta = json.loads((d / "meta.json").read_text(encoding="utf-8"))
    page = _boxes_inside_body((d / f"{layout}.html").read_text(encoding="utf-8"))
    doc = clean(page.encode("utf-8"), meta["url"])
    leaks = [f for f in FURNITURE if f in doc.text]
    assert not leaks, f"furniture kept: {leaks}\n{doc.text}"
    assert _norm(doc.text) == _norm((d / "expected.txt").read_text(encoding="utf-8"))
    boxes = {r.kind for r in doc.removed if r.rule == "shared.article_box"}
    assert {"promo", "latest-news"} <= boxes, doc.removed


def test_a_body_named_like_furniture_and_its_paragraphs_stay() -> None:
    """Adversarial: the body's own container says "newsletter"/"related" (it holds most of
    the text), and a paragraph about subscriptions carries a promo-like class: both stay."""
    body = " ".join(f"Sentence {i} of the release about the new service." for i in range(40))
    page = (f"<html><body><nav class='menu'><a href='/'>Home</a></nav><article><h1>Council newsletters</h1>"
            f"<div class='newsletter-article related-body'><p>{body}</p>"
            "<p class='subscribe-note'>Residents can subscribe to the printed newsletter for free.</p>"
            f"<p>{body}</p></div></article></body></html>")
    doc = clean(page.encode(), "https://www.independent.co.uk/news/uk/politics/x-b1234567.html")
    assert "Residents can subscribe to the printed newsletter for free." in doc.text
    assert doc.text.count("Sentence 39 of the release") == 2
    assert not [r for r in doc.removed if r.rule == "shared.article_box"]
