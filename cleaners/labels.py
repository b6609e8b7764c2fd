"""The class and id values of a page that hold one of a few words, found cheaply.

Several generic reads look for furniture or a standfirst by the names templates give their
boxes: they walk every ``class``/``id`` value of the page (thousands on a news page) and test
each with a case-insensitive regex of needle words. Both halves cost: the values as "smart"
strings (each knows its element) and a regex call per value, ~3 ms on a large page. Here the
values are read as plain strings, joined and lower-cased once, and the needles found with one
case-sensitive search; only when one is there are the smart strings made, and only the values
holding a needle are returned - the same values, in the same order, as testing each one.
"""
from __future__ import annotations

import bisect
import re
from typing import Any

from lxml import etree

__all__ = ["has_label_with", "labels_with"]

_LABELS = etree.XPath(".//@class | .//@id")
_PLAIN = etree.XPath(".//@class | .//@id", smart_strings=False)
_LOWER_NEEDLES: dict[str, re.Pattern[str] | None] = {}


def _lower(needle: re.Pattern[str]) -> re.Pattern[str] | None:
    """The needle regex for lower-cased text, for a case-insensitive alternation of
    lower-case ASCII words (None for any other pattern: those take the slow path)."""
    if needle.pattern not in _LOWER_NEEDLES:
        words = needle.pattern.split("|")
        ok = bool(needle.flags & re.IGNORECASE) and all(
            w.isascii() and w.isalpha() and w.islower() for w in words)
        _LOWER_NEEDLES[needle.pattern] = re.compile(needle.pattern) if ok else None
    return _LOWER_NEEDLES[needle.pattern]


def labels_with(root: Any, needle: re.Pattern[str]) -> list[Any]:
    """The ``class``/``id`` values under ``root`` (smart strings: ``.getparent()`` is the
    element) that ``needle.search`` finds something in, in document order."""
    lower = _lower(needle)
    if lower is None:
        return [v for v in _LABELS(root) if needle.search(v)]
    values = _PLAIN(root)
    joined = "\n".join(values)
    if not joined.isascii():  # (IGNORECASE also folds a few non-ASCII letters: test each)
        return [v for v in _LABELS(root) if needle.search(v)]
    starts: list[int] = []
    pos = 0
    found: list[int] = []
    low = joined.lower()
    for m in lower.finditer(low):
        if not starts:
            for v in values:
                starts.append(pos)
                pos += len(v) + 1
        i = bisect.bisect_right(starts, m.start()) - 1
        if not found or found[-1] != i:
            found.append(i)
    if not found:
        return []
    smart = _LABELS(root)
    return [smart[i] for i in found]


def has_label_with(root: Any, needle: re.Pattern[str]) -> bool:
    """Whether ``needle.search`` finds something in a ``class``/``id`` value under ``root``."""
    lower = _lower(needle)
    values = _PLAIN(root)
    if lower is not None:
        joined = "\n".join(values)
        if joined.isascii():
            return lower.search(joined.lower()) is not None
    return any(needle.search(v) for v in values)
