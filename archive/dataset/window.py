"""Candidate releases for a copy: those published in a date window around it, by shared
distinctive text.

Why a window: a press copy runs within days of the release (or hours before it, under embargo);
comparing it with every release ever archived is what made builds quadratic. Releases are cut
into blocks by week of first publication; copies are matched in date order while a sliding set
of blocks covers [copy - BACK, copy + AHEAD]. Each block holds its releases' texts, shingle sets
and a sampled inverted index of their *distinctive* shingles (common ones never enter it), so
memory is bounded by the releases of one window, not by the archive, and every release is read
once. A copy that names its source (`source_url`) is matched to it even outside the window.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import numpy as np

from archive.dataset.align import Paragraph, release_paragraphs
from archive.dataset.syndication import sample

__all__ = ["BACK", "AHEAD", "ReleaseEntry", "ReleaseWindow", "block_of"]

BACK = timedelta(days=28)   # a copy may run up to four weeks after the release
AHEAD = timedelta(days=2)   # ... or up to two days before it (embargoed wire copy)
_WEEK = 7 * 86400
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def block_of(t: datetime | None) -> int:
    """Week number of a time (-1: unknown, a block always loaded)."""
    return -1 if t is None else int((t - _EPOCH).total_seconds() // _WEEK)


@dataclass
class ReleaseEntry:
    """One release revision as the matcher needs it."""

    row_id: str
    key: str                 # release key: content_id, else canonical URL
    url: str
    title: str | None
    published: datetime | None   # first publication of the release (all revisions)
    live_from: datetime | None   # when this revision went live
    revision: int
    sh: np.ndarray
    text: str
    _paras: list[Paragraph] | None = field(default=None, repr=False)

    @property
    def paragraphs(self) -> list[Paragraph]:
        if self._paras is None:
            self._paras = release_paragraphs(self.text)
        return self._paras


@dataclass
class _Block:
    entries: list[ReleaseEntry]
    hashes: np.ndarray
    ids: np.ndarray


class ReleaseWindow:
    """Blocks of releases loaded and dropped as copies are matched in date order.

    Args:
        blocks: week number -> the release revision groups first published that week (a
            mapping read a week at a time: the build's is a query on its on-disk ledger).
        load: reads one revision (None if it vanished); called once per revision.
        common: sorted common shingles (never indexed).
    """

    def __init__(self, blocks: Mapping[int, list[str]], load: Callable[[str], ReleaseEntry | None],
                 common: np.ndarray) -> None:
        self._pending = sorted(blocks)
        self._blocks_ids = blocks
        self._load = load
        self._common = common
        self._loaded: dict[int, _Block] = {}
        self._by_id: dict[str, ReleaseEntry] = {}
        self.peak_blocks = 0
        if self._pending and self._pending[0] == -1:
            self._open(self._pending.pop(0))

    def _open(self, b: int) -> None:
        entries = [e for rid in self._blocks_ids[b] if (e := self._load(rid)) is not None]
        hs, ids = [], []
        for i, e in enumerate(entries):
            d = sample(e.sh)
            d = d[~np.isin(d, self._common, assume_unique=True)] if len(self._common) else d
            hs.append(d)
            ids.append(np.full(len(d), i, dtype=np.uint32))
            self._by_id[e.row_id] = e
        h = np.concatenate(hs) if hs else np.empty(0, np.uint32)
        i_ = np.concatenate(ids) if ids else np.empty(0, np.uint32)
        order = np.argsort(h, kind="stable")
        self._loaded[b] = _Block(entries, h[order], i_[order])
        self.peak_blocks = max(self.peak_blocks, len(self._loaded))

    def advance(self, t: datetime) -> None:
        """Make the window cover [t - BACK, t + AHEAD] (t never goes backwards)."""
        hi, lo = block_of(t + AHEAD), block_of(t - BACK)
        while self._pending and self._pending[0] <= hi:
            self._open(self._pending.pop(0))
        for b in [b for b in self._loaded if 0 <= b < lo]:
            for e in self._loaded.pop(b).entries:
                self._by_id.pop(e.row_id, None)

    def finish(self) -> None:
        """Load (and so read once) every block no copy reached."""
        while self._pending:
            b = self._pending.pop(0)
            self._open(b)
            for e in self._loaded.pop(b).entries:
                self._by_id.pop(e.row_id, None)

    def get(self, row_id: str) -> ReleaseEntry | None:
        return self._by_id.get(row_id)

    def candidates(self, distinctive: np.ndarray, min_hits: int) -> Iterator[ReleaseEntry]:
        """Loaded revisions holding at least `min_hits` of the copy's sampled distinctive shingles."""
        q = sample(distinctive)
        if not len(q):
            return
        for blk in self._loaded.values():
            if not len(blk.hashes):
                continue
            lo = np.searchsorted(blk.hashes, q, side="left")
            hi = np.searchsorted(blk.hashes, q, side="right")
            sel = hi > lo
            if not sel.any():
                continue
            hits = np.concatenate([blk.ids[a:b] for a, b in zip(lo[sel], hi[sel])])
            rel, counts = np.unique(hits, return_counts=True)
            for r, c in zip(rel, counts):
                if c >= min_hits:
                    yield blk.entries[int(r)]
