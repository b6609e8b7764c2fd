"""Which shingles are standard text: document frequency over releases, counted out of core.

Why: releases of one department share standard paragraphs ("Notes to editors", "Media
enquiries", a boilerplate description of the agency). A copy of a release we do not hold shares
that text with every sibling release, so raw overlap links it to the wrong one. A shingle found
in at least `DEPT_CUT` releases of one department, or in at least `ALL_CUT` releases overall, is
*common*: it gets weight 0 in every score and never makes a candidate.

How (bounded memory): each release's (shingle, release, department) triples are appended to
one of 64 bucket files by the shingle's top bits; at the end each bucket is loaded alone,
de-duplicated per release (revisions of one release count once) and counted. Only the common
shingles stay in memory (a sorted uint32 array: boilerplate is a few thousand shingles).
"""
from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

__all__ = ["DEPT_CUT", "ALL_CUT", "DocFrequency"]

DEPT_CUT = 3   # in >= 3 releases of one department: that department's standard text
ALL_CUT = 5    # in >= 5 releases of any departments: stock phrasing, not evidence of copying
_BUCKET_BITS = 6
_FLUSH = 1 << 20  # triples buffered before a write (12 MB)


class DocFrequency:
    """Collects release shingles, then `common()` gives the shingles that cannot make a link."""

    def __init__(self, tmpdir: str | None = None) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="govwire-df-", dir=tmpdir)
        self._buf: list[np.ndarray] = []
        self._n = 0

    def add(self, release: int, department: int, sh: np.ndarray) -> None:
        """One release revision's shingles (release: an id per release, not per revision;
        department: an id per department, 0 when unknown)."""
        if not len(sh):
            return
        t = np.empty((len(sh), 3), dtype=np.uint32)
        t[:, 0] = sh
        t[:, 1] = release
        t[:, 2] = department
        self._buf.append(t)
        self._n += len(sh)
        if self._n >= _FLUSH:
            self._flush()

    def _flush(self) -> None:
        if not self._buf:
            return
        t = np.concatenate(self._buf)
        self._buf, self._n = [], 0
        bucket = t[:, 0] >> np.uint32(32 - _BUCKET_BITS)
        order = np.argsort(bucket, kind="stable")
        t, bucket = t[order], bucket[order]
        edges = np.searchsorted(bucket, np.arange((1 << _BUCKET_BITS) + 1))
        for b in range(1 << _BUCKET_BITS):
            lo, hi = edges[b], edges[b + 1]
            if hi > lo:
                with open(Path(self._dir.name, f"{b:02d}.bin"), "ab") as f:
                    f.write(t[lo:hi].tobytes())

    def common(self, dept_cut: int = DEPT_CUT, all_cut: int = ALL_CUT) -> np.ndarray:
        """Sorted unique shingles that are standard text; the temp files are removed."""
        self._flush()
        out: list[np.ndarray] = []
        for path in sorted(Path(self._dir.name).glob("*.bin")):
            t = np.fromfile(path, dtype=np.uint32).reshape(-1, 3)
            path.unlink()
            key = (t[:, 0].astype(np.uint64) << np.uint64(32)) | t[:, 1].astype(np.uint64)
            key, first = np.unique(key, return_index=True)  # one per (shingle, release)
            h = (key >> np.uint64(32)).astype(np.uint32)
            dept = t[first, 2]
            hs, counts = np.unique(h, return_counts=True)
            keep = hs[counts >= all_cut]
            known = dept != 0  # department 0: unknown, counted overall only
            hd = (h[known].astype(np.uint64) << np.uint64(32)) | dept[known].astype(np.uint64)
            hd_u, hd_c = np.unique(hd, return_counts=True)
            by_dept = (hd_u[hd_c >= dept_cut] >> np.uint64(32)).astype(np.uint32)
            out.append(np.union1d(keep, by_dept))
        self._dir.cleanup()
        return np.unique(np.concatenate(out)) if out else np.empty(0, np.uint32)
