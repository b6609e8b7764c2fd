"""Paragraph alignment: which release paragraph each copy paragraph reuses, and how.

Kinds, decided per copy paragraph against every paragraph of the release(s) it is linked to:
- ``verbatim``: its normalised words occur, in order, inside one release paragraph (a whole or
  a cut paragraph; case, quotes and punctuation do not count);
- ``quote``: not verbatim, but a passage in quotation marks (>= 5 words) is found word for word
  in a release paragraph (or holds a whole one): the wire's "the minister said" around the
  release's quote;
- ``edited``: at least half of its 5-word shingles are in one release paragraph;
- ``added``: none of these: the outlet's own text (its overlap with the best release paragraph
  is still reported).
Short paragraphs (< 5 words) are verbatim when found in a release paragraph, else added.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from archive.dataset.syndication import SHINGLE, paragraphs, shingle_array, words

__all__ = ["EDITED", "Paragraph", "AlignedParagraph", "release_paragraphs", "align"]

EDITED = 0.5  # share of a copy paragraph's shingles found in one release paragraph
_OPEN = re.compile(r"[\"“]([^\"“”]{10,})$")
_QUOTED = re.compile(r"[\"“”«»]([^\"“”«»]{10,}?)[\"“”«»]|[‘]([^‘’]{10,}?)[’](?!\w)")


@dataclass
class Paragraph:
    """One release paragraph, prepared once for every copy compared with it."""

    index: int
    text: str
    joined: str          # " normalised words " (for containment)
    sh: np.ndarray


@dataclass
class AlignedParagraph:
    copy_paragraph: int
    kind: str                    # verbatim | quote | edited | added
    overlap: float               # share of the copy paragraph's shingles in that paragraph
    release: int | None          # index into the caller's releases (None when added)
    release_paragraph: int | None
    copy_text: str
    release_text: str | None


def release_paragraphs(text: str) -> list[Paragraph]:
    out = []
    for i, p in enumerate(paragraphs(text)):
        w = words(p)
        out.append(Paragraph(i, p, f" {' '.join(w)} ", shingle_array(w)))
    return out


def _quotes(text: str) -> list[str]:
    """Quoted passages of >= 5 words, as normalised " words "; a quote still open at the end of
    the paragraph (a quote running over several paragraphs) counts to the end."""
    spans = [m.group(1) or m.group(2) or "" for m in _QUOTED.finditer(text)]
    opened = _OPEN.search(_QUOTED.sub(" ", text))
    if opened:
        spans.append(opened.group(1))
    out = []
    for q in spans:
        w = words(q)
        if len(w) >= SHINGLE:
            out.append(f" {' '.join(w)} ")
    return out


class _Index:
    """All paragraphs of one release as one sorted (shingle, paragraph) array: a copy paragraph's
    overlap with every release paragraph costs two binary searches, not one set test each."""

    def __init__(self, paras: list[Paragraph]) -> None:
        self.paras = paras
        h = [p.sh for p in paras]
        ids = [np.full(len(p.sh), i, dtype=np.int32) for i, p in enumerate(paras)]
        hs = np.concatenate(h) if h else np.empty(0, np.uint32)
        ps = np.concatenate(ids) if ids else np.empty(0, np.int32)
        order = np.argsort(hs, kind="stable")
        self.h, self.p = hs[order], ps[order]

    def overlaps(self, sh: np.ndarray) -> np.ndarray:
        """Per release paragraph: how many of these shingles it holds."""
        lo = np.searchsorted(self.h, sh, side="left")
        hi = np.searchsorted(self.h, sh, side="right")
        sel = hi > lo
        if not sel.any():
            return np.zeros(len(self.paras), dtype=np.int64)
        hits = np.concatenate([self.p[a:b] for a, b in zip(lo[sel], hi[sel])])
        return np.bincount(hits, minlength=len(self.paras))


def _quoted_in(q: str, rp: Paragraph) -> bool:
    """The quoted passage is in the release paragraph, or holds all of it (a quote that runs
    over two release paragraphs)."""
    return q in rp.joined or (len(rp.sh) > 1 and rp.joined in q)


def align(copy_text: str, releases: list[list[Paragraph]]) -> list[AlignedParagraph]:
    """One row per copy paragraph, against the paragraphs of each linked release."""
    indexes = [_Index(paras) for paras in releases]
    out = []
    for ci, p in enumerate(paragraphs(copy_text)):
        w = words(p)
        if not w:
            continue
        joined = f" {' '.join(w)} "
        ps = shingle_array(w) if len(w) >= SHINGLE else np.empty(0, np.uint32)
        quotes = _quotes(p)
        best: tuple[float, int, int] | None = None   # (overlap, release, paragraph)
        verbatim: tuple[int, int] | None = None
        quote: tuple[float, int, int] | None = None
        for ri, idx in enumerate(indexes):
            counts = idx.overlaps(ps) if len(ps) else np.zeros(len(idx.paras), dtype=np.int64)
            for rp in idx.paras:
                c = int(counts[rp.index])
                if len(ps) and not c and not quotes:
                    continue
                if verbatim is None and joined in rp.joined:
                    verbatim = (ri, rp.index)
                ov = c / len(ps) if len(ps) else (1.0 if joined in rp.joined else 0.0)
                if best is None or ov > best[0]:
                    best = (ov, ri, rp.index)
                if quotes and any(_quoted_in(q, rp) for q in quotes) and (quote is None or ov > quote[0]):
                    quote = (ov, ri, rp.index)
        if verbatim is not None:
            kind, (ri, pi), ov = "verbatim", verbatim, 1.0
        elif quote is not None:
            kind, ov, ri, pi = "quote", *quote
        elif best is not None and best[0] >= EDITED:
            kind, ov, ri, pi = "edited", *best
        else:
            kind, ov = "added", (best[0] if best else 0.0)
            ri = pi = None  # type: ignore[assignment]
        rtext = releases[ri][pi].text if ri is not None and pi is not None else None
        out.append(AlignedParagraph(ci, kind, round(ov, 6), ri, pi, p, rtext))
    return out
