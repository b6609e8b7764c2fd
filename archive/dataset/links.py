"""Score a copy against its candidate releases and decide which ones it copies.

Scores (all on sets of hashed 5-word shingles; *common* shingles are standard text, see
docfreq.py):
- ``copy_share``: share of the copy's shingles found in the release (raw, boilerplate included);
- ``distinctive_share``: share of the copy's *distinctive* (non-common) shingles found in the
  release: how much of the copy's own text comes from this release;
- ``reused_share``: share of the release's shingles found in the copy;
- ``margin``: distinctive_share minus the best other candidate's (negative for runners-up).

Decision (greedy, so round-ups link to every source and near-duplicate releases do not both
claim one passage): candidates in order of shared distinctive shingles; one is ``linked`` when
the copy names it (``source_url``), or when the distinctive shingles it explains *and no
better-ranked linked release already explained* are at least ``LINK_SHARE`` of the copy's
distinctive shingles and at least ``LINK_MIN`` of them (fewer for tiny texts).
A copy with no linked release whose text is at least ``BOILERPLATE_SHARE`` standard government
text is ``source_archived = false``: probably a copy of a release the archive does not hold.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np

from archive.dataset.window import ReleaseEntry

__all__ = ["FLOOR", "LINK_SHARE", "LINK_MIN", "BOILERPLATE_SHARE", "CopyText", "Scored",
           "choose_revision", "score_copy"]

FLOOR = 0.02              # distinctive_share below which a candidate is not reported
LINK_SHARE = 0.06         # new distinctive share needed to link
LINK_MIN = 12             # ... and at least this many new distinctive shingles (~16 words)
BOILERPLATE_SHARE = 0.10  # copy share of standard text that suggests an unarchived release


@dataclass
class CopyText:
    sh: np.ndarray            # all shingles
    distinctive: np.ndarray   # shingles that are not common
    when: datetime | None     # published, else fetched
    source_url_keys: set[str]  # release keys the copy names

    @property
    def boilerplate_share(self) -> float:
        return 1 - len(self.distinctive) / len(self.sh) if len(self.sh) else 0.0


@dataclass
class Scored:
    entry: ReleaseEntry
    revision_basis: str
    shared: np.ndarray        # distinctive shingles in common
    copy_share: float
    distinctive_share: float
    reused_share: float
    similarity: float
    named: bool
    linked: bool = False
    method: str = ""
    margin: float = 0.0
    new_share: float = 0.0


def choose_revision(revs: list[ReleaseEntry], when: datetime | None,
                    copy: CopyText) -> tuple[ReleaseEntry, str]:
    """The revision live when the copy was published; by text when the copy's time is unknown."""
    if when is not None:
        live = [r for r in revs if r.live_from is not None and r.live_from <= when]
        if live:
            return max(live, key=lambda r: (r.live_from, r.revision)), "live_at_publication"
        if all(r.live_from is not None for r in revs):
            return min(revs, key=lambda r: r.revision), "first_revision_copy_predates"
    best = max(revs, key=lambda r: (len(np.intersect1d(copy.distinctive, r.sh, assume_unique=True)),
                                    r.revision))
    return best, "best_text"


def _score(copy: CopyText, e: ReleaseEntry, basis: str, named: bool) -> Scored:
    inter = len(np.intersect1d(copy.sh, e.sh, assume_unique=True))
    shared = np.intersect1d(copy.distinctive, e.sh, assume_unique=True)
    union = len(copy.sh) + len(e.sh) - inter or 1
    return Scored(entry=e, revision_basis=basis, shared=shared,
                  copy_share=inter / (len(copy.sh) or 1),
                  distinctive_share=len(shared) / (len(copy.distinctive) or 1),
                  reused_share=inter / (len(e.sh) or 1), similarity=inter / union, named=named)


def score_copy(copy: CopyText, by_key: dict[str, list[ReleaseEntry]]) -> tuple[list[Scored], bool | None]:
    """Reported candidates (linked or not) and the copy's `source_archived` value."""
    scored = []
    for key, revs in by_key.items():
        e, basis = choose_revision(revs, copy.when, copy)
        s = _score(copy, e, basis, key in copy.source_url_keys)
        if s.named or (s.distinctive_share >= FLOOR and len(s.shared) >= 3):
            scored.append(s)
    scored.sort(key=lambda s: (not s.named, -len(s.shared), s.entry.row_id))
    nd = len(copy.distinctive)
    need = min(LINK_MIN, max(1, math.ceil(0.5 * nd)))
    covered = np.empty(0, np.uint32)
    for s in scored:
        new = np.setdiff1d(s.shared, covered, assume_unique=True)
        s.new_share = len(new) / (nd or 1)
        by_text = s.new_share >= LINK_SHARE and len(new) >= need
        s.linked = s.named or by_text
        if s.linked:
            covered = np.union1d(covered, s.shared)
            s.method = "+".join(m for m, on in (("source_url", s.named), ("text", by_text)) if on)
        elif s.distinctive_share >= LINK_SHARE and len(s.shared) >= need:
            s.method = "covered"        # its shared text is already explained by a better link
        else:
            s.method = "below_threshold"
    for s in scored:
        rival = max((o.distinctive_share for o in scored if o is not s), default=0.0)
        s.margin = s.distinctive_share - rival
    if any(s.linked for s in scored):
        return scored, True
    if copy.boilerplate_share >= BOILERPLATE_SHARE:
        return scored, False
    return scored, None


def link_row(s: Scored, copy_meta: dict[str, Any], source_archived: bool | None) -> dict[str, Any]:
    """One syndication row (the copy's own columns come in `copy_meta`)."""
    e = s.entry
    when = copy_meta.pop("_when", None)
    delay = int((when - e.published).total_seconds()) if when and e.published else None
    return {**copy_meta, "release_id": e.row_id, "release_key": e.key, "release_url": e.url,
            "release_title": e.title, "release_revision": e.revision,
            "revision_basis": s.revision_basis, "linked": s.linked, "method": s.method,
            "source_archived": source_archived,
            "copy_share": round(s.copy_share, 6), "distinctive_share": round(s.distinctive_share, 6),
            "new_share": round(s.new_share, 6), "reused_share": round(s.reused_share, 6),
            "similarity": round(s.similarity, 6), "margin": round(s.margin, 6),
            "shared_distinctive_shingles": int(len(s.shared)), "delay_seconds": delay}
