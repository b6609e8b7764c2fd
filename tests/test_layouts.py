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
