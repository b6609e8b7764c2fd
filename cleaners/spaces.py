"""Whitespace collapsed to single spaces, as ``" ".join(s.split())`` gives, cheaply.

Hot on the generic path (every block and link of a page): most text read from a page is
ASCII, and much of it already has single spaces only; that is checked with C-level searches
instead of splitting the text into words and joining them again.
"""
from __future__ import annotations

__all__ = ["collapse"]

# the ASCII characters str.split() splits on, other than the space itself
_ASCII_SPACE_NOT_BLANK = b"\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f"


def collapse(s: str) -> str:
    """``" ".join(s.split())``: the same string, returned as it is when already collapsed."""
    if (s.isascii() and s[:1] != " " and s[-1:] != " " and "  " not in s
            and len(s.encode("ascii").translate(None, _ASCII_SPACE_NOT_BLANK)) == len(s)):
        return s
    return " ".join(s.split())
