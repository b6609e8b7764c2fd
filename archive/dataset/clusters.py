"""Wire-story clusters: the same PA story as run by several titles.

Each newspaper / wire-reprint copy gets a 24-value MinHash of its distinctive shingles, split
in 8 bands of 3; copies sharing a band within `WINDOW` of each other and whose estimated
Jaccard similarity is at least `SIMILAR` are joined (union-find). A cluster spanning at least
two outlets gets an id (``wire-`` + hash of its smallest member id): stable across rebuilds
while the members are. Band buckets older than the window are dropped as copies are fed in
date order, so memory follows the window, not the archive; a copy enters the union-find only
once it joins another (most copies never do).
"""
from __future__ import annotations

import hashlib
from collections import deque
from datetime import datetime, timedelta

import numpy as np

__all__ = ["SIMILAR", "WINDOW", "WireClusters"]

SIMILAR = 0.5
WINDOW = timedelta(days=3)
_PERMS = 24
_ROWS = 3
_rng = np.random.default_rng(20261202)
_A = _rng.integers(1, 2**31 - 1, size=_PERMS, dtype=np.uint64) | np.uint64(1)
_B = _rng.integers(0, 2**31 - 1, size=_PERMS, dtype=np.uint64)


def minhash(sh: np.ndarray) -> np.ndarray:
    x = sh.astype(np.uint64)[None, :]
    out: np.ndarray = (((x * _A[:, None]) + _B[:, None]) & np.uint64(0xFFFFFFFF)).min(axis=1)
    return out


class WireClusters:
    def __init__(self) -> None:
        self._parent: dict[str, str] = {}
        self._outlet: dict[str, str] = {}
        self._bands: dict[tuple[int, bytes], deque[tuple[datetime, str, str, np.ndarray]]] = {}
        self._order: deque[tuple[datetime, tuple[int, bytes]]] = deque()

    def _find(self, x: str) -> str:
        while self._parent[x] != x:
            self._parent[x] = self._parent[self._parent[x]]
            x = self._parent[x]
        return x

    def add(self, copy_id: str, outlet: str, when: datetime | None, distinctive: np.ndarray) -> None:
        """Feed copies in date order (copies without a date are not clustered)."""
        if when is None or len(distinctive) < 10:
            return
        while self._order and self._order[0][0] < when - WINDOW:
            t, band = self._order.popleft()
            q = self._bands.get(band)
            while q and q[0][0] < when - WINDOW:
                q.popleft()
            if q is not None and not q:
                del self._bands[band]
        sig = minhash(distinctive)
        for b in range(_PERMS // _ROWS):
            band = (b, sig[b * _ROWS:(b + 1) * _ROWS].tobytes())
            q = self._bands.setdefault(band, deque())
            for _, other, other_outlet, osig in q:
                if float((osig == sig).mean()) >= SIMILAR:
                    self._union(copy_id, outlet, other, other_outlet)
            q.append((when, copy_id, outlet, sig))
            self._order.append((when, band))

    def _union(self, a: str, a_outlet: str, b: str, b_outlet: str) -> None:
        for x, o in ((a, a_outlet), (b, b_outlet)):
            if x not in self._parent:
                self._parent[x] = x
                self._outlet[x] = o
        ra, rb = self._find(a), self._find(b)
        if ra != rb:
            self._parent[max(ra, rb)] = min(ra, rb)

    def ids(self) -> dict[str, str]:
        """copy id -> cluster id, for clusters spanning two or more outlets."""
        members: dict[str, list[str]] = {}
        for x in self._parent:
            members.setdefault(self._find(x), []).append(x)
        out = {}
        for ms in members.values():
            if len({self._outlet[m] for m in ms}) < 2:
                continue
            cid = "wire-" + hashlib.sha1(min(ms).encode()).hexdigest()[:12]
            for m in ms:
                out[m] = cid
        return out
