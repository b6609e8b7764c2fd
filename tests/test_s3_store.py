"""The Store contract on LocalStore and S3Store (real SeaweedFS), and S3 failure messages."""
from __future__ import annotations

import hashlib
import logging
import os
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from archive.errors import BadStoreURI, NotFound, StoreConflict, StoreUnavailable
from archive.s3store import S3Store, UploadNotVerified, _LocalChecksums
from archive.storage import LocalStore, Store, open_store
from crawler.cli import main
from tests.fixtures_s3 import SECRET_KEY, WeedServer

MB = 1024 * 1024


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    if request.param == "local":
        return LocalStore(tmp_path / "store")
    uri = request.getfixturevalue("s3_bucket")
    # small parts so a 12 MB file is a real 3-part multipart upload
    return open_store(uri, multipart_threshold=5 * MB, part_size=5 * MB)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# -- contract ---------------------------------------------------------------------------------
def test_roundtrip_and_etag(store: Store) -> None:
    assert isinstance(store, Store)
    etag = store.put_bytes("docs/a/x.json", b'{"a": 1}', content_type="application/json")
    assert store.get_bytes("docs/a/x.json") == b'{"a": 1}'
    data, etag2 = store.get_with_etag("docs/a/x.json")
    assert data == b'{"a": 1}' and etag2 == etag
    assert store.exists("docs/a/x.json") and not store.exists("docs/a/y.json")
    with pytest.raises(NotFound):
        store.get_bytes("docs/a/y.json")
    assert store.local_path("docs/a/x.json") is None or isinstance(store, LocalStore)


def test_list_is_sorted_and_prefixed(store: Store) -> None:
    for k in ("docs/b/2.json", "docs/a/1.json", "docs/a-z/3.json", "state/s.json", "docs/ab.json"):
        store.put_bytes(k, k.encode())
    assert list(store.list("docs/")) == sorted(["docs/a-z/3.json", "docs/a/1.json", "docs/ab.json",
                                                "docs/b/2.json"])
    assert list(store.list("docs/a")) == sorted(["docs/a-z/3.json", "docs/a/1.json", "docs/ab.json"])
    assert list(store.list("nothing/")) == []
    assert list(store.list("")) == sorted(["docs/a-z/3.json", "docs/a/1.json", "docs/ab.json",
                                           "docs/b/2.json", "state/s.json"])


def test_get_range(store: Store) -> None:
    store.put_bytes("warcs/r.bin", bytes(range(256)) * 4)
    assert store.get_range("warcs/r.bin", 10, 5) == bytes([10, 11, 12, 13, 14])
    assert store.get_range("warcs/r.bin", 1020, 100) == bytes([252, 253, 254, 255])
    assert store.get_range("warcs/r.bin", 5000, 10) == b""
    with pytest.raises(NotFound):
        store.get_range("warcs/missing.bin", 0, 10)


def test_if_absent_conflict(store: Store) -> None:
    store.put_bytes("locks/site.lock", b"one", if_absent=True)
    with pytest.raises(StoreConflict):
        store.put_bytes("locks/site.lock", b"two", if_absent=True)
    assert store.get_bytes("locks/site.lock") == b"one"


def test_if_match_conflict(store: Store) -> None:
    etag = store.put_bytes("state/s.json", b"v1")
    etag2 = store.put_bytes("state/s.json", b"v2", if_match=etag)
    assert store.get_bytes("state/s.json") == b"v2" and etag2 != etag
    with pytest.raises(StoreConflict):
        store.put_bytes("state/s.json", b"v3", if_match=etag)  # stale
    with pytest.raises(StoreConflict):
        store.put_bytes("state/gone.json", b"v1", if_match=etag)  # never existed
    assert store.get_bytes("state/s.json") == b"v2"


def test_delete(store: Store) -> None:
    etag = store.put_bytes("locks/a.lock", b"x")
    with pytest.raises(StoreConflict):
        store.delete("locks/a.lock", if_match=etag + "0")
    assert store.exists("locks/a.lock")
    store.delete("locks/a.lock", if_match=etag)
    assert not store.exists("locks/a.lock")
    store.delete("locks/a.lock")  # deleting a missing key is not an error


def test_put_file_large_multipart_verified(store: Store, tmp_path: Path) -> None:
    src = tmp_path / "big.warc.gz"
    src.write_bytes(os.urandom(12 * MB + 12345))
    store.put_file("warcs/s/big.warc.gz", src, content_type="application/warc")
    got = store.get_bytes("warcs/s/big.warc.gz")
    assert hashlib.sha256(got).digest() == hashlib.sha256(src.read_bytes()).digest()
    small = tmp_path / "small.cdxj"
    small.write_bytes(b"x 1 {}\n")
    store.put_file("indexes/s/small.cdxj", small)
    assert store.get_bytes("indexes/s/small.cdxj") == b"x 1 {}\n"


def test_listing_more_than_1000_keys(store: Store) -> None:
    keys = [f"captures/{i % 7}/{i:05d}.json" for i in range(1100)]
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda k: store.put_bytes(k, b"{}"), keys))
    assert list(store.list("captures/")) == sorted(keys)


def test_bad_keys_refused(store: Store) -> None:
    for bad in ("../x", "/abs", "a/../../b", "a//b", ""):
        with pytest.raises(ValueError):
            store.put_bytes(bad, b"x")


