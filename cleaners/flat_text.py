"""One comparison key for a block of the page and a line of the extracted text.

Letters and digits only, lower case: list dashes, table pipes, ``<br>`` breaks and spacing
differ between the two. Hot on the repair paths (every block and every line of a page), so
ASCII text, most of it, is filtered by ``bytes.translate`` rather than a regex.
"""
from __future__ import annotations

import re

__all__ = ["flat"]

_NON_WORD = re.compile(r"\W+")
_ASCII_NON_WORD = bytes(c for c in range(128) if not (chr(c).isalnum() or c == ord("_")))


def flat(s: str) -> str:
    """``s`` without any non-word character (``\\W``), lower-cased."""
    if s.isascii():
        return s.encode("ascii").translate(None, _ASCII_NON_WORD).decode("ascii").lower()
    return _NON_WORD.sub("", s).lower()
