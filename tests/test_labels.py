"""labels_with() returns exactly the class/id values a per-value case-insensitive search would,
in the same order and with their elements, on every golden, layout and eval page and on
values built to need the slow path (non-ASCII, newlines, needles at value edges)."""
from __future__ import annotations

import gzip
import re
from pathlib import Path

import pytest
from lxml import etree, html

from cleaners.anchors import _LEAD_NEEDLE
from cleaners.boilerplate import _NEEDLE
from cleaners.extract import decode_html, parse_html
from cleaners.labels import has_label_with, labels_with

TESTS = Path(__file__).resolve().parent
EVAL = TESTS.parents[1] / "shared" / "real-pages" / "trafilatura-eval"
_ALL = etree.XPath(".//@class | .//@id")


def _trees() -> list[object]:
    files = [*TESTS.glob("golden/*/*/page.html*"), *TESTS.glob("layouts/*/*.html"), *sorted(EVAL.glob("*.html.gz"))]
    out = []
    for f in sorted(files):
        data = f.read_bytes()
        tree = parse_html(decode_html(gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data))
        if tree is not None:
            out.append(tree)
    return out


def _slow(root: object, needle: re.Pattern[str]) -> list[tuple[str, object]]:
    return [(str(v), v.getparent()) for v in _ALL(root) if needle.search(v)]


def _fast(root: object, needle: re.Pattern[str]) -> list[tuple[str, object]]:
    return [(str(v), v.getparent()) for v in labels_with(root, needle)]


@pytest.mark.parametrize("needle", [_NEEDLE, _LEAD_NEEDLE, re.compile("nav|menu|ad", re.I),
                                    re.compile("Nav|menu", re.I), re.compile("nav|menu")])
def test_same_values_as_testing_each(needle: re.Pattern[str]) -> None:
    trees = _trees()
    assert len(trees) > 150, "eval pages missing"
    for tree in trees:
        slow = _slow(tree, needle)
        assert _fast(tree, needle) == slow
        assert has_label_with(tree, needle) == bool(slow)


def test_built_values() -> None:
    page = html.fromstring(
        "<html><body><div class='xSIGN'>a</div><p id='credit\nline'>b</p><span class='ſign-up'>c</span>"
        "<div class='newsletter' id='next'>d</div><i class='pum'></i><b id=''></b></body></html>")
    assert _fast(page, _NEEDLE) == _slow(page, _NEEDLE)
    assert has_label_with(page, re.compile("sign", re.I))  # (ſign-up: the slow path, non-ASCII)
    assert not has_label_with(page, re.compile("caption", re.I))
    ascii_page = html.fromstring("<html><body><div class='Modal-Box'>a</div><p id='x'>b</p></body></html>")
    assert [v for v, _ in _fast(ascii_page, _NEEDLE)] == ["Modal-Box"]
    assert _fast(ascii_page, re.compile("zzz", re.I)) == []
