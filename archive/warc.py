"""WARC/1.1 writing: request, response and revisit records from what crossed the wire.

warcio builds and digests the records; we hand it the HTTP header block as exact bytes (warcio
would otherwise re-serialise and %-encode them) and gzip each record ourselves so we know its
offset and length for the index and the document's WARC pointer. docs/warc-fidelity.md says
field by field what is byte-exact and what is reconstructed.
"""
from __future__ import annotations

import base64
import fcntl
import hashlib
import json
import os
import secrets
import socket
import types
import zlib

_deflate: types.ModuleType
try:  # zlib-ng: same gzip format, ~2x faster at the same level (the WARC writer's main CPU cost)
    from zlib_ng import zlib_ng as _deflate
except ImportError:  # pragma: no cover - plain zlib is the fallback
    _deflate = zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http import HTTPStatus
from io import BytesIO
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urlsplit

from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import datetime_to_iso_date
from warcio.warcwriter import WARCWriter

from archive.index import cdxj_from_parts, surt_key
from archive.keys import index_key, warc_key

__all__ = ["Exchange", "RecordPointer", "PriorCapture", "ClosedWarc", "RotatingWarcWriter",
           "BuiltRecord", "SerializedExchange", "serialize_exchange", "reason_phrase"]

PROFILE_IDENTICAL = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
PROFILE_NOT_MODIFIED = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"
DEFAULT_MAX_SIZE = 1_000_000_000


def reason_phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


@dataclass
class Exchange:
    """One HTTP request/response pair as it crossed the wire (as far as the client lets us see)."""

    url: str
    method: str
    request_headers: list[tuple[bytes, bytes]]
    request_body: bytes
    status: int
    response_headers: list[tuple[bytes, bytes]]
    body: bytes                       # payload as received: still Content-Encoded, no chunk framing
    protocol: str = "HTTP/1.1"
    reason: str | None = None         # None: unknown, use the standard phrase
    ip_address: str | None = None
    date: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    record_id: str | None = None            # pre-assigned WARC-Record-ID of the response/revisit record
    payload_digest: str | None = None       # sha1 of body if the caller already computed it
    raw_request_head: bytes | None = None   # exact bytes written, when the client could record them
    raw_response_head: bytes | None = None  # exact status line + header lines received
    request_date: datetime | None = None    # when the request was sent (default: `date`)
    truncated: str | None = None            # WARC-Truncated reason ("length": body cut at the cap)


@dataclass
class RecordPointer:
    """Where a record lives: the store key of its WARC file and its gzip member's offset/length."""

    file: str
    offset: int
    length: int
    record_id: str
    date: str
    payload_digest: str | None = None
    record_type: str = "response"

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "offset": self.offset, "length": self.length,
                "record_id": self.record_id}


@dataclass
class PriorCapture:
    """The capture a revisit record refers to."""

    url: str
    date: str             # WARC-Date of the original response record
    record_id: str
    payload_digest: str


@dataclass
class ClosedWarc:
    """A WARC file that is complete, renamed in the spool and ready to publish."""

    key: str
    path: Path
    index_key: str
    index_path: Path
    records: int


def _header_block(first_line: str, headers: list[tuple[bytes, bytes]]) -> bytes:
    out = [first_line.encode("latin-1")]
    out.extend(name + b": " + value for name, value in headers)
    return b"\r\n".join(out) + b"\r\n\r\n"


class _RawHeaders(StatusAndHeaders):  # type: ignore[misc]
    """StatusAndHeaders whose wire form is the exact bytes we were given."""

    def __init__(self, raw: bytes, statusline: str, headers: list[tuple[str, str]], protocol: str):
        super().__init__(statusline, headers, protocol=protocol)
        self.raw = raw

    def compute_headers_buffer(self, header_filter: Any = None) -> None:
        self.headers_buff = self.raw


def _strip_chunked(headers: list[tuple[bytes, bytes]]) -> tuple[list[tuple[bytes, bytes]], bytes | None]:
    """Twisted removes chunk framing; a Transfer-Encoding header left in place would lie about
    the block, so it moves to a WARC header (WARC 1.1 §6.3 allows de-chunked payloads)."""
    kept, removed = [], None
    for name, value in headers:
        if name.lower() == b"transfer-encoding":
            removed = value
        else:
            kept.append((name, value))
    return kept, removed


def _drop_transfer_encoding(head: bytes) -> tuple[bytes, bytes | None]:
    kept, te = [], None
    for line in head.split(b"\n"):
        name, sep, value = line.partition(b":")
        if sep and name.strip().lower() == b"transfer-encoding":
            te = value.strip()
        else:
            kept.append(line)
    return b"\n".join(kept), te


