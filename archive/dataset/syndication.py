"""Text primitives of the syndication match: normalised words, hashed shingles, paragraphs, URLs.

Normalisation makes the seeds' small differences vanish: case ("re-cased titles"), curly vs
straight quotes and apostrophes, "co-operation" vs "cooperation", dashes and punctuation.
Shingles are 5 normalised words hashed to 32 bits: 5 keeps shared topic phrases ("in the
western balkans") from looking like copying.
"""
from __future__ import annotations

import re
import unicodedata
import zlib
from urllib.parse import urlsplit

import numpy as np

__all__ = ["SHINGLE", "SAMPLE", "words", "shingles", "shingle_array", "sample", "paragraphs",
           "normalise_url"]

SHINGLE = 5   # words per shingle
SAMPLE = 4    # the candidate index keeps 1 in SAMPLE shingles (the same slice for every text)

_APOSTROPHES = re.compile(r"['‘’ʼ`´]")
_INWORD_HYPHEN = re.compile(r"(?<=\w)[-‐‑](?=\w)")  # co-operation == cooperation
_WORD = re.compile(r"\w+")


def words(text: str) -> list[str]:
    """Normalised words: NFKC, lower case, apostrophes and in-word hyphens dropped."""
    t = unicodedata.normalize("NFKC", text).lower()
    if "'" in t or "’" in t or "‘" in t or "ʼ" in t or "`" in t or "´" in t:
        t = _APOSTROPHES.sub("", t)
    if "-" in t or "‐" in t or "‑" in t:
        t = _INWORD_HYPHEN.sub("", t)
    return _WORD.findall(t)


def _h(s: str) -> int:
    # crc32: stable across processes (unlike hash()) and fast
    return zlib.crc32(s.encode("utf-8"))


_WORD_HASHES: dict[str, int] = {}
_MASK = np.uint64(0xFFFFFFFF)
_MULT = np.uint64(0x9E3779B1)  # odd 32-bit multiplier: a rolling hash over word hashes


def shingle_array(w: list[str], k: int = SHINGLE) -> np.ndarray:
    """Sorted unique 32-bit hashes of the k-word shingles of w (one shingle if shorter)."""
    if not w:
        return np.empty(0, dtype=np.uint32)
    cache = _WORD_HASHES
    if len(cache) > 2_000_000:  # a bounded vocabulary cache, never the texts
        cache.clear()
    get = cache.get
    hs = [get(x) for x in w]
    if None in hs:
        hs = [h if h is not None else cache.setdefault(x, _h(x) or 1) for x, h in zip(w, hs)]
    wh = np.array(hs, dtype=np.uint64)
    if len(w) < k:
        k = len(w)
    n = len(w) - k + 1
    acc = np.zeros(n, dtype=np.uint64)
    for j in range(k):
        acc = ((acc * _MULT) + wh[j:j + n]) & _MASK
    return np.unique(acc.astype(np.uint32))


def shingles(text: str, k: int = SHINGLE) -> np.ndarray:
    """Hashed k-word shingles of a text as a sorted unique uint32 array."""
    return shingle_array(words(text), k)


def paragraphs(text: str) -> list[str]:
    """The clean-text contract separates paragraphs by a blank line (empty ones dropped)."""
    return [p.strip() for p in text.split("\n\n") if p.strip()]


def normalise_url(url: str | None) -> str:
    """Compare URLs the way outlets mangle them: scheme, www., trailing slash, query, fragment."""
    if not url:
        return ""
    p = urlsplit(url.strip())
    host = (p.hostname or "").lower().removeprefix("www.")
    return f"{host}{p.path.rstrip('/')}"


def sample(sh: np.ndarray) -> np.ndarray:
    """The shingles in the fixed sampled slice (mixed first: crc32's low bits are not uniform)."""
    if not len(sh):
        return sh
    mixed = (sh.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)) & np.uint64(0xFFFFFFFFFFFFFFFF)
    return sh[(mixed >> np.uint64(61)) < np.uint64(8 // SAMPLE)]
