"""A cheap "cannot match" test for a rule's regex: literal text every match must contain.

Most rules match nothing on most pages, and each one searching a whole article costs a
regex scan (a pattern that starts ``.{0,160}`` or ``^`` gets no help from the regex engine's
own prefix search). Every match of ``Sign up (?:to|for) … newsletter`` contains "Sign up ";
every match of ``(?:Support Now|Donate|Support us)`` one of its three words. When none of a
pattern's needles is in the text (a substring test), the pattern cannot match it and the
regex is not run. Patterns with no such literal (or case-insensitive ones) are always run.
"""
from __future__ import annotations

import re
import sys
from re import _constants as _sre  # type: ignore[attr-defined]
from re import _parser as _sre_parse  # type: ignore[attr-defined]
from typing import Any

__all__ = ["could_match", "long_line_split", "needles", "prefilter"]


def _better(a: tuple[str, ...] | None, b: tuple[str, ...] | None) -> tuple[str, ...] | None:
    """The stronger of two needle sets: the one whose shortest needle is longer."""
    if not b or not all(b):
        return a
    if not a:
        return b
    return b if min(map(len, b)) > min(map(len, a)) else a


def _sequence(items: list[Any]) -> tuple[str, ...] | None:
    """Needles of a sequence: one of them is in every match (None: no such set known)."""
    best: tuple[str, ...] | None = None
    run: list[str] = []
    for op, av in items:
        if op is _sre.LITERAL:
            run.append(chr(av))
            continue
        best, run = _better(best, ("".join(run),) if run else None), []
        if op is _sre.SUBPATTERN:
            _group, add_flags, _del_flags, sub = av
            if not add_flags & _sre.SRE_FLAG_IGNORECASE:
                best = _better(best, _sequence(list(sub)))
        elif op is _sre.BRANCH:
            alternatives = [_sequence(list(branch)) for branch in av[1]]
            if all(alternatives):
                best = _better(best, tuple(n for alt in alternatives if alt for n in alt))
        elif op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT, _sre.POSSESSIVE_REPEAT) and av[0] >= 1:
            best = _better(best, _sequence(list(av[2])))
        # anything else (classes, anchors, lookarounds, back-references) promises no literal
    return _better(best, ("".join(run),) if run else None)


def needles(pattern: re.Pattern[str]) -> tuple[str, ...] | None:
    """Strings one of which every match of ``pattern`` contains; None when none is known."""
    if pattern.flags & re.IGNORECASE:
        return None
    try:
        parsed = _sre_parse.parse(pattern.pattern, pattern.flags)
    except Exception:  # noqa: BLE001 -- an unknown construct: always run the regex
        return None
    if parsed.state.flags & re.IGNORECASE:
        return None
    return _sequence(list(parsed))


def _starts_fixed(items: list[Any]) -> bool:
    """Whether a match must start with a literal or a character class, so that the regex
    engine rejects most positions at their first character (no prefilter needed)."""
    for op, av in items:
        if op is _sre.AT:
            continue
        if op in (_sre.LITERAL, _sre.IN, _sre.NOT_LITERAL):
            return True
        if op is _sre.SUBPATTERN:
            return _starts_fixed(list(av[3]))
        if op is _sre.BRANCH:
            return all(_starts_fixed(list(branch)) for branch in av[1])
        return False
    return False


# a substring test costs about what a regex pass that fails early does: a prefilter pays
# only with a few needles, for a pattern the engine cannot reject early
_MAX_NEEDLES = 8


def prefilter(pattern: re.Pattern[str], *, whole_line: bool = False) -> tuple[str, ...] | None:
    """The needles worth testing before running ``pattern`` over a text (None: just run it).

    ``whole_line``: the pattern is only ever ``fullmatch``-ed against single lines, where a
    pattern that starts with a literal fails at once on most lines.
    """
    found = needles(pattern)
    if found is None or len(found) > _MAX_NEEDLES:
        return None
    if whole_line and _starts_fixed(list(_sre_parse.parse(pattern.pattern, pattern.flags))):
        return None
    return found


def could_match(found: tuple[str, ...] | None, text: str) -> bool:
    """False only when a pattern with these prefilter needles certainly matches nowhere in ``text``."""
    return found is None or any(n in text for n in found)


def long_line_split(pattern: re.Pattern[str]) -> tuple[int, re.Pattern[str] | None]:
    """For a whole-line (``fullmatch``) pattern: the longest line any of its bounded top-level
    alternatives can match, and its one unbounded alternative compiled on its own (None if
    all are bounded). A longer line can only match that one: a drop rule of a dozen
    ``.{0,160}…`` alternatives and one ``Registration is … .*`` tests a 600-character
    paragraph with the latter alone.

    ``(sys.maxsize, None)`` - every line tested with the whole pattern - for a pattern that
    starts with a literal or a class (the engine rejects most lines at their first character
    already), one with several unbounded alternatives, or one that cannot be split.
    """
    whole: tuple[int, re.Pattern[str] | None] = (sys.maxsize, None)
    try:
        parsed = _sre_parse.parse(pattern.pattern, pattern.flags)
        items = list(parsed)
        if _starts_fixed(items) or len(items) != 1 or items[0][0] is not _sre.BRANCH:
            return whole
        branches = list(items[0][1][1])
        bounded = [b.getwidth()[1] for b in branches if b.getwidth()[1] < _sre.MAXREPEAT]
        unbounded = [b for b in branches if b.getwidth()[1] >= _sre.MAXREPEAT]
        if not bounded or len(unbounded) > 1:
            return whole
        if not unbounded:
            return max(bounded), None
        from re import _compiler as _sre_compile  # type: ignore[attr-defined]
        return max(bounded), _sre_compile.compile(unbounded[0], pattern.flags)
    except Exception:  # noqa: BLE001 -- a pattern we cannot split is tested whole
        return whole
