"""The store guarantees the fault suite relies on, each checked fast with real servers/processes:
create-only writes with the same semantics on S3 and local disk, one key per capture, one
document per (URL, payload), the breaker against a store that never answers, the umask, worker
processes that die with their parent, and store-write errors in the exit status."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from archive import keys
from archive.breaker import BreakerStore, StoreDown
from archive.errors import StoreConflict, StoreUnavailable
from archive.s3store import S3Store
from archive.storage import LocalStore, open_store
from tests.test_faults import marked_pids, no_orphans

REPO = Path(__file__).resolve().parents[1]


def test_capture_and_document_keys_never_collide() -> None:
    when = datetime(2025, 10, 9, 10, 15, tzinfo=timezone.utc)
    url = "https://www.gov.uk/government/news/x"
    # same URL, same 10 µs, two captures: two keys (the full record id is in the key)
    a = keys.capture_key(url, when, "<urn:uuid:0000aaaa-1111-2222-3333-444455556666>")
    b = keys.capture_key(url, when, "<urn:uuid:0000aaaa-1111-2222-3333-444455556667>")
    assert a != b
    # URL variants are different URLs; one URL and one payload is one document key
    assert keys.doc_key("govuk", url + "?utm_source=a", "sha1:AAAA") != keys.doc_key("govuk", url + "?utm_source=b", "sha1:AAAA")
    assert keys.doc_key("govuk", url, "sha1:AAAA") == keys.doc_key("govuk", url, "sha1:AAAA")
    assert keys.doc_key("govuk", url, "sha1:AAAA") != keys.doc_key("govuk", url, "sha1:AAAB")


@pytest.fixture(params=["local", "s3"])
def any_store(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    if request.param == "local":
        return LocalStore(tmp_path / "store")
    request.getfixturevalue("s3_env")
    return open_store(request.getfixturevalue("s3_bucket"))


def test_create_only_writes_have_one_semantics(any_store: Any, tmp_path: Path) -> None:
    """S3 (If-None-Match: *, multipart too) and local disk refuse to replace an object alike."""
    store = any_store
    store.put_bytes("docs/a.json", b"1", if_absent=True)
    with pytest.raises(StoreConflict):
        store.put_bytes("docs/a.json", b"2", if_absent=True)
    assert store.get_bytes("docs/a.json") == b"1"
    f = tmp_path / "w.warc.gz"
    f.write_bytes(b"x" * 1000)
    store.put_file("warcs/w.warc.gz", f)
    other = tmp_path / "other.warc.gz"  # (the local store hard-links: never rewrite `f` itself)
    other.write_bytes(b"y" * 1000)
    with pytest.raises(StoreConflict):
        store.put_file("warcs/w.warc.gz", other)
    assert store.get_bytes("warcs/w.warc.gz") == b"x" * 1000
    if isinstance(store, S3Store):  # a multipart upload is conditional as well
        store.multipart_threshold = store.part_size = 5 * 1024 * 1024
        big = tmp_path / "big.warc.gz"
        big.write_bytes(os.urandom(11 * 1024 * 1024))
        store.put_file("warcs/big.warc.gz", big)
        with pytest.raises(StoreConflict):
            store.put_file("warcs/big.warc.gz", big)


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A TCP server on 127.0.0.1 that accepts connections and never answers (a hung store)."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(64)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        srv.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(srv.accept()[0])
            except OSError:
                continue

    t = threading.Thread(target=accept, daemon=True)
    t.start()
    yield srv.getsockname()[1]
    stop.set()
    t.join()
    for c in held:
        c.close()
    srv.close()


def test_breaker_pays_one_timeout_then_fails_fast(silent_server: int, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "k")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "s")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    inner = S3Store("b", "p", endpoint_url=f"http://127.0.0.1:{silent_server}", spool_dir=tmp_path / "spool",
                    read_timeout=1, connect_timeout=1, max_attempts=3)
    store = BreakerStore(inner, retry_after=60)
    with pytest.raises(StoreUnavailable) as first:
        store.put_bytes("state/x.json", b"{}", if_match="e")
    assert not isinstance(first.value, StoreDown) and "timed out" in str(first.value)
    for call in (lambda: store.get_with_etag("state/x.json"), lambda: store.delete("locks/x.lock", if_match="e"),
                 lambda: store.put_bytes("docs/y.json", b"{}", if_absent=True)):
        with pytest.raises(StoreDown):
            call()
    assert store.trips == 1  # a timeout is never retried: one call paid it, the rest did not wait


def test_files_honour_the_umask(tmp_path: Path) -> None:
    code = ("import os, sys; os.umask(int(sys.argv[2], 8)); from pathlib import Path\n"
            "from archive.storage import LocalStore; from archive.spool import Spool\n"
            "s = LocalStore(sys.argv[1]); s.put_bytes('docs/a.json', b'1'); s.put_bytes('docs/b.json', b'1', if_absent=True)\n"
            "Spool(s).keep('state/x.json', b'{}')\n")
    for umask, want in (("022", 0o644), ("027", 0o640)):
        root = tmp_path / umask
        subprocess.run([sys.executable, "-c", code, str(root), umask], check=True, cwd=REPO,
                       env={**os.environ, "PYTHONPATH": str(REPO)})
        for rel in ("docs/a.json", "docs/b.json", ".spool/state/x.json"):
            assert (root / rel).stat().st_mode & 0o777 == want, (umask, rel)


def test_cleaning_workers_die_with_a_killed_parent(tmp_path: Path) -> None:
    code = ("import time\nfrom crawler.clean_pool import start_pool\n"
            "pool = start_pool(2)\nprint(sum(pool.map(abs, [-1, -2])), flush=True)\ntime.sleep(60)\n")
    marker = f"m{os.getpid()}{time.monotonic_ns()}"
    p = subprocess.Popen([sys.executable, "-c", code], cwd=REPO, stdout=subprocess.PIPE, text=True,
                         env={**os.environ, "PYTHONPATH": str(REPO), "GOVWIRE_FAULT_MARKER": marker})
    assert p.stdout is not None and p.stdout.readline().strip() == "3"
    assert len(marked_pids(marker)) >= 4  # parent, forkserver, 2 workers (+ resource tracker)
    os.kill(p.pid, signal.SIGKILL)
    p.wait()
    assert not no_orphans(marker), "workers outlived their parent"


def test_store_write_errors_fail_the_run(web: Any, seeds_for_fixture_web: Path, tmp_path: Path) -> None:
    """A document path the store cannot create (a file where its directory should be): the
    run says so in one line and exits non-zero instead of 0."""
    store = tmp_path / "store"
    store.mkdir()
    (store / "docs").write_text("not a directory")
    url = web.url("www.gov.uk", "/government/news/new-frank-adverts-mark-tenth-anniversary--2")
    p = subprocess.run([sys.executable, "-m", "crawler.cli", "archive", url, "--store", str(store)],
                       capture_output=True, text=True, cwd=REPO, check=False,
                       env={**os.environ, "PYTHONPATH": str(REPO), "GOVWIRE_CLEAN_WORKERS": "0",
                            "GOVWIRE_PROGRESS_INTERVAL": "0"})
    assert p.returncode != 0, p.stdout + p.stderr
    assert "Traceback" not in p.stderr and "store write failed" in p.stderr + p.stdout, p.stderr


def test_republishing_the_same_file_is_harmless_a_different_one_refused(any_store: Any) -> None:
    """A publish that landed before its spool copy was deleted (crash in between) is published
    again by sync: same bytes -> the copy is dropped; other bytes under that key -> refused."""
    from archive.spool import Spool

    spool = Spool(any_store)
    key = "warcs/s/2025/01/01/x.warc.gz"
    body = os.urandom(300_000)
    spool.keep(key, body)
    assert spool.publish(key) is True and spool.spooled(key) is None
    spool.keep(key, body)
    assert spool.publish(key) is True and spool.spooled(key) is None
    spool.keep(key, body[:-1] + b"x")
    with pytest.raises(StoreConflict):
        spool.publish(key)
    assert any_store.get_bytes(key) == body
