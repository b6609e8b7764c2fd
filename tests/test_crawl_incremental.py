"""`govwire crawl` on the fixture web: incremental re-runs, revisions, locks, JSON summary."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from warcio.archiveiterator import ArchiveIterator

from archive.locks import SiteLock
from archive.storage import LocalStore
from crawler import exitcodes

REPO = Path(__file__).resolve().parents[1]


def crawl(store: Path, seeds: Path, *sites: str, extra: tuple[str, ...] = ()) -> tuple[int, dict[str, Any], str]:
    env = {**os.environ, "GOVWIRE_PROGRESS_INTERVAL": "0", "GOVWIRE_CLEAN_WORKERS": "1",
           "PYTHONPATH": str(REPO), "GOVWIRE_SEEDS_DIR": str(seeds)}
    p = subprocess.run([sys.executable, "-m", "crawler.cli", "crawl", *sites, "--store", str(store), *extra],
                       capture_output=True, text=True, timeout=300, cwd=REPO, env=env)
    lines = [line for line in p.stdout.splitlines() if line.startswith("{")]
    assert "Traceback" not in p.stderr, p.stderr
    return p.returncode, json.loads(lines[-1]) if lines else {}, p.stderr


def docs(store: Path, site: str = "govuk") -> list[Path]:
    return sorted((store / "docs" / site).rglob("*.json"))


def warc_types(store: Path, site: str = "govuk") -> dict[str, int]:
    counts: dict[str, int] = {}
    for f in (store / "warcs" / site).rglob("*.warc.gz"):
        with open(f, "rb") as fh:
            for rec in ArchiveIterator(fh):
                counts[rec.rec_type] = counts.get(rec.rec_type, 0) + 1
    return counts


@pytest.fixture
def govuk_store(web: Any, seeds_for_fixture_web: Path, tmp_path: Path) -> Path:
    code, summary, err = crawl(tmp_path, seeds_for_fixture_web, "govuk")
    assert code == exitcodes.OK, err
    assert summary["new"] >= 10 and summary["failed"] == 0, summary
    return tmp_path


def test_second_run_is_conditional_revisits_only(web: Any, seeds_for_fixture_web: Path, govuk_store: Path) -> None:
    n_docs = len(docs(govuk_store))
    web.clear_log()
    code, summary, err = crawl(govuk_store, seeds_for_fixture_web, "govuk")
    assert code == exitcodes.NOTHING, err  # nothing new: cron can tell a quiet run apart
    assert summary["new"] == 0 and summary["changed"] == 0, summary
    assert summary["unchanged"] >= 10
    assert len(docs(govuk_store)) == n_docs  # no new documents
    pages = [r for r in web.requests("www.gov.uk") if r.path.startswith("/government/news/")]
    assert pages and all("if-none-match" in r.headers or "if-modified-since" in r.headers for r in pages)
    assert all(r.status == 304 for r in pages)
    assert warc_types(govuk_store).get("revisit", 0) >= len(pages)


def test_changed_page_gives_exactly_one_new_revision(web: Any, seeds_for_fixture_web: Path, govuk_store: Path) -> None:
    before = {p.parent.name: p for p in docs(govuk_store)}
    web.apply_update("update-1")
    code, summary, err = crawl(govuk_store, seeds_for_fixture_web, "govuk")
    assert code == exitcodes.OK, err
    assert summary["changed"] == 1, summary
    after: dict[str, list[Path]] = {}
    for p in docs(govuk_store):
        after.setdefault(p.parent.name, []).append(p)
    revised = [h for h, ps in after.items() if len(ps) == 2]
    assert len(revised) == 1 and revised[0] in before
    old, new = (json.loads(p.read_text()) for p in sorted(after[revised[0]]))
    assert old["text"] != new["text"] and old["url"] == new["url"]
    assert new["modified"] != old["modified"] or new["payload_digest"] != old["payload_digest"]


def test_live_lock_makes_second_run_exit_75(web: Any, seeds_for_fixture_web: Path, tmp_path: Path) -> None:
    lock = SiteLock(LocalStore(tmp_path), "govuk")
    lock.acquire()  # held by this (live) test process
    try:
        code, summary, err = crawl(tmp_path, seeds_for_fixture_web, "govuk")
    finally:
        lock.release()
    assert code == exitcodes.LOCKED, (summary, err)
    assert "locked by pid" in err
    assert not web.requests("www.gov.uk")  # nothing fetched while another run owns the site


def test_unknown_site_is_a_usage_error(seeds_for_fixture_web: Path, tmp_path: Path) -> None:
    code, _, err = crawl(tmp_path, seeds_for_fixture_web, "nosuchsite")
    assert code == exitcodes.USAGE and err.startswith("govwire: error: unknown site 'nosuchsite'")


def test_scrapy_crawl_with_feed_export(web: Any, seeds_for_fixture_web: Path, tmp_path: Path) -> None:
    """Schedulers that expect plain `scrapy crawl SITE -O FILE` get JSON lines (body stays in the WARC)."""
    env = {**os.environ, "GOVWIRE_PROGRESS_INTERVAL": "0", "GOVWIRE_CLEAN_WORKERS": "1",
           "PYTHONPATH": str(REPO), "GOVWIRE_SEEDS_DIR": str(seeds_for_fixture_web),
           "GOVWIRE_STORE": str(tmp_path / "store")}
    out = tmp_path / "items.jsonl"
    p = subprocess.run([sys.executable, "-m", "scrapy", "crawl", "wiredgov", "-a", "since=2025-01-01",
                        "-O", str(out)], capture_output=True, text=True, timeout=300, cwd=REPO, env=env)
    assert p.returncode == 0, p.stderr[-2000:]
    items = [json.loads(line) for line in out.read_text().splitlines()]
    assert items and all("body" not in i and i["warc"]["file"].startswith("warcs/wiredgov/") for i in items)
    assert any(i["make_document"] for i in items)
