"""A drop rule tests a line longer than its bounded alternatives allow with its one unbounded
alternative alone (cleaners/regex_needles.long_line_split): the same lines match as with the
whole pattern, for every drop rule of every registered cleaner, over the lines of every golden,
layout and eval page's extracted text and over long lines built to match each alternative."""
from __future__ import annotations

import gzip
import re
from pathlib import Path

import pytest

from cleaners.base import DropRule, registered
from cleaners.core import to_rule_text
from cleaners.extract import decode_html, extract_text, parse_html
from cleaners.generic import GenericRules
from cleaners.regex_needles import long_line_split

TESTS = Path(__file__).resolve().parent
EVAL = TESTS.parents[1] / "shared" / "real-pages" / "trafilatura-eval"


def _rules() -> list[tuple[str, DropRule]]:
    return [(f"{cls.name}.{d.id}", d) for cls in (GenericRules, *registered().values())
            for d in cls.drop_paragraphs]


def _lines() -> list[str]:
    pages = [*TESTS.glob("golden/*/*/page.html*"), *TESTS.glob("layouts/*/*.html"),
             *sorted(EVAL.glob("*.html.gz"))]
    out: set[str] = set()
    for page in sorted(pages):
        data = page.read_bytes()
        tree = parse_html(decode_html(gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data))
        if tree is not None:
            out.update(ln for ln in to_rule_text(extract_text(tree, None)).split("\n") if ln)
    return sorted(out)


@pytest.fixture(scope="module")
def lines() -> list[str]:
    got = _lines()
    assert len(got) > 5000, "eval pages missing: too few lines to mean anything"
    return got


def test_split_of_known_shapes() -> None:
    width, long = long_line_split(re.compile(r".{0,10}abc|x.*y|.{0,5}q"))
    assert width == 13 and long is not None and long.fullmatch("x" + "z" * 50 + "y")
    assert long_line_split(re.compile(r"Share|Print")) == (long_line_split(re.compile("Share"))[0], None)
    assert long_line_split(re.compile(r".{0,10}a.*|.*b"))[1] is None  # two unbounded: tested whole
    width, long = long_line_split(re.compile(r".{0,10}abc|.{0,3}d"))
    assert width == 13 and long is None


@pytest.mark.parametrize("name, rule", _rules(), ids=[n for n, _ in _rules()])
def test_same_lines_match(name: str, rule: DropRule, lines: list[str]) -> None:
    for line in lines:
        assert rule.matches(line) == (rule.pattern.fullmatch(line) is not None), (name, line[:200])


def test_long_lines_built_to_match_still_match() -> None:
    rules = dict(_rules())
    for name, line in (
            ("generic.newsletter_promo", "Keep up with the latest news from the borough with our daily newsletter " + "x" * 500),
            ("generic.copyright_note", "Copyright" + " " * 500 + "2024 Example Media Ltd. All rights reserved."),
            ("generic.signoff_prompt", "|" + " " * 500 + "We need your help to keep reporting. Donate |"),
            ("generic.post_meta", "x" * 100 + " | 1234567890123456789012345678901234567890123456789 Comments"),
    ):
        rule = rules[name]
        assert len(line) > rule.short_width, name
        assert rule.pattern.fullmatch(line) is not None and rule.matches(line), name


def _reference(rules: tuple[DropRule, ...], text: str) -> tuple[str, list[tuple[str, str]]]:
    kept, gone = [], []
    for line in text.split("\n"):
        hit = next((d for d in rules if line and d.pattern.fullmatch(line)), None)
        if hit is None:
            kept.append(line)
        else:
            gone.append((hit.id, line))
    return "\n".join(kept), sorted(gone)


def test_drop_lines_drops_what_the_whole_patterns_drop(lines: list[str]) -> None:
    from cleaners.base import _drop_lines
    from cleaners.document import Removal
    for cls in (GenericRules, *registered().values()):
        rules = cls.drop_paragraphs
        for start in range(0, len(lines), 40):  # texts of 40 lines: short ones and long ones
            text = "\n".join(lines[start:start + 40])
            removed: list[Removal] = []
            got = _drop_lines(rules, text, removed, "x")
            want, gone = _reference(rules, text)
            assert got == want, cls.name
            assert sorted((r.rule.split(".", 1)[1], r.text) for r in removed) == gone, cls.name
