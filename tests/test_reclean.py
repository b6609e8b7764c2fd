"""govwire reclean: documents re-derived from the WARCs alone, identical, idempotent, resumable."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.dask_cluster import dask_cluster

REPO = Path(__file__).resolve().parent.parent


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVWIRE_") or k == "GOVWIRE_ALLOW_ADDRESSES"}
    env.update(extra)
    return env


def _govwire(*args: str, env: dict[str, str] | None = None, timeout: float = 300
             ) -> tuple[int, dict[str, object], str]:
    p = subprocess.run([sys.executable, "-m", "crawler.cli", *args], capture_output=True, text=True,
                       timeout=timeout, cwd=REPO, env=env or _env())
    line = next((x for x in p.stdout.splitlines() if x.startswith("{")), "{}")
    return p.returncode, json.loads(line), p.stdout + p.stderr


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture web crawled twice (the second time with update-1: revisits, one changed page),
    into small WARC files so there are many shards."""
    store = tmp_path_factory.mktemp("reclean") / "store"
    env = _env(GOVWIRE_WARC_MAX_SIZE="12000")
    rc, first, out = _govwire("demo", "--store", str(store), env=env)
    assert rc == 0, out
    rc, second, out = _govwire("demo", "--store", str(store), "--update", "update-1", env=env)
    assert rc == 0 and second["changed"] == 1, out
    return store


def _docs(store: Path) -> dict[str, bytes]:
    return {p.relative_to(store).as_posix(): p.read_bytes() for p in sorted((store / "docs").rglob("*.json"))}


def _copy(src: Path, dest: Path) -> Path:
    shutil.copytree(src, dest)
    return dest


@pytest.mark.slow
def test_delete_docs_then_reclean_restores_identical_documents(crawled: Path, tmp_path: Path) -> None:
    store = _copy(crawled, tmp_path / "store")
    before = _docs(store)
    assert len(before) >= 30 and len(list(store.glob("warcs/*/*/*/*/*.warc.gz"))) >= 10
    shutil.rmtree(store / "docs")
    rc, s, out = _govwire("reclean", "--store", str(store), "--workers", "2")
    assert rc == 0, out
    assert _docs(store) == before
    assert s["new"] == len(before) and s["changed"] == 0 and s["errors"] == 0, s
    assert s["no_document"] > 0            # feeds, API JSON, filtered pages: still no document
    assert "reclean: " in out and "pages/s" in out   # progress line on stderr
    # every document still says which rules made it
    for key, data in before.items():
        doc = json.loads(data)
        assert doc["rule_version"] and doc["cleaner_version"] and key.split("/")[1] == doc["site"]


