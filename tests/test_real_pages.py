"""Real captured pages from ../shared/real-pages, read in place (they belong to their publishers
and must not be republished, so the repository keeps only our expectations about them)."""
from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import pytest

from cleaners import clean

SHARED = Path(__file__).resolve().parents[2] / "shared" / "real-pages"
CASES = sorted((Path(__file__).parent / "real_pages").glob("*.json"))

pytestmark = pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/real-pages is not beside this checkout")


def _norm(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip()


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_real_page(case: Path) -> None:
    spec = json.loads(case.read_text(encoding="utf-8"))
    page = SHARED / spec["page"]
    html = gzip.decompress(page.read_bytes())
    doc = clean(html, spec["url"])
    for field, value in spec["expected"].items():
        assert getattr(doc, field) == value, field
    # every body paragraph the reference parser found is ours too, in order, and nothing else
    # of the page's furniture is
    ref = json.loads(page.with_name(page.name.replace(".html.gz", ".expected.json")).read_text())
    text = _norm(doc.text)
    pos = 0
    for para in ref["body_paragraphs"]:
        i = text.find(_norm(para), pos)
        assert i >= 0, f"paragraph lost or out of order: {para[:60]!r}"
        pos = i
    for junk in spec["without"]:
        assert junk not in doc.text, junk
