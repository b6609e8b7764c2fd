"""The rules' regex prefilter (cleaners/regex_needles.py) never skips a pattern that matches:
every rule of every registered cleaner, over the extracted text of every golden and layout
page and over crafted lines that do match."""
from __future__ import annotations

import gzip
import re
from pathlib import Path

import pytest

from cleaners.base import registered
from cleaners.core import to_rule_text
from cleaners.extract import decode_html, extract_text, parse_html
from cleaners.generic import GenericRules
from cleaners.regex_needles import could_match, needles, prefilter

TESTS = Path(__file__).resolve().parent


def _patterns() -> list[tuple[str, re.Pattern[str]]]:
    out = []
    for cls in (GenericRules, *registered().values()):
        for group in ("metadata_lines", "cut_between", "truncate_at", "drop_paragraphs"):
            for rule in getattr(cls, group):
                for name in ("pattern", "start", "end"):
                    if hasattr(rule, name):
                        out.append((f"{cls.name}.{rule.id}.{name}", getattr(rule, name)))
    return out


def _texts() -> list[str]:
    pages = [*TESTS.glob("golden/*/*/page.html*"), *TESTS.glob("layouts/*/*.html")]
    out = []
    for page in sorted(pages):
        data = page.read_bytes()
        html = decode_html(gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data)
        tree = parse_html(html)
        assert tree is not None
        out.append(to_rule_text(extract_text(tree, None)))
    return out


def test_needles_of_known_shapes() -> None:
    assert needles(re.compile(r"(?:Support Now|Donate(?: now)?|Make a donation)")) == (
        "Support Now", "Donate", "Make a donation")
    assert needles(re.compile(r".{0,160}\bdelivered (?:straight )?to your inbox\b.{0,80}")) == ("to your inbox",)
    assert needles(re.compile(r"(?i)sign up")) is None  # case-insensitive: no literal promise
    assert needles(re.compile(r"a(?i:bc)d")) == ("a",) or needles(re.compile(r"a(?i:bc)d")) == ("d",)
    assert needles(re.compile(r"(?:abc|\d+)")) is None  # one alternative has no literal
    # whole-line patterns that start with a literal are left to the regex engine
    assert prefilter(re.compile(r"Share this page"), whole_line=True) is None
    assert prefilter(re.compile(r".{0,80}Share this page"), whole_line=True) == ("Share this page",)


@pytest.fixture(scope="module")
def texts() -> list[str]:
    return _texts()


def test_prefilter_never_skips_a_match(texts: list[str]) -> None:
    skipped = matched = 0
    for name, pattern in _patterns():
        found = needles(pattern)
        for text in texts:
            for candidate in (text, *text.split("\n")):
                if pattern.search(candidate):
                    matched += 1
                    assert could_match(found, candidate), (name, candidate[:200])
                elif not could_match(found, candidate):
                    skipped += 1
    assert matched > 20 and skipped > 1000  # the check saw both outcomes
