"""repair_warc: a gzip-per-record WARC cut anywhere keeps every complete record and reads clean."""
from __future__ import annotations

import json
import random
import subprocess
import sys
from io import BytesIO
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archive.repair import rebuild_cdxj, repair_warc, scan_warc


def make_warc(n: int = 6, seed: int = 1) -> tuple[bytes, list[int]]:
    """A warcio-written gzip WARC: warcinfo + n response/request pairs; returns (bytes, member ends)."""
    rng = random.Random(seed)
    buf = BytesIO()
    w = WARCWriter(buf, gzip=True, warc_version="1.1")
    w.write_record(w.create_warcinfo_record("test.warc.gz", {"software": "govwire tests"}))
    for i in range(n):
        body = bytes(rng.randrange(256) for _ in range(rng.choice([0, 50, 3000, 20000])))
        http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8"),
                                           ("Content-Length", str(len(body)))], protocol="HTTP/1.1")
        url = f"https://www.gov.uk/government/news/item-{i}"
        w.write_record(w.create_warc_record(url, "response", payload=BytesIO(body),
                                            length=len(body), http_headers=http))
        req = StatusAndHeaders("GET /x HTTP/1.1", [("Host", "www.gov.uk")], is_http_request=True)
        w.write_record(w.create_warc_record(url, "request", payload=BytesIO(b""), length=0,
                                            http_headers=req))
    data = buf.getvalue()
    ends = []
    it = ArchiveIterator(BytesIO(data))
    for _ in it:
        ends.append(it.get_record_offset() + it.get_record_length())
    assert ends[-1] == len(data)
    return data, ends


def read_all(path: Path) -> list[str]:
    with open(path, "rb") as f:
        return [r.rec_headers.get_header("WARC-Record-ID") for r in ArchiveIterator(f, check_digests=True)
                if r.content_stream().read() is not None]


def test_complete_file_is_untouched(tmp_path: Path) -> None:
    data, ends = make_warc()
    p = tmp_path / "a.warc.gz.open"
    p.write_bytes(data)
    res = repair_warc(p)
    assert res.path == tmp_path / "a.warc.gz" and not p.exists()
    assert res.records == len(ends) and res.dropped_bytes == 0 and not res.truncated
    assert res.path.read_bytes() == data


def test_cut_at_every_offset_keeps_every_complete_record(tmp_path: Path) -> None:
    data, ends = make_warc()
    # every offset in and around each boundary, plus a spread over the whole file
    cuts = {c for e in ends for c in range(max(1, e - 40), min(len(data), e + 40))}
    cuts |= set(range(1, len(data), 97))
    for cut in sorted(cuts):
        p = tmp_path / f"cut-{cut}.warc.gz.open"
        p.write_bytes(data[:cut])
        res = repair_warc(p)
        complete = [e for e in ends if e <= cut]
        if not complete:
            assert res.path is None and res.records == 0 and not p.exists()
            continue
        assert res.records == len(complete), cut
        assert res.path is not None and res.path.read_bytes() == data[:complete[-1]], cut
        assert len(read_all(res.path)) == len(complete)
        res.path.unlink()


def test_repaired_files_pass_warcio_check(tmp_path: Path) -> None:
    data, ends = make_warc(seed=7)
    for cut in (ends[0] + 5, ends[3] - 1, ends[3], len(data) - 10):
        p = tmp_path / f"c{cut}.warc.gz.open"
        p.write_bytes(data[:cut])
        res = repair_warc(p)
        assert res.path is not None
        out = subprocess.run([sys.executable, "-m", "warcio.cli", "check", "-v", str(res.path)],
                             capture_output=True, text=True)
        assert out.returncode == 0, out.stdout + out.stderr


def test_corrupt_member_in_the_middle_stops_there(tmp_path: Path) -> None:
    data, ends = make_warc(seed=3)
    bad = bytearray(data)
    bad[ends[2] + 30] ^= 0xFF  # inside the 4th member's deflate stream
    p = tmp_path / "x.warc.gz.open"
    p.write_bytes(bytes(bad) + b"tail")
    records, end = scan_warc(p)
    assert (records, end) == (3, ends[2])
    res = repair_warc(p)
    assert res.path is not None and res.path.read_bytes() == data[:ends[2]]


def test_member_holding_half_a_record_is_dropped(tmp_path: Path) -> None:
    """A gzip member that is itself complete but whose WARC record is short is not a record."""
    import zlib

    data, ends = make_warc(n=1)
    comp = zlib.compressobj(6, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    half = comp.compress(b"WARC/1.1\r\nWARC-Type: resource\r\nContent-Length: 100\r\n\r\nonly-ten!!") + comp.flush()
    p = tmp_path / "h.warc.gz.open"
    p.write_bytes(data + half)
    assert scan_warc(p) == (len(ends), len(data))


def test_garbage_is_removed(tmp_path: Path) -> None:
    p = tmp_path / "g.warc.gz.open"
    p.write_bytes(b"not a warc at all" * 10)
    res = repair_warc(p)
    assert res.path is None and not p.exists()


def test_rebuild_cdxj_points_at_responses(tmp_path: Path) -> None:
    data, ends = make_warc(n=3)
    p = tmp_path / "w.warc.gz"
    p.write_bytes(data)
    lines = rebuild_cdxj(p, "warcs/site/2024/01/01/w.warc.gz").splitlines()
    assert len(lines) == 3 and lines == sorted(lines)
    for line in lines:
        fields = json.loads(line.split(" ", 2)[2])
        assert fields["status"] == "200" and fields["mime"] == "text/html"
        rec = next(iter(ArchiveIterator(BytesIO(data[int(fields["offset"]):
                                                      int(fields["offset"]) + int(fields["length"])]))))
        assert rec.rec_type == "response" and rec.rec_headers.get_header("WARC-Target-URI") == fields["url"]


@pytest.mark.parametrize("name", ["a.warc.gz", "a.warc.gz.open"])
def test_name_handling(tmp_path: Path, name: str) -> None:
    data, _ = make_warc(n=1)
    p = tmp_path / name
    p.write_bytes(data[:-3])
    assert repair_warc(p).path == tmp_path / "a.warc.gz"
