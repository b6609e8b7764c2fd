"""WACZ export: WARCs, a CDXJ index, pages.jsonl and a datapackage in one ZIP (WACZ 1.1.1).

The format is the `wacz` package's (py-wacz) and the WACZ 1.1.1 spec: `archive/<warc>` stored
uncompressed, `indexes/index.cdx` (CDXJ, sorted), `pages/pages.jsonl` (a `json-pages-1.0`
header, then one line per clean document: id, url, ts, title), `datapackage.json` listing every
file with its sha256 and size, and `datapackage-digest.json` with the datapackage's own hash.
ReplayWeb.page and pywb open it as it is.

The index is the one `govwire index` writes: 304 revisits point at the 200 response they stand
for (archive.index.resolve_not_modified), so the newest capture of an unchanged page replays with
its content; a WARC holding such an original is included even when older than `since`.
"""
from __future__ import annotations

import hashlib
import heapq
import json
import os
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

    # index over every WARC of the sites (originals of revisits may be older than `since`)
    merged = resolve_not_modified(heapq.merge(*(_lines(store, _index_key(k)) for k in all_warcs)))
    index: list[str] = []
    for line in merged:
        key, ts, f = parse_line(line)
        own = str(f.get("revisit_filename") or f.get("filename"))
        if own not in chosen:
            continue
        chosen_original = str(f.get("filename"))
        if chosen_original in names.values():
            chosen.add(chosen_original)  # an older WARC holding a revisit's original
        f["filename"] = chosen_original.rsplit("/", 1)[-1]
        if f.get("revisit_filename"):
            f["revisit_filename"] = own.rsplit("/", 1)[-1]
        index.append(f"{key} {ts} {json.dumps(f, sort_keys=True)}\n")

    pages = _pages(store, chosen, sites)
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
            body = "".join(json.dumps(p, ensure_ascii=False, sort_keys=True) + "\n"
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


def _info(name: str, compress: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, datetime.now(timezone.utc).timetuple()[:6])
    info.compress_type = compress
    return info


def _add_bytes(z: zipfile.ZipFile, path: str, data: bytes) -> dict[str, Any]:
    z.writestr(_info(path, zipfile.ZIP_DEFLATED), data)
    return {"name": path.rsplit("/", 1)[-1].lower(), "path": path,
            "hash": "sha256:" + hashlib.sha256(data).hexdigest(), "bytes": len(data)}


def _add_warc(store: Store, z: zipfile.ZipFile, key: str, path: str) -> dict[str, Any]:
    """Stream one WARC into the ZIP uncompressed (WACZ wants WARCs stored, not deflated)."""
    local = store.local_path(key)
    with z.open(_info(path, zipfile.ZIP_STORED), "w", force_zip64=True) as dest:
        h = _Hashing(dest)
        if local is not None:
            with open(local, "rb") as src:
                while chunk := src.read(CHUNK):
                    h.write(chunk)
        else:
            offset = 0
            while chunk := store.get_range(key, offset, CHUNK):
                h.write(chunk)
                offset += len(chunk)
                if len(chunk) < CHUNK:
                    break
    return {"name": path.rsplit("/", 1)[-1].lower(), "path": path,
            "hash": "sha256:" + h.sha.hexdigest(), "bytes": h.size}


def _pages(store: Store, warcs: set[str], sites: list[str] | None) -> list[dict[str, Any]]:
    """One page per clean document whose response is in the exported WARCs, oldest first."""
    prefixes = [f"docs/{safe_site(s)}/" for s in sites] if sites else ["docs/"]
    pages = []
    for key in (k for p in prefixes for k in store.list(p) if k.endswith(".json")):
        try:
            doc = json.loads(store.get_bytes(key))
        except (NotFound, ValueError, UnicodeDecodeError):
            continue
        warc = doc.get("warc") or {}
        if warc.get("file") not in warcs or not doc.get("url"):
            continue
        pages.append({"id": str(doc.get("id") or key), "url": doc["url"],
                      "ts": str(doc.get("fetched_at") or ""), "title": str(doc.get("title") or "")})
    pages.sort(key=lambda p: (p["ts"], p["url"]))
    return pages
