"""WACZ export: WARCs, a CDXJ index, pages.jsonl and a datapackage in one ZIP (WACZ 1.1.1).

The format is the `wacz` package's (py-wacz) and the WACZ 1.1.1 spec: `archive/<warc>` stored
uncompressed, `indexes/index.cdx` (CDXJ, sorted), `pages/pages.jsonl` (a `json-pages-1.0`
header, then one line per clean document: id, url, ts, title), `datapackage.json` listing every
file with its sha256 and size, and `datapackage-digest.json` with the datapackage's own hash.
ReplayWeb.page and pywb open it as it is.

Index lines use py-wacz's conventions (file name relative to archive/, `sha1:`-prefixed
digests: ReplayWeb.page reports "Archived Page Not Found" for unprefixed ones). A
`server-not-modified` revisit (a 304) is indexed as the revisit it is, pointing at its own
record, with `mime` `warc/revisit`, the `status` and `digest` of the response it stands for and
`recorded_status` 304: ReplayWeb.page (wabac.js) then reads the revisit record, follows its
`WARC-Refers-To-Target-URI`/`-Date` to the original and replays that payload under the
revisit's date. As recorded (`status` 304) it would replay an empty 304 (a null-body status),
and re-aimed at the original record like `govwire index` does for pywb it is refused (wabac
checks that a line's timestamp is its record's date). A revisit whose original is not in the
export is left out.
A WARC holding the original of an exported 304 revisit is included even when older than `since`.
"""
from __future__ import annotations

import hashlib
import heapq
import json
import os
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

from archive.errors import ArchiveError, NotFound
from archive.index import parse_line, resolve_not_modified
from archive.keys import safe_site
from archive.storage import Store

__all__ = ["WACZ_VERSION", "WaczSummary", "write_wacz"]

WACZ_VERSION = "1.1.1"
CHUNK = 16 * 1024 * 1024


class NothingToExport(ArchiveError):
    """No WARC in the store matches the selection."""


@dataclass
class WaczSummary:
    path: Path
    warcs: int
    captures: int
    pages: int
    bytes: int


def _warc_day(key: str) -> date | None:
    parts = key.split("/")  # warcs/<site>/<YYYY>/<MM>/<DD>/<name>
    try:
        return date(int(parts[2]), int(parts[3]), int(parts[4]))
    except (IndexError, ValueError):
        return None


def _index_key(warc_key: str) -> str:
    base = warc_key.removeprefix("warcs/").removesuffix(".gz").removesuffix(".warc")
    return f"indexes/{base}.cdxj"


def _lines(store: Store, key: str) -> Iterator[str]:
    try:
        yield from store.get_bytes(key).decode("utf-8").splitlines(keepends=True)
    except NotFound:
        return


class _Hashing:
    """A write-only file wrapper that counts and sha256-hashes what goes through it."""

    def __init__(self, fh: Any) -> None:
        self.fh, self.sha, self.size = fh, hashlib.sha256(), 0

    def write(self, data: bytes) -> None:
        self.fh.write(data)
        self.sha.update(data)
        self.size += len(data)


