"""Generic rules on real pages of sites without a cleaner: only sure removals, no lost prose.

Baseline is bare ``trafilatura.extract`` with the same options clean() uses (comments off).
clean() must keep every line the baseline keeps unless a generic rule removed it and said
so in ``doc.removed``, and every such removal must be a short furniture line.
"""
from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import pytest
import trafilatura

from cleaners import clean, cleaner_for_url
from cleaners.core import to_rule_text
from cleaners.extract import TRAFILATURA_OPTIONS

# Real pages from trafilatura's evaluation set, read in place from ../shared: they belong to their
# publishers and must not be republished, so they are never copied into this repository.
EVAL = Path(__file__).resolve().parents[2] / "shared" / "real-pages" / "trafilatura-eval"
PAGES = ([p for p in json.loads((EVAL / "manifest.json").read_text(encoding="utf-8"))
          if p.get("url") and cleaner_for_url(p["url"]) is None]
         if EVAL.is_dir() else [])
pytestmark = pytest.mark.skipif(not PAGES, reason="../shared/real-pages/trafilatura-eval is not beside this checkout")
MAX_REMOVED_LINE = 320  # a timestamped headline; article sentences run longer or end in "."


def _norm(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip()


@pytest.mark.parametrize("page", PAGES, ids=[p["file"].removesuffix(".html.gz") for p in PAGES])
def test_clean_keeps_what_trafilatura_keeps(page: dict) -> None:
    url = page["url"]
    assert cleaner_for_url(url) is None, f"{url} now has a site cleaner; pick another page"
    html = gzip.decompress((EVAL / page["file"]).read_bytes())
    base = trafilatura.extract(html, url=url, **TRAFILATURA_OPTIONS) or ""
    doc = clean(html, url)
    assert doc.cleaner == "generic" and doc.fallback_reason is None
    assert all(r.rule.startswith("generic.") for r in doc.removed), doc.removed
    removed_lines = [ln for r in doc.removed for ln in r.text.split("\n")]
    for ln in removed_lines:
        assert len(ln) <= MAX_REMOVED_LINE, f"generic rule removed a long block: {ln[:80]!r}"
        assert not any(_norm(w) in _norm(ln) for w in page["with"]), f"removed article text {ln!r}"
    kept = set(to_rule_text(doc.text).split("\n"))
    lost = [ln for ln in to_rule_text(base).split("\n")
            if ln and ln not in kept and ln not in removed_lines]
    assert not lost, f"lines lost without a removal record: {lost[:3]}"


def test_with_and_without_scores_no_worse_than_trafilatura() -> None:
    score = {"with_base": 0, "with_clean": 0, "without_base": 0, "without_clean": 0}
    for page in PAGES:
        html = gzip.decompress((EVAL / page["file"]).read_bytes())
        base = _norm(trafilatura.extract(html, url=page["url"], **TRAFILATURA_OPTIONS) or "")
        text = _norm(clean(html, page["url"]).text)
        score["with_base"] += sum(_norm(s) in base for s in page["with"])
        score["with_clean"] += sum(_norm(s) in text for s in page["with"])
        score["without_base"] += sum(_norm(s) not in base for s in page["without"])
        score["without_clean"] += sum(_norm(s) not in text for s in page["without"])
    assert score["with_clean"] >= score["with_base"], score
    assert score["without_clean"] >= score["without_base"], score