def _str_headers(headers: list[tuple[bytes, bytes]]) -> list[tuple[str, str]]:
    return [(n.decode("latin-1"), v.decode("latin-1")) for n, v in headers]


class RotatingWarcWriter:
    """Writes gzip-per-record WARC files for one site into the spool, rolling over at max_size.

    The file is `<key>.open` (flock-held) while written and renamed to its final name on close,
    so a crash never leaves a truncated file that looks complete; `archive.repair` mends `.open`
    leftovers. `on_close` publishes the closed file and its CDXJ index to the store.
    """

    def __init__(self, spool_dir: Path, site: str, *, info: dict[str, Any] | None = None,
                 max_size: int = DEFAULT_MAX_SIZE, prefix: str = "govwire", gzip_level: int = 6,
                 on_close: Callable[[ClosedWarc], None] | None = None) -> None:
        self.spool_dir = Path(spool_dir)
        self.site = site
        self.info = info or {}
        self.max_size = max_size
        self.prefix = prefix
        self.gzip_level = gzip_level
        self.on_close = on_close
        self._serial = 0
        self._fh: BinaryIO | None = None
        self._key = ""
        self._path = Path()
        self._opened = datetime.now(timezone.utc)
        self._index: list[str] = []
        self._records = 0
        self._warcinfo_id = ""
        self.abandoned = False

    # -- file lifecycle -------------------------------------------------------------------
    def _open(self) -> None:
        self._opened = datetime.now(timezone.utc)
        self._serial += 1
        ts = self._opened.strftime("%Y%m%d%H%M%S%f")[:17]
        host = socket.gethostname().split(".")[0][:20] or "host"
        name = f"{self.prefix}-{self.site}-{ts}-{self._serial:05d}-{host}-{secrets.token_hex(4)}.warc.gz"
        self._key = warc_key(self.site, self._opened, name)
        self._path = self.spool_dir / self._key
        self._path.parent.mkdir(parents=True, exist_ok=True)
        fh = open(f"{self._path}.open", "xb")
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)  # tells `govwire sync` this file is live
        self._fh = fh
        self._index = []
        self._records = 0
        info = {"software": software(),
                "format": "WARC File Format 1.1",
                "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
                "isPartOf": self.site, "hostname": socket.gethostname(), **self.info}
        rec = _BUILDER.create_warcinfo_record(name, {k: v for k, v in info.items() if v})
        self._warcinfo_id = rec.rec_headers.get_header("WARC-Record-ID")
        self._write(rec)

    def _write(self, record: Any) -> RecordPointer:
        """An unindexed record built here (the warcinfo)."""
        built = _gzip_record(record, self.gzip_level)
        return self._append(built, index=False, ser=None)

    def close(self) -> ClosedWarc | None:
        if self._fh is None:
            return None
        self._fh.flush()
        os.fsync(self._fh.fileno())
        final = self._path
        os.replace(f"{final}.open", final)
        self._fh.close()  # releases the flock only after the rename
        self._fh = None
        ikey = index_key(self.site, self._opened, final.name)
        ipath = self.spool_dir / ikey
        ipath.parent.mkdir(parents=True, exist_ok=True)
        tmp = ipath.with_name(ipath.name + ".tmp")
        tmp.write_text("".join(sorted(self._index)), encoding="utf-8")
        os.replace(tmp, ipath)
        closed = ClosedWarc(self._key, final, ikey, ipath, self._records)
        if self.on_close:
            self.on_close(closed)
        return closed

    def flush_durable(self) -> None:
        """fsync what was written so far: pointers to it survive a crash (write-ahead order)."""
        if self._fh is not None:
            self._fh.flush()
            os.fsync(self._fh.fileno())

    def abandon(self) -> None:
        """After a failed write: close the file without finishing it. It stays `.open`, so
        `govwire sync` truncates it to its last complete record; it never looks complete."""
        self.abandoned = True
        if self._fh is not None:
            fh, self._fh = self._fh, None
            try:
                fh.close()
            except OSError:
                pass  # the buffered tail could not be written either; repair drops it

    def _ensure_open(self) -> None:
        if self._fh is not None and self._fh.tell() >= self.max_size:
            self.close()
        if self._fh is None:
            self._open()

    @property
    def current_key(self) -> str:
        return self._key

    # -- records ----------------------------------------------------------------------------
    def write_exchange(self, ex: Exchange, *, prior: PriorCapture | None = None
                       ) -> tuple[RecordPointer, RecordPointer]:
        """Write the response (or a revisit, when `prior` holds the same payload or the server
        said 304) and its request; return (response-or-revisit pointer, request pointer)."""
        self._ensure_open()
        return self.append(serialize_exchange(ex, prior, self._warcinfo_id, self.gzip_level), ex, prior)

    @property
    def warcinfo_id(self) -> str:
        """The warcinfo record the next record will name (opening the file if none is open)."""
        self._ensure_open()
        return self._warcinfo_id

    def append(self, ser: SerializedExchange, ex: Exchange, prior: PriorCapture | None = None
               ) -> tuple[RecordPointer, RecordPointer]:
        """Append records built by `serialize_exchange` (possibly in another process). Built for
        a file that has since rolled over, they are rebuilt here for the new file's warcinfo."""
        self._ensure_open()
        if ser.warcinfo_id != self._warcinfo_id:
            ser = serialize_exchange(ex, prior, self._warcinfo_id, self.gzip_level)
        resp = self._append(ser.records[0], index=True, ser=ser)
        req = self._append(ser.records[1], index=False, ser=ser)
        return resp, req

    def _append(self, rec: BuiltRecord, *, index: bool, ser: SerializedExchange | None) -> RecordPointer:
        assert self._fh is not None
        offset = self._fh.tell()
        self._fh.write(rec.data)
        # into the OS now: a killed process (kill -9) then loses no record it reported written
        self._fh.flush()
        self._records += 1
        ptr = RecordPointer(self._key, offset, len(rec.data), rec.record_id, rec.date,
                            rec.payload_digest, rec.record_type)
        if index and ser is not None:
            self._index.append(cdxj_from_parts(ser.url, ser.surt, ptr, status=ser.status, mime=ser.mime,
                                               filename=self._key))
        return ptr

    @staticmethod
    def _payload_digest(body: bytes) -> str:
        return payload_digest(body)


