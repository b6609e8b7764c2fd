"""The spool: nothing is lost while the store is down, and `sync` uploads it all exactly once."""
from __future__ import annotations

import fcntl
import json
import time
from io import BytesIO
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from archive.errors import StoreConflict
from archive.spool import Spool
from archive.storage import LocalStore, open_store
from crawler.cli import main
from tests.fixtures_s3 import SECRET_KEY, WeedServer
from tests.test_repair import make_warc

WARC_KEY = "warcs/gov_uk/2024/05/01/govwire-gov_uk-20240501120000000-00001-host-abcd1234.warc.gz"
INDEX_KEY = "indexes/gov_uk/2024/05/01/govwire-gov_uk-20240501120000000-00001-host-abcd1234.cdxj"


def spool_warc(spool: Spool, key: str = WARC_KEY, *, data: bytes | None = None, cut: int | None = None,
               open_: bool = False) -> bytes:
    data = data if data is not None else make_warc()[0]
    p = spool.path_for(key)
    p.parent.mkdir(parents=True, exist_ok=True)
    if open_:
        p = p.with_name(p.name + ".open")
    p.write_bytes(data[:cut] if cut else data)
    return data


# -- any store -----------------------------------------------------------------------------------
def test_local_store_same_code_path(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "store")
    spool = Spool(store)
    assert spool.dir == tmp_path / "store" / ".spool"
    assert spool.put_bytes("docs/a.json", b"{}") is True
    assert store.get_bytes("docs/a.json") == b"{}"
    data = spool_warc(spool)
    assert spool.pending() == [WARC_KEY]
    assert spool.publish(WARC_KEY) is True
    assert store.get_bytes(WARC_KEY) == data and spool.pending() == []
    assert not (spool.dir / "warcs").exists()  # empty spool directories are pruned
    # a crash after the upload but before the spool copy was deleted: publishing again is fine
    spool.path_for(WARC_KEY).parent.mkdir(parents=True)
    spool.path_for(WARC_KEY).write_bytes(data)
    assert spool.publish(WARC_KEY) is True and spool.pending() == []
    # but a different file under the same key is a real conflict: kept, never overwritten
    other = spool_warc(spool)
    with pytest.raises(StoreConflict):
        spool.publish(WARC_KEY)
    assert spool.path_for(WARC_KEY).read_bytes() == other and store.get_bytes(WARC_KEY) == data
    spool.path_for(WARC_KEY).unlink()
    assert list(store.list("")) == ["docs/a.json", WARC_KEY]


def test_path_for_refuses_escapes(tmp_path: Path) -> None:
    spool = Spool(LocalStore(tmp_path / "s"))
    assert spool.path_for("docs/x.json") == (tmp_path / "s/.spool/docs/x.json").resolve()
    for bad in ("../x", "docs/../../x", "/etc/passwd", "a//b", "x.warc.gz.open", "docs/.hidden", ""):
        with pytest.raises(ValueError):
            spool.path_for(bad)


def test_pending_order_publishes_data_before_pointers(tmp_path: Path) -> None:
    spool = Spool(LocalStore(tmp_path / "s"))
    for key in ("state/gov_uk.json", "captures/ab/x.json", "docs/gov_uk/ab/x.json", INDEX_KEY):
        p = spool.path_for(key)
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(b"{}")
    spool_warc(spool)
    (spool.path_for(WARC_KEY).parent / "other.warc.gz.open").write_bytes(b"")
    assert spool.pending() == [WARC_KEY, INDEX_KEY, "docs/gov_uk/ab/x.json", "captures/ab/x.json",
                               "state/gov_uk.json"]


def test_local_sync_repairs_dead_open_file(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "s")
    spool = Spool(store)
    data, ends = make_warc()
    spool_warc(spool, data=data, cut=ends[4] + 100, open_=True)
    report = spool.sync()
    # the WARC, its rebuilt index, and the state rebuilt from its two complete responses
    assert (report.repaired, report.uploaded, report.failed, report.pending) == (1, 3, 0, 0)
    assert store.get_bytes(WARC_KEY) == data[:ends[4]]
    assert store.exists(INDEX_KEY) and spool.pending() == [] and spool.open_files() == []
    state = json.loads(store.get_bytes("state/gov_uk.json"))["urls"]
    assert report.state_entries_recovered == len(state) == 2
    for entry in state.values():
        assert entry["warc"]["file"] == WARC_KEY and entry["warc"]["offset"] + entry["warc"]["length"] <= ends[4]