@pytest.mark.slow
def test_reclean_is_idempotent_and_rewrites_only_what_changed(crawled: Path, tmp_path: Path) -> None:
    store = _copy(crawled, tmp_path / "store")
    n = len(_docs(store))
    rc, s, out = _govwire("reclean", "--store", str(store), "--workers", "1")
    assert rc == 0 and (s["new"], s["changed"], s["unchanged"]) == (0, 0, n), out
    # a second run has nothing left to do (every shard is marked done)
    rc, s, out = _govwire("reclean", "--store", str(store))
    assert rc == 0 and s["warcs_done_before"] == s["warcs"] and s["documents"] == 0, s
    # a document that no longer matches what the rules make is rewritten, and only that one
    paths = sorted((store / "docs").rglob("*.json"))
    victim = paths[len(paths) // 2]
    good = victim.read_bytes()
    victim.write_text(json.dumps({**json.loads(good), "text": "tampered"}), encoding="utf-8")
    mtimes = {p: p.stat().st_mtime_ns for p in paths if p != victim}
    rc, s, out = _govwire("reclean", "--store", str(store), "--restart")
    assert rc == 0 and (s["new"], s["changed"], s["unchanged"]) == (0, 1, n - 1), out
    assert victim.read_bytes() == good
    assert all(p.stat().st_mtime_ns == m for p, m in mtimes.items())


@pytest.mark.slow
def test_reclean_resumes_after_kill_9(crawled: Path, tmp_path: Path) -> None:
    store = _copy(crawled, tmp_path / "store")
    before = _docs(store)
    shutil.rmtree(store / "docs")
    proc = subprocess.Popen([sys.executable, "-m", "crawler.cli", "reclean", "--store", str(store),
                             "--workers", "1"], cwd=REPO, env=_env(), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not list(store.glob("reclean/*/*/*.json")) and time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done = len(list(store.glob("reclean/*/*/*.json")))
    assert done >= 1
    rc, s, out = _govwire("reclean", "--store", str(store), "--workers", "2")
    assert rc == 0, out
    assert s["warcs_done_before"] == done and s["warcs"] > done, s   # resumed, not redone
    assert _docs(store) == before


def test_filters_and_bad_input(crawled: Path, tmp_path: Path) -> None:
    store = _copy(crawled, tmp_path / "store")
    rc, s, out = _govwire("reclean", "--store", str(store), "--site", "mirage", "--workers", "1")
    assert rc == 0 and s["documents"] >= 3, out
    warcs = [k for k in store.glob("warcs/mirage/*/*/*/*.warc.gz")]
    assert s["warcs"] == len(warcs)
    rc, s, out = _govwire("reclean", "--store", str(store), "--until", "2020-01-01")
    assert rc == 3 and s["warcs"] == 0, out
    rc, _, out = _govwire("reclean", "--store", str(store), "--since", "yesterday-ish")
    assert rc == 2 and out.strip().splitlines() == [
        "govwire: error: bad date 'yesterday-ish': use YYYY-MM-DD, an ISO datetime or an age like 2d"]


PROVENANCE = ("warc", "fetched_at", "url", "final_url", "canonical_url", "id")


def _content(store: Path) -> dict[str, dict[str, object]]:
    out = {}
    for key, data in _docs(store).items():
        doc = json.loads(data)
        out[key.split("/", 2)[2].split("/", 2)[2]] = {k: v for k, v in doc.items()
                                                      if k not in PROVENANCE and k != "metadata"}
    return out


@pytest.mark.slow
def test_defer_clean_archives_only_then_reclean_cleans(web: object, seeds_for_fixture_web: Path,
                                                       tmp_path: Path) -> None:
    """`crawl --defer-clean` writes WARCs and capture records but no document; `reclean` then
    makes the same documents the inline crawl makes (same keys, same text and metadata)."""
    env = _env(GOVWIRE_SEEDS_DIR=str(seeds_for_fixture_web))
    inline, deferred = tmp_path / "inline", tmp_path / "deferred"
    for store, extra in ((inline, ()), (deferred, ("--defer-clean",))):
        rc, s, out = _govwire("crawl", "wiredgov", "mirage", "--store", str(store), "--since", "2025-01-01",
                              "-s", "GOVWIRE_LOCK=0", *extra, env=env)
        assert rc == 0, out
    assert not (deferred / "docs").exists() and list(deferred.glob("captures/*/*/*.json"))
    rc, s, out = _govwire("reclean", "--store", str(deferred), "--workers", "2")
    assert rc == 0 and s["new"] >= 5, out
    assert _content(deferred) == _content(inline)
    # `show` finds the document through the capture record reclean completed
    doc = json.loads(next(iter(_docs(deferred).values())))
    rc2 = subprocess.run([sys.executable, "-m", "crawler.cli", "show", doc["url"], "--store", str(deferred)],
                         capture_output=True, text=True, cwd=REPO, env=_env())
    assert rc2.returncode == 0 and doc["title"] in rc2.stdout and "[document]" in rc2.stdout


@pytest.mark.slow
def test_dask_engine_local_mode_restores_identical_documents(crawled: Path, tmp_path: Path) -> None:
    pytest.importorskip("dask.distributed")
    store = _copy(crawled, tmp_path / "store")
    before = _docs(store)
    shutil.rmtree(store / "docs")
    rc, s, out = _govwire("reclean", "--store", str(store), "--engine", "dask", "--workers", "2")
    assert rc == 0 and s["engine"] == "dask" and s["new"] == len(before), out
    assert _docs(store) == before


@pytest.mark.slow
def test_cluster_run_against_s3(web: object, seeds_for_fixture_web: Path, s3_bucket: str, s3_env: object) -> None:
    """docs/scaling.md's recipe on loopback: archive-only crawl into S3, then a dask scheduler and
    worker processes re-clean its WARCs straight from the bucket."""
    pytest.importorskip("dask.distributed")
    env = {**os.environ, "GOVWIRE_SEEDS_DIR": str(seeds_for_fixture_web), "GOVWIRE_PROGRESS_INTERVAL": "0",
           "GOVWIRE_WARC_MAX_SIZE": "12000", "PYTHONPATH": str(REPO)}
    rc, s, out = _govwire("crawl", "wiredgov", "mirage", "--store", s3_bucket, "--defer-clean",
                          "--since", "2025-01-01", env=env)
    assert rc == 0 and s["deferred"] >= 5, out
    with dask_cluster(env) as scheduler:
        rc, r, out = _govwire("reclean", "--store", s3_bucket, "--engine", "dask", "--scheduler",
                              scheduler, env=env)
    assert rc == 0 and r["new"] == s["deferred"] and r["warcs"] >= 2 and r["errors"] == 0, out
    import boto3

    bucket, prefix = s3_bucket.removeprefix("s3://").split("/", 1)
    client = boto3.client("s3", endpoint_url=os.environ["GOVWIRE_S3_ENDPOINT_URL"])
    keys = [o["Key"] for o in client.list_objects_v2(Bucket=bucket, Prefix=f"{prefix}/docs/")["Contents"]]
    assert len(keys) == r["new"]
    assert s3_env.secret_key not in out  # type: ignore[attr-defined]
