"""Mend WARC files left `.open` by a killed writer.

Our WARCs are gzip-per-record, so every complete record is a complete gzip member. A process
killed mid-write leaves a partial member (or a partial record split over members) at the end;
we keep the file up to the end of the last member that (a) inflates to EOF with a valid gzip
CRC/ISIZE trailer and (b) holds exactly one whole WARC record (headers, Content-Length bytes,
CRLFCRLF). Everything before that point is untouched, so existing (offset, length) pointers
into the file stay valid.
"""
from __future__ import annotations

import logging
import os
import re
import zlib
from dataclasses import dataclass
from pathlib import Path

__all__ = ["RepairResult", "RecordSeen", "scan_warc", "repair_warc", "rebuild_cdxj", "response_records"]

logger = logging.getLogger(__name__)

_CHUNK = 1 << 20
_MAX_HEAD = 1 << 20  # a WARC header block larger than this is not one of ours
_CL_RE = re.compile(rb"^content-length:[ \t]*(\d+)[ \t]*\r?$", re.I | re.M)


@dataclass
class RepairResult:
    """What repair_warc did. `path` is the closed file, or None when nothing was worth keeping."""

    path: Path | None
    records: int
    kept_bytes: int
    dropped_bytes: int

    @property
    def truncated(self) -> bool:
        return self.dropped_bytes > 0


class _Member:
    """Tracks one gzip member's inflated stream just enough to judge the record inside it."""

    def __init__(self) -> None:
        self.inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
        self.head = bytearray()
        self.head_len: int | None = None
        self.content_length: int | None = None
        self.total = 0
        self.tail = b""
        self.consumed = 0
        self.bad = False

    def feed(self, out: bytes) -> None:
        self.total += len(out)
        self.tail = (self.tail + out[-4:])[-4:]
        if self.head_len is None and not self.bad:
            self.head += out[: _MAX_HEAD + 4]
            end = self.head.find(b"\r\n\r\n")
            if end >= 0:
                block = bytes(self.head[:end + 2])
                m = _CL_RE.search(block)
                if not block.startswith(b"WARC/") or m is None:
                    self.bad = True
                else:
                    self.head_len = end + 4
                    self.content_length = int(m.group(1))
                self.head = bytearray()
            elif len(self.head) > _MAX_HEAD:
                self.bad = True

    def complete_record(self) -> bool:
        if self.bad or self.head_len is None or self.content_length is None:
            return False
        return self.total == self.head_len + self.content_length + 4 and self.tail == b"\r\n\r\n"


def scan_warc(path: str | os.PathLike[str]) -> tuple[int, int]:
    """(records, end offset) of the leading run of complete gzip-member records in a file.

    Streams the file (constant memory), stopping at the first member that is cut, corrupt or
    does not hold exactly one whole WARC record.
    """
    records = good_end = 0
    member_start = 0
    with open(path, "rb") as f:
        m: _Member | None = None
        pending = b""
        while True:
            chunk = pending or f.read(_CHUNK)
            pending = b""
            if not chunk:
                break  # EOF: a member still open here was cut short
            if m is None:
                m = _Member()
            try:
                out = m.inflater.decompress(chunk)
            except zlib.error:
                break
            m.feed(out)
            m.consumed += len(chunk)
            if m.bad:
                break
            if m.inflater.eof:
                rest = m.inflater.unused_data
                m.consumed -= len(rest)
                if not m.complete_record():
                    break
                records += 1
                member_start += m.consumed
                good_end = member_start
                m = None
                pending = rest
    return records, good_end


def repair_warc(path: str | os.PathLike[str]) -> RepairResult:
    """Truncate a cut gzip-per-record WARC to its last complete record and close it.

    A `<name>.open` file is renamed to `<name>`; a file with no complete record is removed
    (path None). The caller must make sure no live writer owns the file (sync holds its flock).
    """
    p = Path(path)
    size = p.stat().st_size
    records, end = scan_warc(p)
    final = p.with_name(p.name.removesuffix(".open"))
    if records == 0:
        p.unlink()
        logger.warning("removed %s: no complete WARC record in %d bytes", p, size)
        return RepairResult(None, 0, 0, size)
    if end < size:
        with open(p, "r+b") as f:
            f.truncate(end)
            f.flush()
            os.fsync(f.fileno())
        logger.warning("truncated %s from %d to %d bytes (%d complete records)", p, size, end, records)
    if final != p:
        os.replace(p, final)
    return RepairResult(final, records, end, size - end)


def rebuild_cdxj(warc_path: str | os.PathLike[str], filename: str) -> str:
    """The CDXJ index a closed WARC would have had (response and revisit records), sorted.

    Needed for files repaired after a crash: the writer keeps its index in memory until close.
    """
    from warcio.archiveiterator import ArchiveIterator

    from archive.index import cdxj_line
    from archive.warc import RecordPointer

    lines = []
    with open(warc_path, "rb") as f:
        it = ArchiveIterator(f)
        for rec in it:
            if rec.rec_type not in ("response", "revisit"):
                continue
            h = rec.rec_headers
            url = h.get_header("WARC-Target-URI") or ""
            status = int(rec.http_headers.get_statuscode() or 0) if rec.http_headers else 0
            if rec.rec_type == "revisit":
                mime = "warc/revisit"
            else:
                ctype = rec.http_headers.get_header("Content-Type") if rec.http_headers else None
                mime = (ctype or "").split(";")[0].strip().lower()
            ptr = RecordPointer(filename, it.get_record_offset(), it.get_record_length(),
                                h.get_header("WARC-Record-ID") or "", h.get_header("WARC-Date") or "",
                                h.get_header("WARC-Payload-Digest"), rec.rec_type)
            lines.append(cdxj_line(url, ptr, status=status, mime=mime, filename=filename))
    return "".join(sorted(lines))


@dataclass
class RecordSeen:
    """A response record found in a repaired WARC: enough to rebuild the crawl state entry."""

    url: str
    record_id: str
    date: str
    payload_digest: str
    offset: int
    length: int
    status: int
    etag: str | None
    last_modified: str | None


def response_records(warc_path: str | os.PathLike[str]) -> list[RecordSeen]:
    """Every response record of a (closed) WARC with where it is and its validators.

    `govwire sync` uses them after a crash: the records the killed run made durable but whose
    state entries never reached a checkpoint go back into the state, so the next crawl revisits
    those pages instead of fetching and storing them a second time.
    """
    from warcio.archiveiterator import ArchiveIterator

    out: list[RecordSeen] = []
    with open(warc_path, "rb") as f:
        it = ArchiveIterator(f)
        for rec in it:
            if rec.rec_type != "response" or rec.http_headers is None:
                continue
            h, hh = rec.rec_headers, rec.http_headers
            out.append(RecordSeen(
                url=h.get_header("WARC-Target-URI") or "", record_id=h.get_header("WARC-Record-ID") or "",
                date=h.get_header("WARC-Date") or "", payload_digest=h.get_header("WARC-Payload-Digest") or "",
                offset=it.get_record_offset(), length=it.get_record_length(),
                status=int(hh.get_statuscode() or 0), etag=hh.get_header("ETag"),
                last_modified=hh.get_header("Last-Modified")))
    return out
