"""Fault injection with real processes: nothing lost, nothing duplicated (docs/reliability.md).

Every scenario crawls the fixture web (127.0.0.1) with the real `govwire` CLI in a subprocess,
injects one fault from outside — the S3 server (SeaweedFS) killed or frozen with SIGSTOP,
`kill -9` of the crawl at several points, a full disk — then runs `govwire sync` and checks
the same invariants:

- every response the fixture server sent is in exactly one WARC response/revisit record (for a
  killed run: at most one; the recovery crawl fetches what it lost);
- no (URL, payload) is stored in two response records;
- every document and capture pointer resolves to the record it names (id, URL, digest, type),
  never past the end of a file; every state entry too;
- no two documents for one (URL, content);
- state/<site>.json present; no lock left; no process of the crawl left;
- the next crawl is incremental: new == 0, changed == 0, unchanged > 0.
"""
from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from warcio.archiveiterator import ArchiveIterator

from archive.storage import Store, open_store
from crawler import exitcodes

REPO = Path(__file__).resolve().parents[1]
SITE = "govuk"
HOST = "www.gov.uk"


# -- running govwire ---------------------------------------------------------------------------
class Run:
    """One `govwire` subprocess; its environment carries a marker so its whole process tree
    (forkserver, cleaning workers, resource tracker) can be found after a kill."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.marker = uuid.uuid4().hex
        full_env = {**env, "GOVWIRE_FAULT_MARKER": self.marker}
        self.started = time.monotonic()
        # output to files, not pipes: a killed crawl's children must not keep a pipe open,
        # and a chatty crawl must never block on a full pipe
        self._out = tempfile.TemporaryFile("w+")
        self._err = tempfile.TemporaryFile("w+")
        self.proc = subprocess.Popen([sys.executable, "-m", "crawler.cli", *args], cwd=REPO, env=full_env,
                                     stdout=self._out, stderr=self._err, text=True)
        self.out = self.err = ""
        self.seconds = 0.0

    def _read(self) -> None:
        for f in (self._out, self._err):
            f.seek(0)
        self.out, self.err = self._out.read(), self._err.read()

    def wait(self, timeout: float = 120) -> Run:
        self.proc.wait(timeout=timeout)
        self.seconds = time.monotonic() - self.started
        self._read()
        return self

    @property
    def code(self) -> int:
        return int(self.proc.returncode)

    @property
    def summary(self) -> dict[str, Any]:
        lines = [ln for ln in self.out.splitlines() if ln.startswith("{")]
        return json.loads(lines[-1]) if lines else {}

    def kill9(self) -> None:
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)
        self._read()


def marked_pids(marker: str) -> list[int]:
    """Processes whose environment carries the marker (children inherit it)."""
    found = []
    needle = f"GOVWIRE_FAULT_MARKER={marker}".encode()
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            if needle in (d / "environ").read_bytes().split(b"\0"):
                found.append(int(d.name))
        except OSError:
            continue
    return found


def no_orphans(marker: str, within: float = 10.0) -> list[int]:
    deadline = time.monotonic() + within
    while True:
        left = marked_pids(marker)
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.2)


def base_env(seeds: Path, spool: Path | None = None, **extra: str) -> dict[str, str]:
    env = {**os.environ, "GOVWIRE_PROGRESS_INTERVAL": "0", "GOVWIRE_CLEAN_WORKERS": "1",
           "PYTHONPATH": str(REPO), "GOVWIRE_SEEDS_DIR": str(seeds), "GOVWIRE_STATE_CHECKPOINT_PAGES": "5"}
    if spool is not None:
        env["GOVWIRE_SPOOL"] = str(spool)
    env.update(extra)
    return env


def crawl(store: str, env: dict[str, str]) -> Run:
    return Run(["crawl", SITE, "--store", store], env)


def sync(store: str, env: dict[str, str]) -> Run:
    run = Run(["sync", "--store", store, "--json"], env).wait()
    assert "Traceback" not in run.err, run.err
    return run


# -- reading the archive back -------------------------------------------------------------------
def records(store: Store) -> list[dict[str, Any]]:
    """Every response/revisit record in every WARC of the store, with where it is."""
    out = []
    for key in store.list("warcs/"):
        data = store.get_bytes(key)
        it = ArchiveIterator(BytesIO(data), check_digests=True)
        for rec in it:
            if rec.rec_type not in ("response", "revisit"):
                continue
            h = rec.rec_headers
            rec.content_stream().read()
            out.append({"file": key, "offset": it.get_record_offset(), "length": it.get_record_length(),
                        "type": rec.rec_type, "url": h.get_header("WARC-Target-URI"),
                        "id": h.get_header("WARC-Record-ID"), "digest": h.get_header("WARC-Payload-Digest"),
                        "status": int(rec.http_headers.get_statuscode() or 0) if rec.http_headers else 0})
    return out


def resolve(store: Store, ptr: dict[str, Any]) -> Any:
    """The record a pointer names, read by range exactly as `show`/pywb would."""
    data = store.get_range(ptr["file"], int(ptr["offset"]), int(ptr["length"]))
    assert len(data) == int(ptr["length"]), f"pointer past the end of {ptr['file']}: {ptr}"
    rec = next(iter(ArchiveIterator(BytesIO(data))))
    return rec


def served(web: Any) -> Counter[str]:
    """What the fixture server answered (GET), as URLs, with multiplicity."""
    return Counter(web.url(r.host, r.path) for r in web.requests() if r.method == "GET")


def warc_files(store_uri: str) -> set[str]:
    return set(open_store(store_uri).list("warcs/"))


def check_invariants(store_uri: str, *, served_urls: Counter[str] | None, exact: bool,
                     before: set[str] | frozenset[str] = frozenset()) -> dict[str, int]:
    """The invariants after `sync`; `served_urls` is what the server answered during the run
    whose WARCs are the ones not in `before`. Returns what was checked."""
    store = open_store(store_uri)
    keys = list(store.list(""))
    recs = records(store)
    by_id = {r["id"]: r for r in recs}
    assert len(by_id) == len(recs), "two records share a WARC-Record-ID"
    # no (URL, payload) stored twice as a full response
    dup = [k for k, n in Counter((r["url"], r["digest"]) for r in recs if r["type"] == "response").items() if n > 1]
    assert not dup, f"payload stored twice: {dup[:3]}"
    if served_urls is not None:
        archived = Counter(r["url"] for r in recs if r["file"] not in before)
        for url, n in served_urls.items():
            if exact:
                assert archived[url] == n, f"{url}: served {n}, archived {archived[url]}"
            else:
                assert archived[url] <= n, f"{url}: served {n}, archived {archived[url]}"
    docs = [json.loads(store.get_bytes(k)) for k in keys if k.startswith("docs/")]
    for d in docs:
        rec = resolve(store, d["warc"])
        h = rec.rec_headers
        assert rec.rec_type == "response" and h.get_header("WARC-Record-ID") == d["warc"]["record_id"]
        assert h.get_header("WARC-Payload-Digest") == d["payload_digest"]
        assert h.get_header("WARC-Target-URI") == d["final_url"]
    pairs = Counter((d["canonical_url"], d["content_digest"]) for d in docs)
    assert all(n == 1 for n in pairs.values()), "two documents for one (URL, content)"
    captures = [json.loads(store.get_bytes(k)) for k in keys if k.startswith("captures/")]
    for c in captures:
        rec = resolve(store, c["warc"])
        assert rec.rec_headers.get_header("WARC-Record-ID") == c["warc"]["record_id"]
        assert rec.rec_headers.get_header("WARC-Target-URI") in (c["url"], c["final_url"])
        if c.get("document"):
            assert store.exists(c["document"])
    assert f"state/{SITE}.json" in keys
    state = json.loads(store.get_bytes(f"state/{SITE}.json"))["urls"]
    for url, e in state.items():
        assert e["record_id"] in by_id, f"state entry {url} names a record no WARC holds"
        if e.get("warc"):
            assert resolve(store, e["warc"]).rec_headers.get_header("WARC-Record-ID") == e["record_id"]
    assert not [k for k in keys if k.startswith("locks/")], "a lock was left behind"
    return {"records": len(recs), "documents": len(docs), "captures": len(captures), "state": len(state)}


def assert_incremental(store: str, env: dict[str, str], web: Any) -> dict[str, Any]:
    """The next crawl on an unchanged web: conditional requests and revisits only."""
    web.clear_log()
    run = crawl(store, env).wait()
    assert run.code in (exitcodes.OK, exitcodes.NOTHING), run.err  # 3: nothing new, as it should be
    s = run.summary
    assert s["new"] == 0 and s["changed"] == 0 and s["unchanged"] > 0, s
    assert not no_orphans(run.marker)
    return s


def wait_for(pred: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def count_captures(root: Path) -> int:
    """Capture records written so far by a crawl into a local store (store + spool)."""
    return sum(1 for _ in root.glob("captures/*/*/*.json")) + sum(1 for _ in root.glob(".spool/captures/*/*/*.json"))


# -- scenarios ---------------------------------------------------------------------------------
@pytest.fixture
def slow_web(web: Any) -> Any:
    """The fixture web with some latency per request, so a fault lands mid-crawl even on a fast
    machine (38 requests, 2 at a time: at least ~4 s of crawling)."""
    web.delay = 0.2
    yield web
    web.delay = 0.0


def _s3_count(s3: Any, bucket: str, prefix: str) -> int:
    resp = s3.client().list_objects_v2(Bucket=bucket, Prefix=f"archive/{prefix}")
    return int(resp.get("KeyCount", 0))


@pytest.mark.slow
def test_store_killed_mid_crawl(slow_web: Any, seeds_for_fixture_web: Path, s3_bucket: str, s3_env: Any,
                                tmp_path: Path) -> None:
    """SeaweedFS stopped while the crawl runs: everything spooled, exit non-zero with the sync
    command, no traceback, no lock left after sync, state uploaded, next crawl incremental."""
    env = base_env(seeds_for_fixture_web, tmp_path / "spool")
    bucket = s3_bucket.split("/")[2]
    run = crawl(s3_bucket, env)
    # the run's lock is the first object it writes; stopping takes ~2 s, so the outage starts
    # after the first fetches and captures, with most of the crawl still to come
    wait_for(lambda: _s3_count(s3_env, bucket, "locks/") > 0, 60, "the crawl's lock in the bucket")
    s3_env.stop()
    try:
        run.wait()
        assert run.code != 0 and "Traceback" not in run.err, run.err
        assert f"govwire sync --store {s3_bucket}" in run.err and str(tmp_path / "spool") in run.err, run.err
        assert run.summary["spooled"] > 0
        assert not no_orphans(run.marker)
    finally:
        s3_env.start()
    report = json.loads(sync(s3_bucket, env).out)
    assert report["pending"] == 0 and report["failed"] == 0, report
    checked = check_invariants(s3_bucket, served_urls=served(slow_web), exact=True)
    assert checked["documents"] >= 10
    nxt = assert_incremental(s3_bucket, env, slow_web)
    print(f"\nstore killed: exit {run.code}, {run.summary['spooled']} spooled, sync uploaded "
          f"{report['uploaded']}; checked {checked}; next crawl {nxt['fetched']} fetched, "
          f"{nxt['unchanged']} unchanged, {nxt['new']} new")


@pytest.mark.slow
def test_store_frozen_mid_crawl(slow_web: Any, seeds_for_fixture_web: Path, s3_bucket: str, s3_env: Any,
                                tmp_path: Path) -> None:
    """SIGSTOP of the S3 server (accepts connections, never answers): the run ends within about
    twice the read timeout of the freeze, keeps everything spooled and says how to sync."""
    timeout = 3.0
    env = base_env(seeds_for_fixture_web, tmp_path / "spool", GOVWIRE_S3_READ_TIMEOUT=str(timeout),
                   GOVWIRE_S3_CONNECT_TIMEOUT="1")
    bucket = s3_bucket.split("/")[2]
    run = crawl(s3_bucket, env)
    wait_for(lambda: _s3_count(s3_env, bucket, "captures/") > 0, 60, "the first capture in the bucket")
    assert s3_env.proc is not None
    os.kill(s3_env.proc.pid, signal.SIGSTOP)
    frozen = time.monotonic()
    try:
        run.wait(timeout=120)
        after_freeze = time.monotonic() - frozen
    finally:
        os.kill(s3_env.proc.pid, signal.SIGCONT)
    assert run.code != 0 and "Traceback" not in run.err, run.err
    assert f"govwire sync --store {s3_bucket}" in run.err, run.err
    # one breaker for every store call: only the calls already in flight when the store froze
    # (at most one per store thread, the WARC upload, the state save, the lock) paid a timeout;
    # everything after went straight to the spool. (Seconds from freeze to exit are printed
    # for docs/reliability.md; the suite makes no timed assertions.)
    trips = run.summary["sites"][SITE]["store_trips"]
    assert 1 <= trips <= 4 + 3, run.summary
    print(f"frozen store: exit {run.code} {after_freeze:.1f} s after the freeze, {trips} timed-out calls, "
          f"{run.summary['spooled']} objects spooled")
    assert not no_orphans(run.marker)
    report = json.loads(sync(s3_bucket, env).out)
    assert report["pending"] == 0, report
    checked = check_invariants(s3_bucket, served_urls=served(slow_web), exact=True)
    nxt = assert_incremental(s3_bucket, env, slow_web)
    print(f"frozen store: checked {checked}; next crawl {nxt['unchanged']} unchanged, {nxt['new']} new")


@pytest.mark.slow
def test_crawl_killed_at_several_points(slow_web: Any, seeds_for_fixture_web: Path, tmp_path: Path) -> None:
    """`kill -9` of two successive crawls, each at a random point (after a random number of
    capture records plus a random few ms), each followed by `sync`: no worker process outlives
    a killed crawl; sync repairs the cut WARC and rebuilds the state from it; nothing ever
    points past what was durable; the crawl after the last kill completes the archive without
    storing any payload twice, and the one after it is purely incremental."""
    rng = random.Random()
    seed = rng.randrange(1 << 30)
    rng.seed(seed)
    store = tmp_path / "store"
    env = base_env(seeds_for_fixture_web)
    kills = []
    for lo, hi in ((12, 26), (10, 30)):
        point = count_captures(store) + rng.randint(lo, hi)
        slow_web.clear_log()
        before = warc_files(str(store)) if store.exists() else set()
        run = crawl(str(store), env)
        wait_for(lambda: count_captures(store) >= point or run.proc.poll() is not None, 60, "the kill point")
        time.sleep(rng.uniform(0, 0.05))
        alive = run.proc.poll() is None
        run.kill9() if alive else run.wait()
        kills.append((point, alive))
        assert not no_orphans(run.marker), f"cleaning workers outlived the killed crawl (seed {seed})"
        killed_served = served(slow_web)
        report = json.loads(sync(str(store), env).out)
        assert report["pending"] == 0 and report["failed"] == 0, (seed, report)
        assert not report["quarantined"], (seed, report)  # write-ahead: no pointer past the durable end
        checked = check_invariants(str(store), served_urls=killed_served, exact=False, before=before)
        print(f"\nkill -9 after {point} captures (alive {alive}): sync repaired {report['repaired']}, "
              f"state entries rebuilt {report['state_entries_recovered']}, locks released "
              f"{report['locks_released']}; checked {checked}")
    assert any(alive for _, alive in kills), kills
    slow_web.clear_log()
    before = warc_files(str(store))
    again = crawl(str(store), env).wait()
    assert again.code in (exitcodes.OK, exitcodes.NOTHING), again.err
    checked = check_invariants(str(store), served_urls=served(slow_web), exact=True, before=before)
    nxt = assert_incremental(str(store), env, slow_web)
    print(f"recovery crawl: {again.summary['new']} new, {again.summary['unchanged']} unchanged, "
          f"{again.summary['recovered']} recovered; checked {checked}; next crawl {nxt['unchanged']} "
          f"unchanged, {nxt['new']} new (seed {seed})")


def test_killed_between_fsync_and_publish_is_completed(web: Any, seeds_for_fixture_web: Path,
                                                       tmp_path: Path) -> None:
    """The narrowest kill window, made exact: a record durable and in the state, its capture
    record and document never written (the state entry unpublished). The next crawl fetches that
    page in full, stores it as a revisit, and completes the document and capture pointing at
    the first record; no second response record."""
    store = tmp_path / "store"
    env = base_env(seeds_for_fixture_web)
    first = crawl(str(store), env).wait()
    assert first.code == exitcodes.OK, first.err
    st_path = store / "state" / f"{SITE}.json"
    state = json.loads(st_path.read_text())
    doc_path = next((store / "docs").rglob("*.json"))
    doc = json.loads(doc_path.read_text())
    url = doc["final_url"]
    entry = state["urls"][url]
    entry["published"] = False
    st_path.write_text(json.dumps(state))
    doc_path.unlink()
    for cap in (store / "captures").rglob("*.json"):
        if json.loads(cap.read_text())["warc"]["record_id"] == entry["record_id"]:
            cap.unlink()
    web.clear_log()
    again = crawl(str(store), env).wait()
    assert again.code in (exitcodes.OK, exitcodes.NOTHING), again.err
    s = again.summary
    assert s["recovered"] == 1 and s["new"] == 0 and s["changed"] == 0, s
    # fetched in full (no validators sent for an unpublished entry), archived as a revisit
    path = url.split("/", 3)[3]
    sent = [r for r in web.requests(HOST) if r.path == "/" + path]
    assert sent and "if-none-match" not in sent[0].headers
    rebuilt = json.loads(doc_path.read_text())
    assert rebuilt["warc"]["record_id"] == entry["record_id"] == doc["warc"]["record_id"]
    check_invariants(str(store), served_urls=None, exact=False)
    assert json.loads(st_path.read_text())["urls"][url]["published"] is True


def _mount_tmpfs(where: Path, size: str) -> bool:
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    where.mkdir(parents=True, exist_ok=True)
    p = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
                       capture_output=True, text=True, check=False)
    return p.returncode == 0


@pytest.mark.slow
def test_disk_full(web: Any, seeds_for_fixture_web: Path, tmp_path: Path) -> None:
    """A local store on a tiny filesystem: the run stops with one line saying what to free and
    what to run; nothing half-written looks complete; after space is freed (a bigger mount),
    sync and a crawl complete the archive."""
    mnt = tmp_path / "small"
    if not _mount_tmpfs(mnt, "160k"):
        pytest.skip("cannot mount a small tmpfs here (needs root and mount permission)")
    try:
        env = base_env(seeds_for_fixture_web)
        run = crawl(str(mnt), env).wait()
        assert run.code == exitcodes.FAILED or run.code == exitcodes.PARTIAL, run.err
        assert "Traceback" not in run.err, run.err
        assert "disk full" in run.err and "free space" in run.err, run.err
        assert not no_orphans(run.marker)
        # nothing that looks complete is half-written: every closed WARC reads to the end and
        # every JSON object parses; the cut WARC is still `.open`
        for p in mnt.rglob("*"):
            if p.is_file() and p.name.endswith(".warc.gz"):
                with open(p, "rb") as f:
                    for rec in ArchiveIterator(f, check_digests=True):
                        rec.content_stream().read()
            elif p.is_file() and p.suffix == ".json" and not p.name.startswith("."):
                json.loads(p.read_bytes())
        subprocess.run(["mount", "-o", "remount,size=64m", str(mnt)], check=True)
        report = json.loads(sync(str(mnt), env).out)
        assert report["pending"] == 0, report
        web.clear_log()
        again = crawl(str(mnt), env).wait()
        assert again.code in (exitcodes.OK, exitcodes.NOTHING), again.err
        checked = check_invariants(str(mnt), served_urls=None, exact=False)
        nxt = assert_incremental(str(mnt), env, web)
        line = next(ln for ln in run.err.splitlines() if "disk full" in ln)
        print(f"\ndisk full: exit {run.code}: {line}\n  sync repaired {report['repaired']}, rebuilt "
              f"{report['state_entries_recovered']} state entries; after it {again.summary['new']} new, "
              f"{again.summary['recovered']} recovered; checked {checked}; next crawl "
              f"{nxt['unchanged']} unchanged, {nxt['new']} new")
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def test_unlock_refuses_a_live_lock_and_breaks_a_dead_one(tmp_path: Path) -> None:
    from archive.locks import SiteLock
    from archive.storage import LocalStore

    store = LocalStore(tmp_path)
    live = SiteLock(store, SITE)
    live.acquire()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    p = subprocess.run([sys.executable, "-m", "crawler.cli", "unlock", SITE, "--store", str(tmp_path)],
                       capture_output=True, text=True, cwd=REPO, env=env, check=False)
    assert p.returncode == exitcodes.LOCKED and "live run" in p.stderr and "Traceback" not in p.stderr
    assert store.exists(f"locks/{SITE}.lock")
    # a lock from another host whose heartbeat stopped 20 minutes ago is dead
    store.put_bytes(f"locks/{SITE}.lock", json.dumps({"site": SITE, "host": "pod-7f9c", "pid": 1,
                                                      "heartbeat": time.time() - 1200}).encode())
    p = subprocess.run([sys.executable, "-m", "crawler.cli", "unlock", SITE, "--store", str(tmp_path)],
                       capture_output=True, text=True, cwd=REPO, env=env, check=False)
    assert p.returncode == 0 and "removed" in p.stdout, p.stdout + p.stderr
    assert not store.exists(f"locks/{SITE}.lock")