# -- S3, with a real outage ------------------------------------------------------------------------
def test_outage_spools_then_sync_uploads_everything_once(s3_bucket: str, s3_env: WeedServer) -> None:
    store = open_store(s3_bucket)
    spool = Spool(store)
    assert spool.put_bytes("state/gov_uk.json", _state("u1")) is True
    s3_env.stop()
    try:
        t = time.monotonic()
        objects = {f"docs/gov_uk/{i:02x}/{i}.json": json.dumps({"i": i}).encode() for i in range(20)}
        for key, data in objects.items():
            assert spool.put_bytes(key, data) is False
        assert time.monotonic() - t < 15  # one timeout, then straight to the spool
        assert spool.put_bytes("state/gov_uk.json", _state("u2")) is False
        data = spool_warc(spool)
        assert spool.publish(WARC_KEY) is False
        assert spool.path_for(WARC_KEY).read_bytes() == data  # kept, byte for byte
        assert len(spool.pending()) == 22
        down = spool.sync()
        assert down.uploaded == 0 and down.failed == 22 and down.pending == 22
        assert down.error and down.error.startswith("cannot reach S3 endpoint")
    finally:
        s3_env.start()
    report = spool.sync()
    assert (report.uploaded, report.failed, report.pending) == (22, 0, 0), report
    assert spool.pending() == []
    objects["state/gov_uk.json"] = b""
    objects[WARC_KEY] = data
    assert list(store.list("")) == sorted(objects)  # each key exactly once, nothing else
    for key, want in objects.items():
        if key.startswith("state/"):  # the spooled snapshot was merged into the store's copy
            assert set(json.loads(store.get_bytes(key))["urls"]) == {"u1", "u2"}
        else:
            assert store.get_bytes(key) == want
    again = spool.sync()
    assert again.uploaded == 0 and again.ok


def _state(*urls: str) -> bytes:
    return json.dumps({"site": "gov_uk", "urls": {u: {"payload_digest": "sha1:X", "record_id": f"<{u}>",
                                                      "date": "2025-01-01T00:00:00Z", "url": u}
                                                  for u in urls}}).encode()


def test_newer_direct_write_beats_older_spooled_copy(s3_bucket: str, s3_env: WeedServer) -> None:
    store = open_store(s3_bucket)
    spool = Spool(store, retry_after=0)
    s3_env.stop()
    try:
        assert spool.put_bytes("state/gov_uk.json", b"old") is False
    finally:
        s3_env.start()
    assert spool.put_bytes("state/gov_uk.json", b"new") is True
    assert spool.sync().uploaded == 0
    assert store.get_bytes("state/gov_uk.json") == b"new"


def test_killed_writer_open_warc_is_repaired_and_uploaded(s3_bucket: str, s3_env: WeedServer) -> None:
    store = open_store(s3_bucket)
    spool = Spool(store)
    data, ends = make_warc()
    spool_warc(spool, data=data, cut=ends[5] + 7, open_=True)  # killed mid-record, no lock held
    report = spool.sync()
    # the WARC, its index and the state rebuilt from its responses
    assert (report.repaired, report.uploaded, report.pending, report.skipped_live) == (1, 3, 0, 0)
    got = store.get_bytes(WARC_KEY)
    assert got == data[:ends[5]]
    records = [r.rec_type for r in ArchiveIterator(BytesIO(got), check_digests=True)
               if r.content_stream().read() is not None]
    assert len(records) == 6 and records[0] == "warcinfo"
    index = store.get_bytes(INDEX_KEY).decode().splitlines()
    assert len(index) == records.count("response")
    for line in index:
        f = json.loads(line.split(" ", 2)[2])
        assert f["filename"] == WARC_KEY
        rec = store.get_range(WARC_KEY, int(f["offset"]), int(f["length"]))
        assert next(iter(ArchiveIterator(BytesIO(rec)))).rec_type == "response"


def test_live_open_warc_is_left_alone(s3_bucket: str, s3_env: WeedServer) -> None:
    store = open_store(s3_bucket)
    spool = Spool(store)
    data, ends = make_warc()
    spool_warc(spool, data=data, cut=ends[2] + 10, open_=True)
    live = spool.path_for(WARC_KEY).with_name(Path(WARC_KEY).name + ".open")
    with open(live, "ab") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)  # as the WARC writer does
        report = spool.sync()
        assert report.skipped_live == 1 and report.repaired == 0 and report.uploaded == 0
        assert live.read_bytes() == data[:ends[2] + 10]
    assert list(store.list("")) == []
    after = spool.sync()  # the writer died without closing: now it is mended
    assert after.repaired == 1 and store.get_bytes(WARC_KEY) == data[:ends[2]]


def test_cli_sync_json(s3_bucket: str, s3_env: WeedServer, capsys: pytest.CaptureFixture[str]) -> None:
    spool = Spool(open_store(s3_bucket))
    s3_env.stop()
    try:
        assert spool.put_bytes("docs/a.json", b"{}") is False
        assert main(["sync", "--store", s3_bucket]) == 1
        out, err = capsys.readouterr()
        assert "pending 1" in out and err.count("\n") == 1 and "cannot reach S3 endpoint" in err
    finally:
        s3_env.start()
    assert main(["sync", "--store", s3_bucket, "--json"]) == 0
    out, err = capsys.readouterr()
    report = json.loads(out)
    assert report["uploaded"] == 1 and report["pending"] == 0 and report["store"] == s3_bucket
    assert SECRET_KEY not in out + err
