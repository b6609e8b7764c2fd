"""Proof on a real crawl: `govwire demo` crawls the fixture web (127.0.0.1) into a store, in a
subprocess since a Twisted reactor starts once per process; the dataset is built from that store."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from crawler.cli import main

REPO = Path(__file__).resolve().parents[1]
BALKANS = "%foreign-secretary-to-put-boosting-security%"


@pytest.mark.slow
def test_dataset_from_a_crawl_of_the_fixture_web(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO), "GOVWIRE_PROGRESS_INTERVAL": "0"}
    p = subprocess.run([sys.executable, "-m", "crawler.cli", "demo", "--store", str(tmp_path / "store")],
                       capture_output=True, text=True, timeout=600, cwd=REPO, env=env)
    assert p.returncode == 0, p.stderr[-2000:]
    rc = main(["dataset", "build", "--store", str(tmp_path / "store"), "--out", str(tmp_path / "out"),
               "--json", "--quiet", "--include-outlet-text"])
    summary = json.loads(capsys.readouterr().out)
    assert rc == 0 and summary["rows_total"] > 10 and not summary["skipped"]
    syn = f"'{tmp_path}/out/syndication/*.parquet'"
    docs = f"'{tmp_path}/out/documents/*.parquet'"
    rows = duckdb.sql(f"SELECT copy_site, reused_share, added_paragraphs FROM {syn} "
                      f"WHERE linked AND release_url LIKE '{BALKANS}'").fetchall()
    by_site: dict[str, list[tuple[float, list[str]]]] = {}
    for site, share, added in rows:
        by_site.setdefault(site, []).append((share, added))
    assert {"wiredgov", "mirage", "independent", "iconic"} <= set(by_site)
    assert max(s for s, _ in by_site["mirage"]) >= 0.7
    assert max(s for s, _ in by_site["wiredgov"]) >= 0.6
    for site in ("independent", "iconic"):
        for share, added in by_site[site]:
            assert 0.1 <= share <= 0.5
            assert any("34,401" in a for a in added) and any("one in, one out" in a for a in added)
    # the July release on the same topic (seed 004) keeps its own copies (near-verbatim ones)
    # and none of the October story's: two releases on one topic do not link
    lammy = duckdb.sql(f"SELECT id FROM {docs} WHERE is_release AND title LIKE '%Kosovo and Serbia%'").fetchall()
    assert len(lammy) == 1
    theirs = duckdb.sql(f"SELECT copy_title, reused_share FROM {syn} WHERE linked AND release_id = '{lammy[0][0]}'").fetchall()
    assert all(share >= 0.9 and "Cooper" not in title for title, share in theirs)
    assert len(rows) == sum(len(v) for v in by_site.values()) and all(share < 0.05 or share > 0.1 for _, share, _ in rows)
    # every copy the crawl found links somewhere
    assert summary["unmatched_copies"] == 0
