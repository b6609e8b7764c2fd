"""Match each outlet copy to the GOV.UK release it copies, without comparing all pairs.

Why containment, not Jaccard: a PA rewrite quotes a third of the release and adds its own
context, so its Jaccard similarity to the release (~0.12 on the seeds) is close to that of an
unrelated release on the same topic, while the share of the *copy* that comes from the release
(~0.3 vs ~0.003) separates them cleanly. So releases go into a sampled inverted index of their
normalised 5-word shingles (a containment search with memory of ~1 kB per release; datasketch's
LSH Ensemble held ~32-65 kB per release), each copy queries it, and every candidate is verified
exactly on the two texts' shingle sets. A Wired-Gov
``source_url`` naming the release is a strong signal that links even without text overlap.

Normalisation makes the seeds' small differences vanish: case ("re-cased titles"), curly vs
straight quotes and apostrophes, "co-operation" vs "cooperation", dashes and punctuation.
"""
from __future__ import annotations

import re
import unicodedata
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import numpy as np

__all__ = [
    "SHINGLE", "SAMPLE", "MIN_CONTAINMENT", "words", "shingles", "sample", "paragraphs",
    "Measures", "measure", "normalise_url", "ReleaseIndex",
]

SHINGLE = 5            # words per shingle: 5 keeps shared topic phrases ("in the western balkans") out
MIN_CONTAINMENT = 0.15  # copy_share needed to link by text; seeds: PA copy 0.31, other release 0.003
PARA_COUNTERPART = 0.5  # a copy paragraph whose shingles are half in the release is not "added"

_APOSTROPHES = re.compile(r"['‘’ʼ`´]")
_INWORD_HYPHEN = re.compile(r"(?<=\w)[-‐‑](?=\w)")  # co-operation == cooperation
_WORD = re.compile(r"\w+")


def words(text: str) -> list[str]:
    """Normalised words: NFKC, lower case, apostrophes and in-word hyphens dropped."""
    t = unicodedata.normalize("NFKC", text).lower()
    t = _APOSTROPHES.sub("", t)
    t = _INWORD_HYPHEN.sub("", t)
    return _WORD.findall(t)


def _h(s: str) -> int:
    # crc32: stable across processes (unlike hash()) and fast; collisions within one pair of
    # texts are negligible.
    return zlib.crc32(s.encode("utf-8"))


_WORD_HASHES: dict[str, int] = {}
_MASK = np.uint64(0xFFFFFFFF)
_MULT = np.uint64(0x9E3779B1)  # odd 32-bit multiplier: a rolling hash over word hashes


def _shingle_array(w: list[str], k: int = SHINGLE) -> np.ndarray:
    """Sorted unique 32-bit hashes of the k-word shingles of w (one shingle if shorter)."""
    if not w:
        return np.empty(0, dtype=np.uint32)
    cache = _WORD_HASHES
    if len(cache) > 2_000_000:  # a bounded vocabulary cache, never the texts
        cache.clear()
    wh = np.fromiter((cache.get(x) or cache.setdefault(x, _h(x) or 1) for x in w),
                     dtype=np.uint64, count=len(w))
    if len(w) < k:
        k = len(w)
    n = len(w) - k + 1
    acc = np.zeros(n, dtype=np.uint64)
    for j in range(k):
        acc = ((acc * _MULT) + wh[j:j + n]) & _MASK
    return np.unique(acc.astype(np.uint32))


def shingles(text: str, k: int = SHINGLE) -> np.ndarray:
    """Hashed k-word shingles of a text as a sorted unique uint32 array."""
    return _shingle_array(words(text), k)


def paragraphs(text: str) -> list[str]:
    """The clean-text contract separates paragraphs by a blank line."""
    return [p.strip() for p in text.split("\n\n") if p.strip()]


@dataclass
class Measures:
    """How a copy relates to one release, computed exactly on shingle sets."""

    similarity: float
    reused_share: float
    copy_share: float
    copy_paragraphs: int
    added: list[str] = field(default_factory=list)


