"""The WARC record builder process (crawler/offload.py) under faults.

Invariant after every fault: each submitted exchange is in the WARC exactly once, every pointer
handed out reads back (warcio, digests checked) as the record it names, each record names its own
file's warcinfo, and the crawl process never waits forever on a dead or hung helper.
"""
from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import Any

from warcio.archiveiterator import ArchiveIterator

from archive.warc import Exchange, RecordPointer, RotatingWarcWriter, serialize_exchange
from crawler.session import SiteWriter
from crawler.offload import RecordBuilder
from tests.test_archive_units import exchange


def _records(path: Path) -> list[tuple[str, str, str, str]]:
    """(type, url, record id, warcinfo id) of every record, digests verified by warcio."""
    out = []
    with open(path, "rb") as fh:
        for r in ArchiveIterator(fh, check_digests="raise"):
            r.content_stream().read()
            h = r.rec_headers
            out.append((r.rec_type, h.get_header("WARC-Target-URI") or "", h.get_header("WARC-Record-ID"),
                        h.get_header("WARC-Warcinfo-ID") or ""))
    return out


def _read_at(spool: Path, ptr: RecordPointer) -> tuple[str, str]:
    with open(spool / ptr.file, "rb") as fh:
        fh.seek(ptr.offset)
        rec = next(iter(ArchiveIterator(fh)))
        return rec.rec_type, rec.rec_headers.get_header("WARC-Record-ID")


def _crawl(tmp_path: Path, builder: RecordBuilder, urls: list[str], *, fault_after: int = -1,
           fault: str = "", max_size: int = 1_000_000_000) -> tuple[list[RecordPointer], list[Path]]:
    closed: list = []
    w = RotatingWarcWriter(tmp_path, "govuk", max_size=max_size, on_close=closed.append)
    sw = SiteWriter(w, builder=builder)
    ptrs = []
    for i, u in enumerate(urls):
        if i == fault_after:
            pid = builder.pid
            assert pid is not None
            os.kill(pid, signal.SIGKILL if fault == "kill" else signal.SIGSTOP)
        ptrs.append(sw.submit(exchange(url=u, body=f"<html>{u} {os.urandom(2500).hex()}</html>".encode()), None).result(30))
    sw.close()
    return ptrs, [c.path for c in closed]


def _check(tmp_path: Path, urls: list[str], ptrs: list[RecordPointer], files: list[Path]) -> None:
    seen: list[str] = []
    for path in files:
        recs = _records(path)
        info_id = recs[0][2]
        assert recs[0][0] == "warcinfo"
        assert all(r[3] == info_id for r in recs[1:]), "a record names another file's warcinfo"
        seen += [r[1] for r in recs if r[0] == "response"]
    assert sorted(seen) == sorted(urls)  # every exchange once, none twice
    for ptr in ptrs:
        assert _read_at(tmp_path, ptr) == ("response", ptr.record_id)


URLS = [f"https://www.gov.uk/government/news/n{i}" for i in range(12)]


def test_records_built_in_the_helper_are_byte_identical_to_in_thread_ones() -> None:
    b = RecordBuilder()
    try:
        ex = exchange(record_id="<urn:uuid:00000000-0000-4000-8000-000000000001>")
        got = b.build(ex, None, "<urn:uuid:info>", 6)
        want = serialize_exchange(ex, None, "<urn:uuid:info>", 6)
        assert b.failed is None
        assert got.records[0].data == want.records[0].data  # request record ids are random
        assert (got.surt, got.mime, got.status) == (want.surt, want.mime, want.status)
    finally:
        b.close()


def test_helper_killed_mid_crawl_loses_nothing(tmp_path: Path) -> None:
    b = RecordBuilder()
    ptrs, files = _crawl(tmp_path, b, URLS, fault_after=5, fault="kill")
    assert b.failed  # it noticed, and built the rest in-thread
    _check(tmp_path, URLS, ptrs, files)


def test_hung_helper_is_replaced_by_the_thread(tmp_path: Path) -> None:
    b = RecordBuilder(timeout=1.0)
    t = time.monotonic()
    ptrs, files = _crawl(tmp_path, b, URLS, fault_after=3, fault="stop")
    assert b.failed and "no reply" in b.failed
    assert time.monotonic() - t < 20
    _check(tmp_path, URLS, ptrs, files)
    assert b.pid is None  # the stopped helper was killed, not left behind


def test_rollover_between_build_and_append_keeps_each_file_consistent(tmp_path: Path) -> None:
    b = RecordBuilder()
    try:
        ptrs, files = _crawl(tmp_path, b, URLS, max_size=12_000)  # a new file every few pages
        assert len(files) >= 3
        _check(tmp_path, URLS, ptrs, files)
    finally:
        b.close()


