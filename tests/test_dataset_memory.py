"""Issue 12: `dataset build` memory is bounded by the window and the shard, not by the archive.

The per-revision records, duplicate groups, row ids, the manifest's row map and the spilled
tables' sort keys live in an on-disk ledger (archive/dataset/ledger.py). The build before it
held them in Python: ~2 kB per document, so its Python peak (tracemalloc) over the store below
was 18-31 MB at 6,000 documents and climbing; with the ledger ~9 MB (one 1000-row write batch
and one window of releases).
"""
from __future__ import annotations

import hashlib
import json
import random
import tempfile
import tracemalloc
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from archive.dataset import BuildOptions, EmptyInput, build_dataset
from archive.keys import doc_key
from archive.storage import LocalStore

PEAK_MB = 14.0   # this build: ~9 MB; the build before the ledger: 18-31 MB (6,000 documents)


def small_store(root: Path, n: int) -> None:
    """n short documents, 10 a day: releases and verbatim copies of recent ones (so the window
    holds a few days of releases and the per-document bookkeeping dominates)."""
    rng = random.Random(12)
    recent: list[str] = []
    t0 = datetime(2024, 1, 1, tzinfo=timezone.utc)
    for i in range(n):
        when = (t0 + timedelta(hours=2.4 * i)).isoformat()
        if i % 2 == 0 or not recent:
            text = " ".join(f"w{rng.randrange(3000)}" for _ in range(40))
            site, outlet, url = "govuk", "GOV.UK", f"https://www.gov.uk/government/news/r-{i}"
            recent = (recent + [text])[-20:]
        else:
            text = rng.choice(recent)
            site, outlet, url = "mirage", "Mirage News", f"https://www.miragenews.com/s-{i}/"
        payload = "sha1:" + hashlib.sha1(f"{url}{text}".encode()).hexdigest()
        doc = {"id": hashlib.sha256(f"{url}\n{payload}".encode()).hexdigest()[:32], "url": url,
               "final_url": url, "canonical_url": url, "site": site, "outlet": outlet,
               "title": text[:30], "published": when, "fetched_at": when, "text": text,
               "content_digest": "sha256:" + hashlib.sha256(text.encode()).hexdigest(),
               "payload_digest": payload}
        p = root / doc_key(site, url, payload)
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(json.dumps(doc), encoding="utf-8")


def _python_peak_mb(store: Path, out: Path) -> float:
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        s = build_dataset(LocalStore(store), LocalStore(out), BuildOptions(shard_rows=200))
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    assert s.documents_read > 0 and s.links > 0
    return peak / 1e6


@pytest.fixture()
def own_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The build's temp files go here, so the test can see that none are left."""
    d = tmp_path / "tmp"
    d.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(d))
    return d


def test_python_peak_does_not_grow_with_the_archive(tmp_path: Path, own_tmp: Path) -> None:
    small_store(tmp_path / "warm", 60)    # imports and caches, so they are not counted below
    _python_peak_mb(tmp_path / "warm", tmp_path / "warm-out")
    small_store(tmp_path / "store", 6000)
    peak = _python_peak_mb(tmp_path / "store", tmp_path / "out")
    assert peak < PEAK_MB, f"Python peak {peak:.1f} MB: per-document state is back in memory"
    assert list(own_tmp.iterdir()) == []   # the ledger, spills and docfreq buckets are gone
    out = tmp_path / "out"
    assert sorted(p.name for p in out.iterdir()) == [
        "README.md", "alignments", "copies", "documents", "manifest.json", "outlets", "releases",
        "syndication", "urls"]


def test_temp_files_removed_when_the_build_fails(tmp_path: Path, own_tmp: Path) -> None:
    (tmp_path / "empty" / "docs").mkdir(parents=True)
    with pytest.raises(EmptyInput):
        build_dataset(LocalStore(tmp_path / "empty"), LocalStore(tmp_path / "out"), BuildOptions())
    assert list(own_tmp.iterdir()) == []