def write_wacz(store: Store, out: Path, *, sites: list[str] | None = None,
               since: date | None = None, title: str | None = None,
               software: str = "govwire") -> WaczSummary:
    """Write a WACZ of the store's WARCs (optionally only some sites, only files from `since`).

    Raises:
        NothingToExport: no WARC matches.
    """
    prefixes = [f"warcs/{safe_site(s)}/" for s in sites] if sites else ["warcs/"]
    all_warcs = [k for p in prefixes for k in store.list(p) if k.endswith((".warc.gz", ".warc"))]
    chosen = {k for k in all_warcs if since is None or (_warc_day(k) or date.max) >= since}
    if not chosen:
        what = f" for {', '.join(sites)}" if sites else ""
        raise NothingToExport(f"no WARC files{what}{f' since {since}' if since else ''} in {store.uri}")
    names = {k.rsplit("/", 1)[-1]: k for k in all_warcs}
    if len(names) != len(all_warcs):
        raise ArchiveError("two WARC files share a name; cannot flatten them into archive/")

    # two streaming passes over the merged index of every WARC of the sites: first find the
    # older WARCs holding originals of the chosen 304 revisits, then keep the chosen lines
    def resolved() -> Iterator[tuple[str, str, dict[str, Any]]]:
        lines = heapq.merge(*(_lines(store, _index_key(k)) for k in all_warcs))
        for line in resolve_not_modified(lines):
            yield parse_line(line)

    chosen |= {str(f["filename"]) for _, _, f in resolved()
               if f.get("revisit_filename") in chosen and f.get("filename") in names.values()}
    index: list[str] = []
    at: dict[tuple[str, str], str] = {}   # (WARC key, offset) -> index timestamp, for pages
    for key, ts, f in resolved():
        own = str(f.get("revisit_filename") or f.get("filename"))
        if own not in chosen or (f.get("mime") == "warc/revisit" and str(f.get("status")) == "304"):
            continue  # a 304 revisit whose original is in no WARC of the selected sites
        if f.get("revisit_filename"):
            f = _revisit_line(f)
        f["filename"] = own.rsplit("/", 1)[-1]
        if f.get("digest") and ":" not in str(f["digest"]):
            f["digest"] = f"sha1:{f['digest']}"
        index.append(f"{key} {ts} {json.dumps(f, sort_keys=True)}\n")
        at[(own, str(f.get("offset")))] = ts

    pages = _pages(store, at, sites)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    resources: list[dict[str, Any]] = []
    total = 0
    try:
        with zipfile.ZipFile(tmp, "w", allowZip64=True) as z:
            for key in sorted(chosen):
                name = key.rsplit("/", 1)[-1]
                resources.append(_add_warc(store, z, key, f"archive/{name}"))
            resources.append(_add_bytes(z, "indexes/index.cdx", "".join(index).encode("utf-8")))
            header = {"format": "json-pages-1.0", "id": "pages", "title": title or "govwire documents"}
            body = "".join(json.dumps(p, sort_keys=True) + "\n"  # ASCII: see _pages
                           for p in [header, *pages])
            resources.append(_add_bytes(z, "pages/pages.jsonl", body.encode("utf-8")))
            package = {"profile": "data-package", "resources": resources,
                       "title": title or "govwire web archive",
                       "description": "GOV.UK press releases and press copies archived by govwire",
                       "created": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                       "wacz_version": WACZ_VERSION, "software": software}
            if pages:
                package["mainPageURL"] = pages[0]["url"]
                package["mainPageDate"] = pages[0]["ts"]
            pkg = json.dumps(package, indent=2).encode("utf-8")
            z.writestr(_info("datapackage.json", zipfile.ZIP_DEFLATED), pkg)
            digest = {"path": "datapackage.json", "hash": "sha256:" + hashlib.sha256(pkg).hexdigest()}
            z.writestr(_info("datapackage-digest.json", zipfile.ZIP_DEFLATED),
                       json.dumps(digest, indent=2).encode("utf-8"))
        total = tmp.stat().st_size
        os.replace(tmp, out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return WaczSummary(out, len(chosen), len(index), len(pages), total)


def _revisit_line(resolved: dict[str, Any]) -> dict[str, Any]:
    """A 304 revisit's WACZ line, from the line `resolve_not_modified` re-aimed at its original.

    Why not the 304: a replay must answer what the page was at that date, and wabac.js sends
    no body for a 304 line; the record itself (and so WARC-Refers-To) stays the 304's.
    """
    out = {"url": resolved["url"], "mime": "warc/revisit", "status": resolved.get("status", "200"),
           "recorded_status": "304", "filename": resolved["revisit_filename"],
           "offset": resolved["revisit_offset"], "length": resolved["revisit_length"]}
    if resolved.get("digest"):
        out["digest"] = resolved["digest"]
    return out


def _info(name: str, compress: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, datetime.now(timezone.utc).timetuple()[:6])
    info.compress_type = compress
    return info


def _add_bytes(z: zipfile.ZipFile, path: str, data: bytes) -> dict[str, Any]:
    z.writestr(_info(path, zipfile.ZIP_DEFLATED), data)
    return {"name": path.rsplit("/", 1)[-1].lower(), "path": path,
            "hash": "sha256:" + hashlib.sha256(data).hexdigest(), "bytes": len(data)}


def _add_warc(store: Store, z: zipfile.ZipFile, key: str, path: str) -> dict[str, Any]:
    """Copy one WARC into the ZIP uncompressed (WACZ wants WARCs stored, not deflated).

    The size is set up front so ZIP64 fields are written only for files that need them
    (> 2 GiB): ReplayWeb.page 2.5 reported every page "not found" in a WACZ whose small
    members all carried ZIP64 extra fields.
    """
    local = store.local_path(key)
    tmp: Path | None = None
    if local is None:  # a remote store: fetch to a temp file first, to know the size
        fd, name = tempfile.mkstemp(prefix="wacz-", suffix=".warc.gz")
        tmp = Path(name)
        with os.fdopen(fd, "wb") as fh:
            offset = 0
            while chunk := store.get_range(key, offset, CHUNK):
                fh.write(chunk)
                offset += len(chunk)
                if len(chunk) < CHUNK:
                    break
        local = tmp
    try:
        info = _info(path, zipfile.ZIP_STORED)
        info.file_size = Path(local).stat().st_size
        with z.open(info, "w") as dest, open(local, "rb") as src:
            h = _Hashing(dest)
            while chunk := src.read(CHUNK):
                h.write(chunk)
    finally:
        if tmp is not None:
            tmp.unlink(missing_ok=True)
    return {"name": path.rsplit("/", 1)[-1].lower(), "path": path,
            "hash": "sha256:" + h.sha.hexdigest(), "bytes": h.size}


def _pages(store: Store, at: dict[tuple[str, str], str], sites: list[str] | None
           ) -> list[dict[str, Any]]:
    """One page per clean document whose response is in the exported index, oldest first.

    A page's `ts` is its capture's index timestamp (not the document's fetch time, which can
    differ by a second): ReplayWeb.page looks the page up at exactly that time. Written
    ASCII-only (\\u escapes), as py-wacz does.
    """
    prefixes = [f"docs/{safe_site(s)}/" for s in sites] if sites else ["docs/"]
    pages = []
    for key in (k for p in prefixes for k in store.list(p) if k.endswith(".json")):
        try:
            doc = json.loads(store.get_bytes(key))
        except (NotFound, ValueError, UnicodeDecodeError):
            continue
        warc = doc.get("warc") or {}
        ts = at.get((str(warc.get("file")), str(warc.get("offset"))))
        if ts is None or not doc.get("url"):
            continue
        iso = f"{ts[:4]}-{ts[4:6]}-{ts[6:8]}T{ts[8:10]}:{ts[10:12]}:{ts[12:14]}Z"
        pages.append({"id": str(doc.get("id") or key), "url": doc["url"], "ts": iso,
                      "title": str(doc.get("title") or "")})
    pages.sort(key=lambda p: (p["ts"], p["url"]))
    return pages
