"""archive/ without Scrapy: WARC records, keys, local store safety, state and locks."""
from __future__ import annotations

import gzip
import io
import json
import os
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from archive import keys
from archive.errors import StoreConflict
from archive.locks import LockBusy, SiteLock
from archive.state import CrawlState, UrlState
from archive.storage import LocalStore, check_key, open_store
from archive.warc import Exchange, PriorCapture, RotatingWarcWriter, payload_digest

WHEN = datetime(2025, 10, 9, 10, 15, 0, 123456, tzinfo=timezone.utc)


def exchange(body: bytes = b"<html>hello</html>", **kw: object) -> Exchange:
    base = dict(url="https://www.gov.uk/government/news/x?a=1", method="GET",
                request_headers=[(b"User-Agent", b"govwire-test"), (b"Accept-Encoding", b"gzip, deflate")],
                request_body=b"", status=200,
                response_headers=[(b"Content-Type", b"text/html"), (b"Set-Cookie", b"a=1"),
                                  (b"Set-Cookie", b"b=2")],
                body=body, ip_address="127.0.0.1", date=WHEN)
    base.update(kw)
    return Exchange(**base)  # type: ignore[arg-type]


def write(tmp_path: Path, *exchanges: Exchange, prior: PriorCapture | None = None) -> Path:
    closed = []
    w = RotatingWarcWriter(tmp_path, "govuk", on_close=closed.append)
    for ex in exchanges:
        w.write_exchange(ex, prior=prior)
    w.close()
    return closed[0].path


def test_response_record_bytes(tmp_path: Path) -> None:
    raw_head = b"HTTP/1.1 200 Fine\r\ncontent-type: text/html\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n\r\n"
    path = write(tmp_path, exchange(raw_response_head=raw_head,
                                    raw_request_head=b"GET /government/news/x?a=1 HTTP/1.1\r\nHost: www.gov.uk\r\n\r\n"))
    with open(path, "rb") as fh:
        recs = list(ArchiveIterator(fh))
    assert [r.rec_type for r in recs] == ["warcinfo", "response", "request"]
    data = gzip.decompress(path.read_bytes())
    assert raw_head + b"<html>hello</html>" in data
    assert b"GET /government/news/x?a=1 HTTP/1.1\r\nHost: www.gov.uk\r\n\r\n" in data
    assert b"WARC-Date: 2025-10-09T10:15:00.123456Z\r\n" in data
    assert b"WARC-Payload-Digest: " + payload_digest(b"<html>hello</html>").encode() in data
    # WARC-Type first, as readers expect
    assert b"WARC/1.1\r\nWARC-Type: response\r\nWARC-Record-ID: <urn:uuid:" in data


def test_reconstructed_head_when_no_raw_head(tmp_path: Path) -> None:
    path = write(tmp_path, exchange(status=404, body=b"gone"))
    data = gzip.decompress(path.read_bytes())
    assert b"HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n\r\ngone" in data
    assert b"GET /government/news/x?a=1 HTTP/1.1\r\nHost: www.gov.uk\r\nUser-Agent: govwire-test" in data


