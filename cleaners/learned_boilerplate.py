"""Learned outlet boilerplate, the pure half: paragraph keys and marking suspects in a text.

CCNet-style (Wenzek et al. 2019, "CCNet", §3.1): every paragraph is normalised (lower case,
digits folded to 0, punctuation and spacing collapsed) and hashed; a paragraph whose hash
turns up on a large share of one outlet's pages is that outlet's furniture - an appeal,
a sign-up prompt, a "Latest News" item, a legal line - whether or not a rule names it yet.

Counting needs the archive and lives in crawler/boilerplate.py (cleaners/ never reads the
store); here a caller passes the set of suspect hashes in.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import asdict
from typing import Any

from cleaners.document import Removal

__all__ = ["MIN_CHARS", "apply_to_document", "countable", "mark_boilerplate", "paragraph_key", "text_lines"]

# Short lines ("Background:", "Notes to editors", "Ends") repeat on every release by design
# and are structure, not furniture; site and generic rules handle the short labels.
MIN_CHARS = 30

_DIGITS = re.compile(r"\d")
_PUNCT = re.compile(r"[\W_]+", re.UNICODE)
_LIST = re.compile(r"^(?:- |\| )")


def paragraph_key(line: str) -> str:
    """16-hex hash of a normalised line: case, digits, punctuation and spacing folded."""
    s = unicodedata.normalize("NFKC", line).lower()
    s = _DIGITS.sub("0", s)
    s = " ".join(_PUNCT.sub(" ", s).split())
    return hashlib.sha1(s.encode("utf-8")).hexdigest()[:16]


def text_lines(text: str) -> list[str]:
    """The lines of a clean text (paragraphs and list items), stripped, blanks dropped."""
    return [ln.strip() for ln in text.split("\n") if ln.strip()]


def countable(line: str) -> bool:
    """Whether a line is long enough to count as a paragraph for boilerplate statistics."""
    return len(_LIST.sub("", line)) >= MIN_CHARS


def mark_boilerplate(text: str, suspects: Iterable[str] | set[str], *, remove: bool,
                     keep_first: int = 1) -> tuple[str, list[Removal]]:
    """Flag (and with ``remove`` drop) lines whose key is in ``suspects``.

    The first ``keep_first`` lines (the title) are never touched. Returns the text (in the
    clean-text format: paragraphs split by blank lines) and one ``suspected-boilerplate``
    Removal per flagged line, rule ``boilerplate.removed`` or ``boilerplate.flagged``.
    """
    bad = suspects if isinstance(suspects, (set, frozenset)) else set(suspects)
    if not bad or not text:
        return text, []
    rule = "boilerplate.removed" if remove else "boilerplate.flagged"
    found: list[Removal] = []
    paragraphs = text.split("\n\n")
    seen_lines = 0
    out_paras: list[str] = []
    for para in paragraphs:
        kept: list[str] = []
        for line in para.split("\n"):
            seen_lines += 1
            if seen_lines > keep_first and countable(line.strip()) and paragraph_key(line.strip()) in bad:
                found.append(Removal(rule, "suspected-boilerplate", line.strip()))
                if remove:
                    continue
            kept.append(line)
        if kept:
            out_paras.append("\n".join(kept))
    return ("\n\n".join(out_paras) if remove else text), found


def apply_to_document(doc: dict[str, Any], suspects: Iterable[str] | set[str], *, remove: bool) -> int:
    """Flag (or remove) suspects in a cleaned document dict, as the crawl does and as
    `govwire reclean` must redo so that re-derived documents equal the crawl's. Returns how
    many lines were flagged."""
    text, found = mark_boilerplate(str(doc.get("text", "")), suspects, remove=remove)
    if not found:
        return 0
    doc.setdefault("removed", []).extend(asdict(r) for r in found)
    if remove:
        doc["text"] = text
        doc["word_count"] = len(text.split())
    return len(found)
