"""Issue 11: `govwire dataset build` sharded over a process pool or dask, same bytes everywhere.

The build hands its scan (key ranges), match (date slices of the copies) and document rows (one
task per shard) to archive/cluster.py's engines and merges their results in shard order, so the
dataset must not depend on the number of workers, the engine, the slicing, or the store kind.
The store below is big enough to be cut into several slices of each kind (3 scan shards, 3
match slices with 2 workers, 8 document shards) and holds the cases that touch the merge:
release revisions, standard paragraphs, named sources, verbatim and partial copies, exact
duplicates, undated copies, corrupt documents.
"""
from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from archive.dataset.schema import DERIVED
from archive.keys import doc_key
from tests.dask_cluster import dask_cluster

REPO = Path(__file__).resolve().parent.parent
GOVWIRE = [sys.executable, "-m", "crawler.cli"]
PER_RUN = ("seconds", "engine", "workers", "store", "out")   # the summary's per-run fields


def _doc(site: str, outlet: str, url: str, text: str, when: str | None, i: int,
         meta: dict[str, Any] | None = None, modified: str | None = None) -> dict[str, Any]:
    payload = "sha1:" + hashlib.sha1(f"{url}{text}".encode()).hexdigest()
    return {"id": hashlib.sha256(f"{url}\n{payload}".encode()).hexdigest()[:32], "url": url,
            "final_url": url, "canonical_url": url, "site": site, "outlet": outlet,
            "cleaner": site, "cleaner_version": "t1", "title": text[:60], "authors": ["A"],
            "published": when, "modified": modified, "language": "en", "description": text[:90],
            "text": text, "content_digest": "sha256:" + hashlib.sha256(text.encode()).hexdigest(),
            "metadata": meta or {}, "payload_digest": payload, "fetched_at": when,
            "warc": {"file": f"warcs/{site}/x.warc.gz", "offset": i, "length": 9, "record_id": f"<urn:{i}>"},
            "status": 200}


