"""CDXJ, the index pywb reads: one sorted `<surt> <timestamp14> {json}` line per capture."""
from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import surt

if TYPE_CHECKING:
    from archive.storage import Store
    from archive.warc import RecordPointer


def surt_key(url: str) -> str:
    try:
        return str(surt.surt(url))
    except Exception:  # surt chokes on some odd URLs; an unsorted-but-present key beats none
        return url


def _ts14(warc_date: str) -> str:
    return "".join(c for c in warc_date if c.isdigit())[:14]


def cdxj_line(url: str, ptr: RecordPointer, *, status: int, mime: str, filename: str) -> str:
    fields: dict[str, Any] = {"url": url, "mime": mime or "unk", "status": str(status),
                              "length": str(ptr.length), "offset": str(ptr.offset),
                              "filename": filename}
    if ptr.payload_digest:
        fields["digest"] = ptr.payload_digest.split(":", 1)[-1]
    return f"{surt_key(url)} {_ts14(ptr.date)} {json.dumps(fields, sort_keys=True)}\n"


def parse_line(line: str) -> tuple[str, str, dict[str, Any]]:
    key, ts, rest = line.rstrip("\n").split(" ", 2)
    return key, ts, json.loads(rest)


def lookup(store: Store, url: str, prefix: str = "indexes/") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every capture of url across all index files (a scan; fine for one site's indexes)."""
    key = surt_key(url)
    for ikey in store.list(prefix):
        if not ikey.endswith(".cdxj"):
            continue
        for line in store.get_bytes(ikey).decode("utf-8").splitlines():
            if line.startswith(key + " "):
                _, ts, fields = parse_line(line)
                yield ts, fields