# -- S3 specifics -------------------------------------------------------------------------------
def test_upload_verification_detects_a_different_object(s3_bucket: str, s3_env: WeedServer,
                                                        tmp_path: Path) -> None:
    st = open_store(s3_bucket, multipart_threshold=5 * MB, part_size=5 * MB)
    assert isinstance(st, S3Store)
    src = tmp_path / "f.bin"
    src.write_bytes(os.urandom(11 * MB))
    st.put_file("warcs/f.bin", src)
    # someone replaces the object with same-sized other bytes: the check must notice
    st.put_bytes("warcs/f.bin", os.urandom(11 * MB))
    with pytest.raises(UploadNotVerified):
        st._verify("warcs/f.bin", _LocalChecksums(src, 5 * MB).compute(), multipart=True)


def test_uri_and_repr_never_carry_credentials(s3_bucket: str, s3_env: WeedServer) -> None:
    st = open_store(s3_bucket)
    assert st.uri == s3_bucket
    for text in (st.uri, repr(st), str(st)):
        assert SECRET_KEY not in text and s3_env.access_key not in text
    with pytest.raises(BadStoreURI) as e:
        open_store(f"s3://{s3_env.access_key}:{SECRET_KEY}@bucket/x")
    assert SECRET_KEY not in str(e.value)


def test_default_spool_dir_is_per_bucket_and_prefix(s3_env: WeedServer, monkeypatch: pytest.MonkeyPatch,
                                                     tmp_path: Path) -> None:
    monkeypatch.delenv("GOVWIRE_SPOOL")
    monkeypatch.setenv("HOME", str(tmp_path))
    a = open_store("s3://bucket-a/one").spool_dir
    b = open_store("s3://bucket-a/two").spool_dir
    assert a != b and a.parent == tmp_path / ".cache/govwire/spool/bucket-a" and a.is_dir()


def _one_line_no_secret(msg: str) -> None:
    assert "\n" not in msg.strip()
    assert SECRET_KEY not in msg and "Traceback" not in msg


@pytest.mark.parametrize("which", ["secret", "access_key"])
def test_bad_credentials(s3_bucket: str, s3_env: WeedServer, monkeypatch: pytest.MonkeyPatch,
                         caplog: pytest.LogCaptureFixture, which: str) -> None:
    caplog.set_level(logging.DEBUG)
    if which == "secret":
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wrong-" + SECRET_KEY)
    else:
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", "NOSUCHKEY")
    st = open_store(s3_bucket)
    bucket = s3_bucket.split("/")[2]
    for op in (lambda: st.put_bytes("a.json", b"{}"), lambda: st.get_bytes("a.json"),
               lambda: st.exists("a.json"), lambda: list(st.list(""))):
        with pytest.raises(StoreUnavailable) as e:
            op()
        msg = str(e.value)
        assert msg.startswith(f"S3 rejected the credentials for bucket {bucket} (")
        _one_line_no_secret(msg)
    assert "wrong-" + SECRET_KEY not in caplog.text and SECRET_KEY not in caplog.text


def test_missing_bucket(s3_env: WeedServer) -> None:
    st = open_store("s3://no-such-bucket-govwire/x")
    for op in (lambda: st.put_bytes("a.json", b"{}"), lambda: st.get_bytes("a.json"),
               lambda: st.exists("a.json"), lambda: list(st.list(""))):
        with pytest.raises(StoreUnavailable) as e:
            op()
        assert str(e.value) == "bucket no-such-bucket-govwire does not exist"


def test_unreachable_endpoint_fails_fast(s3_env: WeedServer, monkeypatch: pytest.MonkeyPatch) -> None:
    port = _free_port()
    monkeypatch.setenv("GOVWIRE_S3_ENDPOINT_URL", f"http://127.0.0.1:{port}")
    st = open_store("s3://bucket-x/p")
    t = time.monotonic()
    with pytest.raises(StoreUnavailable) as e:
        st.put_bytes("a.json", b"{}")
    assert time.monotonic() - t < 10
    assert str(e.value) == f"cannot reach S3 endpoint http://127.0.0.1:{port}: connection refused"


@pytest.mark.parametrize("case", ["credentials", "bucket", "endpoint"])
def test_cli_sync_reports_one_line(s3_bucket: str, s3_env: WeedServer, monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture,
                                   case: str) -> None:
    caplog.set_level(logging.DEBUG)
    uri = s3_bucket
    if case == "credentials":
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wrong-" + SECRET_KEY)
        expect = "S3 rejected the credentials"
    elif case == "bucket":
        uri = "s3://no-such-bucket-govwire/x"
        expect = "bucket no-such-bucket-govwire does not exist"
    else:
        monkeypatch.setenv("GOVWIRE_S3_ENDPOINT_URL", f"http://127.0.0.1:{_free_port()}")
        expect = "cannot reach S3 endpoint http://127.0.0.1:"
    rc = main(["sync", "--store", uri])
    out, err = capsys.readouterr()
    assert rc == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("govwire: error: ") and expect in lines[0], err
    assert "Traceback" not in out + err
    for text in (out, err, caplog.text):  # botocore's own DEBUG log included
        assert SECRET_KEY not in text