def measure(copy_text: str, copy_sh: np.ndarray, release_sh: np.ndarray,
            release_words: str = "") -> Measures:
    """Exact overlap measures plus the copy's paragraphs with no counterpart in the release.

    Args:
        copy_text: the copy's clean text (paragraphs split by blank lines).
        copy_sh: its shingles; release_sh: the release's shingles (sorted unique arrays).
        release_words: the release's normalised words joined by spaces, so a paragraph shorter
            than a shingle ("Background:") is judged by plain containment.
    """
    inter = len(np.intersect1d(copy_sh, release_sh, assume_unique=True))
    union = len(copy_sh) + len(release_sh) - inter or 1
    paras = paragraphs(copy_text)
    added = []
    for p in paras:
        w = words(p)
        if not w:
            continue
        if len(w) < SHINGLE:
            if f" {' '.join(w)} " not in f" {release_words} ":
                added.append(p)
            continue
        ps = _shingle_array(w)
        if np.isin(ps, release_sh, assume_unique=True).mean() < PARA_COUNTERPART:
            added.append(p)
    return Measures(similarity=inter / union,
                    reused_share=inter / (len(release_sh) or 1),
                    copy_share=inter / (len(copy_sh) or 1),
                    copy_paragraphs=len(paras), added=added)


def normalise_url(url: str | None) -> str:
    """Compare URLs the way outlets mangle them: scheme, www., trailing slash, query, fragment."""
    if not url:
        return ""
    p = urlsplit(url.strip())
    host = (p.hostname or "").lower().removeprefix("www.")
    return f"{host}{p.path.rstrip('/')}"


class ReleaseIndex:
    """Candidate search by containment: a sampled inverted index over release shingles.

    Every shingle hash whose mixed value falls in a fixed 1-in-SAMPLE slice is kept (the same
    slice for releases and copies, so shared shingles are sampled alike), as two flat uint32
    arrays sorted by hash. A copy's sampled shingles found under a release estimate the share
    of the copy taken from it; candidates are then verified exactly. Memory is ~8 bytes per
    sampled shingle (~1 kB for a 500-word release), never texts — the dataset's memory stays
    bounded by shard size rather than growing with a MinHash forest per release.
    """

    def __init__(self) -> None:
        self._hashes: list[np.ndarray] = []
        self._ids: list[np.ndarray] = []
        self._names: list[str] = []
        self._by_url: dict[str, list[str]] = {}
        self._frozen_arrays: tuple[np.ndarray, np.ndarray] | None = None

    def __len__(self) -> int:
        return len(self._names)

    def add(self, release_id: str, sh: np.ndarray, urls: Iterable[str | None]) -> None:
        if self._frozen_arrays is not None:
            raise RuntimeError("ReleaseIndex is frozen once queried")
        kept = sample(sh)
        if len(kept):
            self._hashes.append(kept)
            self._ids.append(np.full(len(kept), len(self._names), dtype=np.uint32))
            self._names.append(release_id)
        for u in urls:
            n = normalise_url(u)
            if n and release_id not in self._by_url.setdefault(n, []):
                self._by_url[n].append(release_id)

    def _frozen(self) -> tuple[np.ndarray, np.ndarray]:
        if self._frozen_arrays is None:
            h = np.concatenate(self._hashes) if self._hashes else np.empty(0, np.uint32)
            ids = np.concatenate(self._ids) if self._ids else np.empty(0, np.uint32)
            order = np.lexsort((ids, h))  # by hash, ties by release: deterministic
            self._frozen_arrays = (h[order], ids[order])
            self._hashes, self._ids = [], []
        return self._frozen_arrays

    def by_url(self, url: str | None) -> list[str]:
        return list(self._by_url.get(normalise_url(url), ()))

    def candidates(self, sh: np.ndarray) -> list[str]:
        """Releases sharing enough sampled shingles to possibly hold MIN_CONTAINMENT of the copy."""
        q = sample(sh)
        hashes, ids = self._frozen()
        if not len(q) or not len(hashes):
            return []
        lo = np.searchsorted(hashes, q, side="left")
        hi = np.searchsorted(hashes, q, side="right")
        hits = np.concatenate([ids[a:b] for a, b in zip(lo, hi) if b > a] or [np.empty(0, np.uint32)])
        if not len(hits):
            return []
        rel, counts = np.unique(hits, return_counts=True)
        # half the verify cut, and at least one hit: sampling noise must not lose a real copy
        need = max(1, int(CANDIDATE_SHARE * len(q)))
        return sorted(self._names[r] for r, c in zip(rel, counts) if c >= need)


SAMPLE = 4               # keep 1 in SAMPLE shingles in the index (and in each query)
CANDIDATE_SHARE = MIN_CONTAINMENT / 2


def sample(sh: np.ndarray) -> np.ndarray:
    """The shingles in the fixed sampled slice (mixed first: crc32's low bits are not uniform)."""
    if not len(sh):
        return sh
    mixed = (sh.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)) & np.uint64(0xFFFFFFFFFFFFFFFF)
    return sh[(mixed >> np.uint64(61)) < np.uint64(8 // SAMPLE)]