def test_records_built_for_a_file_that_rolled_over_are_rebuilt_for_the_new_one(tmp_path: Path) -> None:
    closed: list = []
    w = RotatingWarcWriter(tmp_path, "govuk", on_close=closed.append)
    ex = exchange(url=URLS[0])
    stale = serialize_exchange(ex, None, "<urn:uuid:00000000-0000-4000-8000-00000000dead>", 6)
    ptr = w.append(stale, ex)[0]
    w.close()
    _check(tmp_path, URLS[:1], [ptr], [c.path for c in closed])


def test_a_record_the_helper_cannot_build_fails_the_same_way_in_thread(tmp_path: Path) -> None:
    b = RecordBuilder()
    try:
        bad = Exchange(url="https://www.gov.uk/x", method="GET", request_headers=[], request_body=b"",
                       status=200, response_headers=[(b"X", "not bytes")],  # type: ignore[list-item]
                       body=b"x")
        w = RotatingWarcWriter(tmp_path, "govuk")
        sw = SiteWriter(w, builder=b)
        fut = sw.submit(bad, None)
        err = fut.exception(30)
        assert err is not None  # the WARC thread reports it as a failed write, as before
        assert b.failed is None  # the helper itself is fine
        sw.close()
    finally:
        b.close()


# -- small objects of a local store through the helper ------------------------------------------

def _session(root: Path) -> Any:
    from scrapy.settings import Settings

    from archive.breaker import guarded
    from archive.spool import Spool
    from archive.storage import LocalStore
    from crawler.session import ArchiveSession

    store = guarded(LocalStore(root))
    return ArchiveSession(store=store, spool=Spool(store), settings=Settings())


def _objects(n: int, start: int = 0) -> list[tuple[str, bytes]]:
    return [(f"captures/{i % 7:02x}/h{i:05d}/20261203-{i}.json", b'{"n":%d}' % i) for i in range(start, start + n)]


def test_objects_are_written_once_through_the_helper(tmp_path: Path) -> None:
    sess = _session(tmp_path)
    published: list[str] = []
    futs = [sess.put_object(k, d, then=lambda k=k: published.append(k)) for k, d in _objects(40)]
    assert [f.result(30) for f in futs] == ["stored"] * 40
    assert sess._objects is not None and sess._objects.helper.failed is None  # the helper did it
    again = sess.put_object(*_objects(1)[0]).result(30)
    assert again == "exists"  # create-only, as in-thread
    sess._objects.close()
    for k, d in _objects(40):
        assert (tmp_path / k).read_bytes() == d
    assert sorted(published) == sorted(k for k, _ in _objects(40))
    assert not list(tmp_path.rglob(".tmp-*"))


def test_helper_killed_between_batches_loses_no_object(tmp_path: Path) -> None:
    sess = _session(tmp_path)
    first = [sess.put_object(k, d) for k, d in _objects(20)]
    assert all(f.result(30) == "stored" for f in first)
    assert sess._objects is not None
    pid = sess._objects.helper.pid
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    rest = [sess.put_object(k, d) for k, d in _objects(20, start=20)]
    assert [f.result(30) for f in rest] == ["stored"] * 20  # written in-thread from then on
    assert sess._objects.helper.failed
    sess._objects.close()
    assert sorted(p.name for p in tmp_path.rglob("*.json")) == sorted(k.rsplit("/", 1)[1] for k, _ in _objects(40))


def test_hung_object_helper_is_replaced_by_the_thread(tmp_path: Path) -> None:
    from crawler.offload import ObjectWriter

    sess = _session(tmp_path)
    w = ObjectWriter(str(tmp_path), sess._put, sess._spooled, timeout=1.0)
    try:
        assert w.submit(*_objects(1)[0], True, None).result(30) == "stored"
        pid = w.helper.pid
        assert pid is not None
        os.kill(pid, signal.SIGSTOP)
        t = time.monotonic()
        futs = [w.submit(k, d, True, None) for k, d in _objects(5, start=1)]
        assert [f.result(30) for f in futs] == ["stored"] * 5
        assert time.monotonic() - t < 20 and w.helper.failed and w.helper.pid is None
    finally:
        w.close()


def test_an_object_the_helper_cannot_write_fails_as_it_does_in_thread(tmp_path: Path) -> None:
    sess = _session(tmp_path)
    (tmp_path / "captures").mkdir()
    (tmp_path / "captures" / "blocked").write_text("a file where a directory should be")
    fut = sess.put_object("captures/blocked/x.json", b"{}")
    in_thread = _session(tmp_path)
    in_thread._no_objects = True  # the store threads, as with GOVWIRE_HELPER_PROCESSES=0
    ref = in_thread.put_object("captures/blocked/y.json", b"{}")
    got = (fut.result(30) if fut.exception(30) is None else type(fut.exception()).__name__)
    want = (ref.result(30) if ref.exception(30) is None else type(ref.exception()).__name__)
    assert got == want
    assert sess._objects is not None and sess._objects.helper.failed is None
    sess._objects.close()