def make_store(n: int = 2500, days: int = 150) -> dict[str, bytes]:
    """key -> document bytes: releases of 8 departments (3 standard paragraphs each), some
    revised; Wired-Gov verbatim copies naming their source; PA-style partial copies; exact
    duplicates; unrelated stories; undated copies; three corrupt documents."""
    rng = random.Random(11)
    vocab = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(3, 8)))
             for _ in range(4000)]

    def para(k: int) -> str:
        return " ".join(rng.choices(vocab, k=k)).capitalize() + "."

    standard = {d: [para(30) for _ in range(3)] for d in range(8)}
    out: dict[str, bytes] = {}
    recent: list[tuple[str, list[str]]] = []
    t0 = datetime(2025, 3, 1, tzinfo=timezone.utc)
    for i in range(n):
        when = (t0 + timedelta(seconds=i * days * 86400 // n)).isoformat()
        r = rng.random()
        if r < 0.35 or not recent:
            dept = i % 8
            paras = [para(rng.randint(25, 50)) for _ in range(rng.randint(5, 9))] + standard[dept]
            url = f"https://www.gov.uk/government/news/r-{i}"
            meta = {"content_id": f"cid-{i}", "locale": "en",
                    "organisations": [{"slug": f"dept-{dept}", "title": f"Dept {dept}"}]}
            recent = (recent + [(url, paras)])[-60:]
            doc = _doc("govuk", "GOV.UK", url, "\n\n".join(paras), when, i, meta)
            if i % 23 == 0:   # a later revision of the same release (same content id)
                rev = _doc("govuk", "GOV.UK", url, "\n\n".join(paras[:-1] + [para(20)]), when, i, meta,
                           modified=(t0 + timedelta(seconds=i * days * 86400 // n + 86400)).isoformat())
                rev["fetched_at"] = rev["modified"]
                out[doc_key("govuk", url, rev["payload_digest"])] = json.dumps(rev).encode()
        elif r < 0.58:
            src, paras = rng.choice(recent[-15:])
            url = f"https://www.wired-gov.net/wg/news.nsf/articles/{i}"
            doc = _doc("wiredgov", "Wired-Gov", url, "\n\n".join(paras), when, i, {"source_url": src})
        elif r < 0.78:
            _, paras = rng.choice(recent[-15:])
            own = [para(rng.randint(20, 40)) for _ in range(4)]
            text = "\n\n".join(own[:2] + rng.sample(paras, k=min(3, len(paras))) + own[2:])
            url = f"https://www.independent.co.uk/news/{i}.html"
            doc = _doc("independent", "The Independent", url, text, when if i % 41 else None, i)
        elif r < 0.83:   # an exact duplicate of the previous document under another URL
            prev = json.loads(next(reversed(out.values())))
            url = prev["url"] + f"?amp={i}"
            doc = _doc(prev["site"], prev["outlet"], url, prev["text"], when, i, prev["metadata"])
        else:
            url = f"https://www.miragenews.com/story-{i}/"
            doc = _doc("mirage", "Mirage News", url, "\n\n".join(para(30) for _ in range(5)), when, i)
        out[doc_key(str(doc["site"]), url, str(doc["payload_digest"]))] = json.dumps(doc).encode()
    for j, bad in enumerate((b"{not json", b'{"id": "x", "url": "u"}', b"[]")):
        out[f"docs/mirage/2025/03/zz-corrupt-{j}.json"] = bad
    return out


def write_local(root: Path, docs: dict[str, bytes]) -> Path:
    for key, data in docs.items():
        p = root / key
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
    return root


def govwire(*args: str, env: dict[str, str] | None = None, timeout: float = 900) -> tuple[int, dict[str, Any], str]:
    p = subprocess.run([*GOVWIRE, "dataset", "build", *args, "--json"], capture_output=True, text=True,
                       cwd=REPO, env=env or {**os.environ, "PYTHONPATH": str(REPO)}, timeout=timeout)
    summary = json.loads(p.stdout) if p.returncode == 0 else {}
    return p.returncode, summary, p.stderr


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and ".spool" not in p.parts}


def same_summary(a: dict[str, Any], b: dict[str, Any]) -> None:
    strip = lambda s: {k: v for k, v in s.items() if k not in PER_RUN}  # noqa: E731
    assert strip(a) == strip(b)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_local(tmp_path_factory.mktemp("scale") / "store", make_store())


@pytest.fixture(scope="module")
def serial(store: Path) -> tuple[dict[str, bytes], dict[str, Any]]:
    out = store.parent / "out-1"
    rc, s, err = govwire("--store", str(store), "--out", str(out), "--workers", "1", "--shard-rows", "300")
    assert rc == 0, err
    assert s["workers"] == 1 and s["links"] > 300 and s["common_shingles"] > 0, s
    assert s["skipped"] and s["duplicates_collapsed"] > 50 and s["shards_total"] >= 8, s
    return tree(out), s


@pytest.mark.slow
def test_two_pool_workers_build_the_same_bytes(store: Path, serial: tuple[dict[str, bytes], dict[str, Any]]) -> None:
    out = store.parent / "out-2"
    rc, s, err = govwire("--store", str(store), "--out", str(out), "--workers", "2", "--shard-rows", "300")
    assert rc == 0, err
    assert s["workers"] == 2 and s["engine"] == "local"
    assert tree(out) == serial[0]
    same_summary(s, serial[1])
    # and an incremental rebuild with more workers than cores changes nothing
    rc, s2, err = govwire("--store", str(store), "--out", str(out), "--workers", "3", "--shard-rows", "300")
    assert rc == 0 and s2["rows_new"] == 0 and tree(out) == serial[0], err


@pytest.mark.slow
def test_dask_local_cluster_builds_the_same_bytes(store: Path, serial: tuple[dict[str, bytes], dict[str, Any]]) -> None:
    pytest.importorskip("dask.distributed")
    out = store.parent / "out-dask"
    rc, s, err = govwire("--store", str(store), "--out", str(out), "--engine", "dask", "--workers", "2",
                         "--shard-rows", "300")
    assert rc == 0, err
    assert s["engine"] == "dask"
    assert tree(out) == serial[0]
    same_summary(s, serial[1])


def _upload(store: Path, s3_uri: str) -> Any:
    import boto3

    bucket, prefix = s3_uri.removeprefix("s3://").split("/", 1)
    client = boto3.client("s3", endpoint_url=os.environ["GOVWIRE_S3_ENDPOINT_URL"])
    for p in sorted(store.rglob("*.json")):
        client.put_object(Bucket=bucket, Key=f"{prefix}/{p.relative_to(store).as_posix()}", Body=p.read_bytes())
    return client


def _download(client: Any, bucket: str, prefix: str) -> dict[str, bytes]:
    got = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for o in page.get("Contents", []):
            got[o["Key"].removeprefix(prefix)] = client.get_object(Bucket=bucket, Key=o["Key"])["Body"].read()
    return got


@pytest.mark.slow
def test_s3_store_and_output_build_the_same_bytes(store: Path, serial: tuple[dict[str, bytes], dict[str, Any]],
                                                  s3_bucket: str, s3_env: Any) -> None:
    """The archive and the dataset both in S3 (SeaweedFS on loopback): first with the local
    pool, whose workers reopen both from their URIs with the environment's credentials; then
    docs/scaling.md's cluster recipe: a dask scheduler and two worker processes started by
    hand, joined with --scheduler."""
    client = _upload(store, s3_bucket)
    bucket = s3_bucket.removeprefix("s3://").split("/", 1)[0]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    rc, s, err = govwire("--store", s3_bucket, "--out", f"s3://{bucket}/dataset", "--workers", "2",
                         "--shard-rows", "300", env=env)
    assert rc == 0, err
    assert _download(client, bucket, "dataset/") == serial[0]
    same_summary(s, serial[1])
    assert s3_env.secret_key not in err

    pytest.importorskip("dask.distributed")
    with dask_cluster(env) as scheduler:
        rc, s, err = govwire("--store", s3_bucket, "--out", f"s3://{bucket}/dataset-cluster", "--engine", "dask",
                             "--scheduler", scheduler, "--shard-rows", "300", env=env)
    assert rc == 0 and s["engine"] == "dask", err
    assert _download(client, bucket, "dataset-cluster/") == serial[0]
    same_summary(s, serial[1])
    assert s3_env.secret_key not in err


def _pool_workers(pid: int) -> list[int]:
    """The pool's worker processes: children of the forkserver, itself a child of the build."""
    import psutil

    try:
        kids = psutil.Process(pid).children()
    except psutil.NoSuchProcess:
        return []
    return [w.pid for k in kids if "forkserver" in " ".join(k.cmdline()) for w in k.children()]


@pytest.mark.slow
def test_killed_worker_fails_the_build_and_publishes_nothing(store: Path, tmp_path: Path) -> None:
    """kill -9 one pool worker mid-build: one-line error, exit 1, and the dataset already in
    --out (built from part of the store) is exactly as it was: the manifest is the commit point."""
    part = write_local(tmp_path / "part", {k: v for k, v in make_store(600).items()})
    out = tmp_path / "out"
    rc, _, err = govwire("--store", str(part), "--out", str(out), "--workers", "1")
    assert rc == 0, err
    before = tree(out)
    proc = subprocess.Popen([*GOVWIRE, "dataset", "build", "--store", str(store), "--out", str(out),
                             "--workers", "2", "--json"], cwd=REPO, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    deadline = time.monotonic() + 120
    killed = None
    while killed is None and time.monotonic() < deadline and proc.poll() is None:
        workers = _pool_workers(proc.pid)
        if workers:
            time.sleep(0.3)   # let it start a shard
            os.kill(workers[0], signal.SIGKILL)
            killed = workers[0]
        time.sleep(0.05)
    stdout, stderr = proc.communicate(timeout=300)
    assert killed is not None, "no pool worker seen"
    assert proc.returncode == 1, stderr
    lines = stderr.strip().splitlines()
    assert lines and lines[-1].startswith("govwire: error: a worker process died"), stderr
    assert "Traceback" not in stderr and stdout == ""
    after = tree(out)
    assert after["manifest.json"] == before["manifest.json"] and after["README.md"] == before["README.md"]
    manifest = json.loads(before["manifest.json"])
    named = [s["file"] for s in manifest["shards"]] + [manifest[k] for k in DERIVED]
    assert named and all(after[k] == before[k] for k in named)


def test_engine_errors_are_one_line_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from crawler.cli import main

    store = write_local(tmp_path / "store", dict(list(make_store(40).items())))
    out = str(tmp_path / "out")
    for args, message in (
            (["--scheduler", "tcp://127.0.0.1:1"], "--scheduler needs --engine dask"),
            (["--workers", "0"], "--workers must be at least 1"),
            (["--engine", "dask", "--scheduler", "not an address"], "not a dask scheduler address")):
        rc = main(["dataset", "build", "--store", str(store), "--out", out, "--quiet", *args])
        err = capsys.readouterr().err
        assert rc == 2 and len(err.strip().splitlines()) == 1 and err.startswith("govwire: error: "), err
        assert message in err
    # dask not installed: the engine says how to get it
    code = ("import sys; sys.modules['dask'] = None; sys.modules['dask.distributed'] = None\n"
            "from crawler.cli import main\n"
            f"sys.exit(main(['dataset', 'build', '--store', {str(store)!r}, '--out', {out!r}, '--engine', 'dask']))")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert p.returncode == 2 and p.stderr.strip() == ("govwire: error: the dask engine needs dask.distributed: "
                                                      "pip install -e '.[cluster]'"), p.stderr
    assert not (tmp_path / "out" / "manifest.json").exists()


@pytest.mark.slow
def test_unreachable_scheduler_is_a_usage_error(tmp_path: Path) -> None:
    pytest.importorskip("dask.distributed")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    store = write_local(tmp_path / "store", make_store(40))
    rc, _, err = govwire("--store", str(store), "--out", str(tmp_path / "out"), "--engine", "dask",
                         "--scheduler", f"tcp://127.0.0.1:{port}")
    assert rc == 2 and "cannot reach the dask scheduler" in err and "Traceback" not in err, err
    assert len(err.strip().splitlines()) == 1
