"""CDXJ, the index pywb reads: one sorted `<surt> <timestamp14> {json}` line per capture."""
from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
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
    return cdxj_from_parts(url, surt_key(url), ptr, status=status, mime=mime, filename=filename)


def cdxj_from_parts(url: str, surt: str, ptr: RecordPointer, *, status: int, mime: str,
                    filename: str) -> str:
    """A CDXJ line from a SURT key computed earlier (the WARC writer's helper process does that)."""
    fields: dict[str, Any] = {"url": url, "mime": mime or "unk", "status": str(status), "length": str(ptr.length),
                              "offset": str(ptr.offset), "filename": filename}
    if ptr.payload_digest:
        fields["digest"] = ptr.payload_digest.split(":", 1)[-1]
    return f"{surt} {_ts14(ptr.date)} {json.dumps(fields, sort_keys=True)}\n"


def parse_line(line: str) -> tuple[str, str, dict[str, Any]]:
    key, ts, rest = line.rstrip("\n").split(" ", 2)
    return key, ts, json.loads(rest)


def _points_at_original(revisit: dict[str, Any], original: dict[str, Any]) -> dict[str, Any]:
    """The revisit's index fields, aimed at the 200 response it stands for."""
    out = {k: v for k, v in original.items() if k not in ("url",)}
    out["url"] = revisit.get("url", original.get("url"))
    for k in ("filename", "offset", "length"):
        out[f"revisit_{k}"] = revisit.get(k)
    return out


def resolve_not_modified(lines: Iterable[str]) -> Iterator[str]:
    """Re-aim each `server-not-modified` revisit line at the 200 response it refers to.

    pywb 2.10 replays a revisit with the revisit's own HTTP head, so a faithful revisit of a 304
    (the newest capture of every unchanged GOV.UK page) replays as an empty 304. The WARC keeps
    the 304 as received; only the merged index handed to replay tools points that capture's
    timestamp at the original response record (the `revisit_*` fields keep the revisit's own
    location). The original is the latest earlier 200 response of the same URL key: the crawler
    sends conditional headers only from the state of its last full 200 response, so that is the
    record WARC-Refers-To names. Input must be sorted (key, timestamp) as `govwire index` merges
    it; lines whose original is not in the input are passed through unchanged.
    """
    current_key = ""
    original: dict[str, Any] | None = None
    for line in lines:
        key, ts, fields = parse_line(line)
        if key != current_key:
            current_key, original = key, None
        if fields.get("mime") != "warc/revisit" and str(fields.get("status")) == "200":
            original = fields
        elif (fields.get("mime") == "warc/revisit" and str(fields.get("status")) == "304"
              and original is not None):
            line = f"{key} {ts} {json.dumps(_points_at_original(fields, original), sort_keys=True)}\n"
        yield line


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