def test_warcio_check_passes(tmp_path: Path) -> None:
    path = write(tmp_path, exchange(), exchange(body=gzip.compress(b"x" * 5000),
                                                response_headers=[(b"Content-Encoding", b"gzip")]))
    r = subprocess.run([sys.executable, "-m", "warcio.cli", "check", "-v", str(path)], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.count("digest pass") == 5  # warcinfo + 2x(response, request)


def test_identical_payload_becomes_revisit(tmp_path: Path) -> None:
    body = b"<html>same</html>"
    prior = PriorCapture("https://www.gov.uk/government/news/x?a=1", "2025-10-01T00:00:00Z",
                         "<urn:uuid:11111111-2222-3333-4444-555555555555>", payload_digest(body))
    path = write(tmp_path, exchange(body=body), prior=prior)
    with open(path, "rb") as fh:
        rev = [r for r in ArchiveIterator(fh) if r.rec_type == "revisit"]
    assert len(rev) == 1
    h = rev[0].rec_headers
    assert h.get_header("WARC-Profile").endswith("/identical-payload-digest")
    assert h.get_header("WARC-Refers-To") == prior.record_id
    assert h.get_header("WARC-Refers-To-Date") == prior.date
    assert h.get_header("WARC-Payload-Digest") == prior.payload_digest


def test_changed_payload_is_a_full_response(tmp_path: Path) -> None:
    prior = PriorCapture("u", "2025-10-01T00:00:00Z", "<urn:uuid:x>", payload_digest(b"old"))
    path = write(tmp_path, exchange(body=b"new"), prior=prior)
    with open(path, "rb") as fh:
        assert "response" in [r.rec_type for r in ArchiveIterator(fh)]


def test_open_file_until_closed(tmp_path: Path) -> None:
    w = RotatingWarcWriter(tmp_path, "govuk")
    w.write_exchange(exchange())
    assert list(tmp_path.rglob("*.warc.gz.open")) and not list(tmp_path.rglob("*.warc.gz"))
    w.close()
    assert not list(tmp_path.rglob("*.open")) and len(list(tmp_path.rglob("*.warc.gz"))) == 1
    assert len(list(tmp_path.rglob("*.cdxj"))) == 1


@pytest.mark.parametrize("url", [
    "https://x/../../etc/passwd", "https://x/%2e%2e/%2e%2e/etc", "https://x/" + "a" * 5000,
    "https://x/\u202e\u0000odd/\U0001F600", "https://x/..\\..\\windows",
])
def test_hostile_urls_never_escape_the_store(tmp_path: Path, url: str) -> None:
    store = LocalStore(tmp_path / "store")
    for key in (keys.doc_key("../../x", url, "sha1:../../"), keys.capture_key(url, WHEN, "<urn:uuid:../..>")):
        store.put_bytes(key, b"{}")
        p = store.local_path(key)
        assert p is not None and store.root in p.parents
        assert len(key) < 200
    assert not any(p for p in tmp_path.iterdir() if p.name != "store")


@pytest.mark.parametrize("key", ["../x", "/abs", "a/../../b", "a//b", "a/./b", "a\\b", "x\x00y", ""])
def test_bad_keys_are_refused(tmp_path: Path, key: str) -> None:
    with pytest.raises(ValueError):
        check_key(key)
    with pytest.raises(ValueError):
        LocalStore(tmp_path).put_bytes(key, b"x")


def test_site_names_are_sanitised() -> None:
    assert keys.safe_site("../..") == "other"
    assert keys.safe_site("Gov UK/..") == "gov_uk"


def test_local_store_conditional_writes(tmp_path: Path) -> None:
    s = open_store(str(tmp_path))
    etag = s.put_bytes("state/x.json", b"1", if_absent=True)
    with pytest.raises(StoreConflict):
        s.put_bytes("state/x.json", b"2", if_absent=True)
    with pytest.raises(StoreConflict):
        s.put_bytes("state/x.json", b"2", if_match="not-the-etag")
    s.put_bytes("state/x.json", b"2", if_match=etag)
    assert s.get_bytes("state/x.json") == b"2"
    assert list(s.list("state/")) == ["state/x.json"]
    assert s.get_range("state/x.json", 0, 1) == b"2"


def test_state_roundtrip_and_merge_on_conflict(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    a = CrawlState(store, "govuk").load()
    b = CrawlState(store, "govuk").load()
    a.put("u1", UrlState("sha1:A", "<id1>", "d1", "u1", etag='"e1"'))
    a.save()
    b.put("u2", UrlState("sha1:B", "<id2>", "d2", "u2"))
    b.save()  # conflicts with a's save, merges and retries
    c = CrawlState(store, "govuk").load()
    assert set(c.urls) == {"u1", "u2"} and c.get("u1").etag == '"e1"'  # type: ignore[union-attr]


def test_lock_held_by_live_process_and_stale_takeover(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    first = SiteLock(store, "govuk")
    first.acquire()
    with pytest.raises(LockBusy):
        SiteLock(store, "govuk").acquire()
    first.release()
    # a lock left by a dead process on this host is taken over
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    store.put_bytes(keys.lock_key("govuk"), json.dumps(
        {"site": "govuk", "host": os.uname().nodename, "pid": int(dead.stdout), "heartbeat": 0}).encode())
    taker = SiteLock(store, "govuk")
    taker.acquire()
    assert taker.took_over and taker.took_over["pid"] == int(dead.stdout)
    taker.release()
    assert not store.exists(keys.lock_key("govuk"))


def test_cdxj_lines_sorted_with_pywb_fields(tmp_path: Path) -> None:
    closed = []
    w = RotatingWarcWriter(tmp_path, "govuk", on_close=closed.append)
    for path in ("b", "a", "c"):
        w.write_exchange(exchange(url=f"https://www.gov.uk/{path}"))
    w.close()
    lines = closed[0].index_path.read_text().splitlines()
    assert lines == sorted(lines) and len(lines) == 3
    key, ts, js = lines[0].split(" ", 2)
    assert key == "uk,gov)/a" and ts == "20251009101500"
    f = json.loads(js)
    assert set(f) >= {"url", "mime", "status", "digest", "length", "offset", "filename"}
    with open(closed[0].path, "rb") as fh:
        fh.seek(int(f["offset"]))
        rec = next(iter(ArchiveIterator(io.BytesIO(fh.read(int(f["length"]))))))
    assert rec.rec_headers.get_header("WARC-Target-URI") == "https://www.gov.uk/a"


def test_merged_index_is_sorted_and_complete(tmp_path: Path) -> None:
    from crawler.commands.index import merged

    store = LocalStore(tmp_path / "store")
    for site, paths in (("govuk", ("z", "b")), ("mirage", ("a", "y"))):
        closed = []
        w = RotatingWarcWriter(store.spool_dir, site, on_close=closed.append)
        for p in paths:
            w.write_exchange(exchange(url=f"https://www.gov.uk/{p}"))
        w.close()
        for c in closed:
            store.put_file(c.key, c.path)
            store.put_file(c.index_key, c.index_path)
    lines = list(merged(store))
    assert len(lines) == 4 and lines == sorted(lines)
    assert [json.loads(ln.split(" ", 2)[2])["url"].rsplit("/", 1)[1] for ln in lines] == ["a", "b", "y", "z"]
    assert len(list(merged(store, ["mirage"]))) == 2


@pytest.mark.parametrize("size", [0, 1, 2046, 2047, 2048, 4095, 111_111])
def test_payload_digest_in_slices_is_the_sha1_of_the_body(size: int) -> None:
    import base64
    import hashlib

    from archive.warc import payload_digest

    body = bytes(range(256)) * (size // 256) + bytes(range(size % 256))
    assert payload_digest(body) == "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode("ascii")