@dataclass
class BuiltRecord:
    """One WARC record as its gzip member, with what a pointer to it needs."""

    data: bytes
    record_id: str
    date: str
    payload_digest: str | None
    record_type: str


@dataclass
class SerializedExchange:
    """An exchange's response-or-revisit record and its request record, gzipped, for one
    file's warcinfo; plus what its CDXJ line needs (the SURT key costs as much as the gzip)."""

    warcinfo_id: str
    records: list[BuiltRecord]
    url: str
    surt: str
    status: int
    mime: str


_BUILDER = WARCWriter(BytesIO(), gzip=False, warc_version="1.1")  # stateless record factory


def _gzip_record(record: Any, level: int) -> BuiltRecord:
    buf = BytesIO()
    _BUILDER._write_warc_record(buf, record)
    comp = _deflate.compressobj(level, _deflate.DEFLATED, _deflate.MAX_WBITS | 16)
    data = comp.compress(buf.getvalue()) + comp.flush()
    h = record.rec_headers
    return BuiltRecord(data, h.get_header("WARC-Record-ID"), h.get_header("WARC-Date"),
                       h.get_header("WARC-Payload-Digest"), record.rec_type)


def _block_digest(head: bytes, body: bytes) -> str:
    h = hashlib.sha1(head)
    h.update(body)  # one call: hashlib hashes a large body with the GIL released
    return "sha1:" + base64.b32encode(h.digest()).decode("ascii")


