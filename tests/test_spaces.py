"""collapse() must give exactly what " ".join(s.split()) gives: it replaced that on the
generic path, and every block key and link text depends on it."""
from __future__ import annotations

import itertools

from cleaners.spaces import collapse

# every ASCII whitespace str.split() knows, Unicode ones, and non-space neighbours
_CHARS = [" ", "\t", "\n", "\x0b", "\x0c", "\r", "\x1c", "\x1f", "\x85", "\xa0", "\u2003", "\u3000",
          "a", ".", "é", "\x1b"]


def test_collapse_equals_split_join_on_every_short_string() -> None:
    for n in range(5):
        for chars in itertools.product(_CHARS, repeat=n):
            s = "".join(chars)
            assert collapse(s) == " ".join(s.split()), repr(s)


def test_collapse_on_every_code_point_between_words() -> None:
    for c in map(chr, range(0x3100)):
        s = f"ab{c}cd"
        assert collapse(s) == " ".join(s.split()), repr(s)


def test_collapsed_text_is_returned_as_is() -> None:
    s = "Already single spaced text."
    assert collapse(s) is s
