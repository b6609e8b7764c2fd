"""A "By Jane Reporter" line whose name is already in `authors` is metadata, not text.

Only a whole line in the first few lines, naming only known authors, is taken out, so a
sentence that starts with "By" ("By 2030 the scheme will ...") is never touched.
"""
from __future__ import annotations

import re

from cleaners.document import CleanDocument, Removal

__all__ = ["drop_byline"]

_BY = re.compile(r"^(?:Written |Words |Report(?:ed)? )?by:?\s+(?P<names>.{2,120}?)\s*$", re.I)
_SPLIT = re.compile(r"\s*(?:,|\band\b|&)\s*", re.I)
_HEAD_LINES = 6  # a byline sits under the title/standfirst, never deep in the body


def _norm(name: str) -> str:
    return " ".join(name.split()).casefold()


def drop_byline(rule_text: str, doc: CleanDocument) -> str:
    """The text without byline lines that repeat `doc.authors` (recorded as metadata-moved)."""
    if not doc.authors:
        return rule_text
    known = {_norm(a) for a in doc.authors}
    lines = rule_text.split("\n")
    for i, line in enumerate(lines[:_HEAD_LINES]):
        m = _BY.match(line.strip())
        if not m:
            continue
        names = [n for n in _SPLIT.split(m.group("names")) if n]
        if names and all(_norm(n) in known for n in names):
            doc.removed.append(Removal("generic.byline", "metadata-moved", line.strip()))
            return "\n".join(lines[:i] + lines[i + 1:])
    return rule_text