def serialize_exchange(ex: Exchange, prior: PriorCapture | None, warcinfo_id: str,
                       gzip_level: int = 6) -> SerializedExchange:
    """Build and gzip the response (or revisit) and request records of one exchange.

    Pure: no file, no clock, no shared state; the crawl runs it in a helper process
    (crawler/offload.py) so the record building, digests, gzip and SURT key stay off the
    crawl's GIL, and falls back to calling it in-thread."""
    date = datetime_to_iso_date(ex.date.astimezone(timezone.utc).replace(tzinfo=None),
                                use_micros=True)
    common: dict[str, str] = {"WARC-Date": date, "WARC-Warcinfo-ID": warcinfo_id}
    if ex.ip_address:
        common["WARC-IP-Address"] = ex.ip_address

    headers, removed_te = _strip_chunked(ex.response_headers)
    reason = ex.reason if ex.reason is not None else reason_phrase(ex.status)
    statusline = f"{ex.status} {reason}".rstrip() if reason else str(ex.status)
    if ex.raw_response_head:
        # byte-exact (name case, order, reason phrase) but for a Transfer-Encoding line,
        # since the client removed the chunk framing from the body
        raw, te = _drop_transfer_encoding(ex.raw_response_head)
        removed_te = removed_te or te
    else:
        raw = _header_block(f"{ex.protocol} {statusline}", headers)
    http = _RawHeaders(raw, statusline, _str_headers(headers), ex.protocol)
    wh = {"WARC-Type": "response", "WARC-Record-ID": ex.record_id or _BUILDER._make_warc_id(),
          **common}
    if removed_te:
        wh["WARC-Govwire-Transfer-Encoding"] = removed_te.decode("latin-1")
    if ex.truncated:
        wh["WARC-Truncated"] = ex.truncated
    ctype = dict((n.lower(), v) for n, v in headers).get(b"content-type", b"").decode("latin-1")
    mime = ctype.split(";")[0].strip().lower()

    digest = ex.payload_digest or payload_digest(ex.body)
    not_modified = ex.status == 304 and prior is not None
    if prior is not None and (not_modified or digest == prior.payload_digest):
        wh.update({"WARC-Profile": PROFILE_NOT_MODIFIED if not_modified else PROFILE_IDENTICAL,
                   "WARC-Refers-To": prior.record_id,
                   "WARC-Refers-To-Target-URI": prior.url,
                   "WARC-Refers-To-Date": prior.date})
        if not not_modified:
            wh["WARC-Payload-Digest"] = prior.payload_digest
        rec = _BUILDER.create_warc_record(ex.url, "revisit", http_headers=http, warc_headers_dict=wh)
        rec.length = None  # headers only; let warcio compute
        resp = _gzip_record(rec, gzip_level)
        resp.payload_digest = prior.payload_digest
        mime = "warc/revisit"
    else:
        # both digests computed once here; warcio then skips its own chunked pass
        wh["WARC-Payload-Digest"] = digest
        wh["WARC-Block-Digest"] = _block_digest(raw, ex.body)
        rec = _BUILDER.create_warc_record(ex.url, "response", payload=BytesIO(ex.body),
                                          length=len(ex.body), http_headers=http,
                                          warc_headers_dict=wh)
        resp = _gzip_record(rec, gzip_level)

    parts = urlsplit(ex.url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    req_headers = list(ex.request_headers)
    if not any(n.lower() == b"host" for n, _ in req_headers):
        req_headers.insert(0, (b"Host", parts.netloc.encode("idna") if parts.netloc else b""))
    if ex.raw_request_head:
        rraw = ex.raw_request_head
    else:
        rraw = _header_block(f"{ex.method} {target} {ex.protocol}", req_headers)
    rhttp = _RawHeaders(rraw, f"{ex.method} {target}", _str_headers(req_headers), ex.protocol)
    rwh = {"WARC-Type": "request", "WARC-Record-ID": _BUILDER._make_warc_id(), **common,
           "WARC-Concurrent-To": resp.record_id}
    if ex.request_date is not None:  # the request left before the response completed
        rwh["WARC-Date"] = datetime_to_iso_date(
            ex.request_date.astimezone(timezone.utc).replace(tzinfo=None), use_micros=True)
    rrec = _BUILDER.create_warc_record(ex.url, "request", payload=BytesIO(ex.request_body),
                                       length=len(ex.request_body), http_headers=rhttp,
                                       warc_headers_dict=rwh)
    return SerializedExchange(warcinfo_id, [resp, _gzip_record(rrec, gzip_level)],
                              ex.url, surt_key(ex.url), ex.status, mime)


def software() -> str:
    """warcinfo `software`: govwire's and warcio's versions (as Heritrix names its own)."""
    from importlib.metadata import PackageNotFoundError, version

    parts = []
    for dist in ("govwire", "warcio"):
        try:
            parts.append(f"{dist}/{version(dist)}")
        except PackageNotFoundError:
            parts.append(dist)
    return " ".join(parts)


def new_record_id() -> str:
    return str(WARCWriter._make_warc_id())


_GIL_SLICE = 2047  # hashlib releases the GIL for updates of 2048 bytes or more


def payload_digest(body: bytes) -> str:
    """WARC-style sha1 payload digest of a body ("sha1:BASE32"), computed without releasing the GIL.

    The crawl calls this on the reactor thread, the crawl's bottleneck. hashlib drops the GIL
    for a large update; the WARC and store threads then take it and the reactor waits for their
    switch interval (measured: 0.55 ms per 111 KB page instead of 0.07). Slices below hashlib's
    threshold keep the GIL for the ~0.07 ms the hash takes; same digest."""
    h = hashlib.sha1()
    view = memoryview(body)
    for i in range(0, len(view), _GIL_SLICE):
        h.update(view[i:i + _GIL_SLICE])
    return "sha1:" + base64.b32encode(h.digest()).decode("ascii")


def settings_info(settings: dict[str, Any]) -> str:
    """warcinfo 'settings' value: JSON of non-secret settings only (credentials never archived)."""
    secret = ("KEY", "SECRET", "TOKEN", "PASSWORD", "CREDENTIAL")
    safe = {k: v for k, v in settings.items() if not any(s in k.upper() for s in secret)}
    return json.dumps(safe, sort_keys=True, default=str)
