"""Which copies a release has, how much of each is the release, and paragraph by paragraph how.

The dataset build decides the researchers' syndication links; the UI only needs to show an
auditor a release next to the copies that reuse it, so it measures directly on the stored texts:
normalised 5-word shingles (the dataset's normalisation, `archive.dataset.syndication.words`),
a copy listed when at least MIN_COPY_SHARE of its shingles come from the release or when it
names the release as its source. Paragraphs are aligned with the dataset's own aligner when
it is installed (`archive.dataset.align`), else by the same three rules it documents:
verbatim (the paragraph's words occur in order in one release paragraph), edited (half of its
shingles are in one release paragraph), added (neither).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from archive.dataset.syndication import normalise_url, paragraphs, words

__all__ = [
    "MIN_COPY_SHARE",
    "Aligned",
    "align_paragraphs",
    "copy_scores",
    "delay_seconds",
    "shingle_set",
]

SHINGLE = 5
MIN_COPY_SHARE = 0.15  # the dataset's link threshold (docs/dataset.md)
EDITED = 0.5


def shingle_set(text: str) -> frozenset[int]:
    w = words(text)
    if len(w) < SHINGLE:
        return frozenset({hash(tuple(w))}) if w else frozenset()
    return frozenset(hash(tuple(w[i:i + SHINGLE])) for i in range(len(w) - SHINGLE + 1))


def copy_scores(copy_sh: frozenset[int], release_sh: frozenset[int]) -> dict[str, float]:
    inter = len(copy_sh & release_sh)
    union = len(copy_sh | release_sh) or 1
    return {"copy_share": inter / (len(copy_sh) or 1), "reused_share": inter / (len(release_sh) or 1),
            "similarity": inter / union}


def names_release(copy: dict[str, Any], release_urls: set[str]) -> bool:
    src = (copy.get("metadata") or {}).get("source_url")
    return bool(src) and normalise_url(str(src)) in release_urls


def delay_seconds(copy: dict[str, Any], release: dict[str, Any]) -> int | None:
    try:
        c = datetime.fromisoformat(str(copy.get("published")).replace("Z", "+00:00"))
        r = datetime.fromisoformat(str(release.get("published")).replace("Z", "+00:00"))
        return int((c - r).total_seconds())
    except (TypeError, ValueError):
        return None


@dataclass
class Aligned:
    kind: str                 # verbatim | quote | edited | added
    copy_text: str
    release_text: str | None
    overlap: float


def align_paragraphs(copy_text: str, release_text: str) -> list[Aligned]:
    try:  # the dataset's aligner (issue 12), when this checkout has it
        from archive.dataset.align import align, release_paragraphs
    except ImportError:
        return _align(copy_text, release_text)
    rows = align(copy_text, [release_paragraphs(release_text)])
    return [Aligned(r.kind, r.copy_text, r.release_text, float(r.overlap)) for r in rows]


def _align(copy_text: str, release_text: str) -> list[Aligned]:
    rel = [(p, f" {' '.join(words(p))} ", shingle_set(p)) for p in paragraphs(release_text)]
    out = []
    for p in paragraphs(copy_text):
        w = words(p)
        if not w:
            continue
        joined = f" {' '.join(w)} "
        sh = shingle_set(p)
        verbatim = next((r for r in rel if joined in r[1]), None)
        if verbatim is not None:
            out.append(Aligned("verbatim", p, verbatim[0], 1.0))
            continue
        best = max(rel, key=lambda r: len(sh & r[2]), default=None)
        ov = len(sh & best[2]) / (len(sh) or 1) if best else 0.0
        if best is not None and ov >= EDITED and len(w) >= SHINGLE:
            out.append(Aligned("edited", p, best[0], ov))
        else:
            out.append(Aligned("added", p, None, ov))
    return out
