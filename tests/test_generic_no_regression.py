"""Generic extraction on 169 real pages of outlets without a cleaner: better than trafilatura.

The set (../shared/real-pages/trafilatura-eval, from trafilatura's own evaluation data) gives
each page strings its main text must contain (``with``) and must not (``without``). Baseline
is bare ``trafilatura.extract`` with the options clean() uses (comments off). clean() must do
no worse on any page (no fewer of its checks met, no pass turned into a fail), meet the issue-16 targets over the set, and each text rule's removals
must be short furniture lines, never article text. Pages are read in place: they belong to
their publishers and are never copied into this repository.
"""
from __future__ import annotations

import gzip
import json
import re
from functools import cache
from pathlib import Path

import pytest
import trafilatura

from cleaners import clean, cleaner_for_url
from cleaners.extract import TRAFILATURA_OPTIONS


def _eval_dir() -> Path | None:
    """``shared/real-pages/trafilatura-eval`` beside the checkout or beside any parent of it
    (a git worktree sits one level deeper than a clone)."""
    for parent in Path(__file__).resolve().parents[1:4]:
        d = parent / "shared" / "real-pages" / "trafilatura-eval"
        if (d / "manifest.json").is_file():
            return d
    return None


EVAL = _eval_dir()
ALL = json.loads((EVAL / "manifest.json").read_text(encoding="utf-8")) if EVAL else []
PAGES = [p for p in ALL if p.get("url") and cleaner_for_url(p["url"]) is None]
pytestmark = pytest.mark.skipif(not ALL, reason="../shared/real-pages/trafilatura-eval is not beside this checkout")
MAX_TEXT_RULE_LINE = 320  # a text rule removes a furniture line; article sentences run longer
# DOM rules (cleaners/boilerplate.py) remove whole boxes, and record them under these ids
DOM_RULES = {"generic.newsletter_box", "generic.link_headline", "generic.author_bio", "generic.teaser_list", "generic.offer_card",
             "generic.restated_caption",
             "generic.cta_box", "generic.disclosure", "generic.trust_copyright", "generic.credit", "generic.popup", "generic.next_story",
             # not rules: page landmarks trafilatura itself left out, reported (cleaners/extractor_drops.py)
             "generic.extractor_nav", "generic.extractor_header", "generic.extractor_footer",
             "generic.extractor_aside", "generic.extractor_landmark"}

# Issue 16 targets over the whole set, and what clean() reaches today (docs/extraction.md)
TARGET = {"pass": 160, "with": 0.98, "without": 0.97}
FLOOR = {"pass": 161, "with": 0.990, "without": 0.988}


def _norm(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip()


def _html(page: dict) -> bytes:
    assert EVAL is not None
    return gzip.decompress((EVAL / page["file"]).read_bytes())


@cache
def _score(file: str, which: str) -> tuple[int, int]:
    """(with found, without kept out) for one page by ``clean`` or bare ``trafilatura``."""
    page = next(p for p in ALL if p["file"] == file)
    html = _html(page)
    if which == "clean":
        text = clean(html, page["url"] or "").text
    else:
        text = trafilatura.extract(html, url=page["url"], **TRAFILATURA_OPTIONS) or ""
    t = _norm(text)
    return (sum(_norm(s) in t for s in page["with"]), sum(_norm(s) not in t for s in page["without"]))


@pytest.mark.parametrize("page", PAGES, ids=[p["file"].removesuffix(".html.gz") for p in PAGES])
def test_no_page_worse_than_trafilatura(page: dict) -> None:
    doc = clean(_html(page), page["url"])
    assert doc.cleaner == "generic" and doc.fallback_reason is None
    assert all(r.rule.startswith("generic.") for r in doc.removed), doc.removed
    for r in doc.removed:
        if r.rule in DOM_RULES:
            continue
        for ln in r.text.split("\n"):
            assert len(ln) <= MAX_TEXT_RULE_LINE, f"text rule removed a long block: {ln[:80]!r}"
            assert not any(_norm(w) in _norm(ln) for w in page["with"]), f"removed article text {ln!r}"
    # "worse" = fewer of the page's checks met, or a page trafilatura passes that we fail. (One
    # page trades: jis.gov.jm loses its title, which only a fallback's output carried, and
    # keeps out a caption and a pop-up: 3 checks met become 5.)
    got, base = _score(page["file"], "clean"), _score(page["file"], "trafilatura")
    assert sum(got) >= sum(base), f"{page['file']}: {got} checks met, trafilatura {base}"
    if base == (len(page["with"]), len(page["without"])):
        assert got == base, f"{page['file']}: trafilatura passes this page, clean() does not"


@pytest.mark.slow
def test_scores_over_the_set_and_both_halves() -> None:
    """Figures over all 169 pages and over the even/odd halves (development/held out)."""
    rows = []
    for half in ("even", "odd", "all"):
        pages = [p for i, p in enumerate(ALL) if half == "all" or i % 2 == (half == "odd")]
        w = o = passed = 0
        for p in pages:
            found, kept_out = _score(p["file"], "clean")
            w, o = w + found, o + kept_out
            passed += found == len(p["with"]) and kept_out == len(p["without"])
        rows.append((half, passed, len(pages), w / sum(len(p["with"]) for p in pages),
                     o / sum(len(p["without"]) for p in pages)))
    print("\n".join(f"{h}: pass {p}/{n}, with {w:.3f}, without {o:.3f}" for h, p, n, w, o in rows))
    _, passed, n, w, o = rows[-1]
    assert n == 169
    assert passed >= FLOOR["pass"] and w >= FLOOR["with"] and o >= FLOOR["without"], rows[-1]


SITE_PAGES = [p for p in ALL if p.get("url") and cleaner_for_url(p["url"]) is not None]


@pytest.mark.parametrize("page", SITE_PAGES, ids=[p["file"].removesuffix(".html.gz") for p in SITE_PAGES])
def test_pages_of_site_cleaners_in_the_set_no_worse_than_trafilatura(page: dict) -> None:
    """The shared text rules of cleaners/generic.py run after every site cleaner too."""
    got, base = _score(page["file"], "clean"), _score(page["file"], "trafilatura")
    assert sum(got) >= sum(base), f"{page['file']}: {got} checks met, trafilatura {base}"
