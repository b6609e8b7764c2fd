"""Re-derive clean documents from the archived WARCs: no network, the crawl's own cleaning path.

Archive first, clean any time: when a rule improves, every capture already archived can be
cleaned again, each with the rule version of its capture date (WARC-Date). A shard is one WARC
file; shards run in a process pool (or on a cluster engine, see archive/cluster.py) and each
writes only what changed:

- every `response` record whose capture record says the crawl wanted a document (an article,
  2xx, HTML/text, not a revisit) goes through `archive.documents.clean_page` and
  `build_document`, exactly as in the crawl's pipeline;
- the document key depends only on the content (site, URL, payload digest), so a re-cleaned
  document replaces its earlier revision: written only when its bytes differ (`changed`), or
  when missing (`new`); identical ones are left alone (`unchanged`). Several captures of one
  payload share one document, which keeps its earliest capture's provenance (`same_content`
  counts the later ones; two workers racing on such a pair can leave the later one's
  provenance, a known limit);
- a finished shard leaves a marker (`reclean/<cleaner version>/<options>/<warc hash>.json`),
  so a run killed half-way resumes with the shards not yet done; every write is atomic and
  idempotent, so a half-done shard is simply done again.
"""
from __future__ import annotations

import hashlib
import io
import json
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timezone
from typing import Any, BinaryIO

from archive.documents import build_document, capture_bytes, clean_page, document_key, wants_document
from archive.errors import NotFound
from archive.keys import capture_key, safe_site
from archive.storage import Store
from cleaners.learned_boilerplate import apply_to_document

__all__ = ["RecleanOptions", "ShardResult", "list_shards", "reclean_shard", "marker_key", "RangeReader",
           "summarise"]

CHUNK = 8 << 20


@dataclass(frozen=True)
class RecleanOptions:
    sites: tuple[str, ...] = ()
    since: datetime | None = None
    until: datetime | None = None
    restart: bool = False          # ignore the markers of finished shards
    # learned outlet boilerplate, as the crawl applies it (crawler/boilerplate.py counts it):
    # site -> outlet -> suspect line keys, and the sites whose seed removes them
    learned: Mapping[str, Mapping[str, frozenset[str]]] = field(default_factory=dict)
    remove_learned: frozenset[str] = frozenset()

    def fingerprint(self) -> str:
        """Names the options a marker is valid for (a shard done for one window, or with
        another learned-boilerplate table, is not done for this one)."""
        from cleaners import CLEANER_VERSION

        learned = {site: {o: sorted(keys) for o, keys in outlets.items()}
                   for site, outlets in self.learned.items()}
        raw = json.dumps([CLEANER_VERSION, self.since.isoformat() if self.since else None,
                          self.until.isoformat() if self.until else None]
                         + ([learned, sorted(self.remove_learned)] if learned else []), sort_keys=True)
        return hashlib.sha1(raw.encode()).hexdigest()[:12]


@dataclass
class ShardResult:
    warc: str
    records: int = 0           # response records read
    documents: int = 0         # documents made (new + changed + unchanged)
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    no_document: int = 0       # responses the crawl made no document for (feeds, filtered, 404, ...)
    same_content: int = 0      # an earlier capture of the same URL and payload owns the document
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    cpu_seconds: float = 0.0   # CPU time of the worker on this shard (engine-independent cost)
    done_before: bool = False  # marker found: skipped

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def marker_key(warc_key: str, options: RecleanOptions) -> str:
    from cleaners import CLEANER_VERSION

    version = "".join(c if c.isalnum() or c in ".-" else "_" for c in CLEANER_VERSION)
    return f"reclean/{version}/{options.fingerprint()}/{hashlib.sha1(warc_key.encode()).hexdigest()}.json"


def _day_of(key: str) -> date | None:
    """The capture day in `warcs/<site>/<YYYY>/<MM>/<DD>/<name>`."""
    parts = key.split("/")
    try:
        return date(int(parts[2]), int(parts[3]), int(parts[4]))
    except (IndexError, ValueError):
        return None


def list_shards(store: Store, options: RecleanOptions) -> list[str]:
    """The WARC files to re-clean: per site, within the date window (by their day folder)."""
    prefixes = [f"warcs/{safe_site(s)}/" for s in options.sites] if options.sites else ["warcs/"]
    out = []
    for prefix in prefixes:
        for key in store.list(prefix):
            if not key.endswith((".warc.gz", ".warc")):
                continue
            day = _day_of(key)
            if day is not None and options.since is not None and day < options.since.astimezone(timezone.utc).date():
                continue
            if day is not None and options.until is not None and day > options.until.astimezone(timezone.utc).date():
                continue
            out.append(key)
    return out


class RangeReader(io.RawIOBase):
    """A WARC in any store read sequentially in 8 MB ranges (no whole-file download in memory)."""

    def __init__(self, store: Store, key: str) -> None:
        self.store, self.key, self.pos, self.eof = store, key, 0, False

    def readable(self) -> bool:
        return True

    def readinto(self, buf: Any) -> int:
        if self.eof:
            return 0
        data = self.store.get_range(self.key, self.pos, min(len(buf), CHUNK))
        if not data:
            self.eof = True
            return 0
        n = len(data)
        buf[:n] = data
        self.pos += n
        return n


def _open(store: Store, key: str) -> BinaryIO:
    path = store.local_path(key)
    if path is not None:
        return open(path, "rb")
    return io.BufferedReader(RangeReader(store, key), buffer_size=CHUNK)


def _dumps(obj: Any) -> bytes:  # the pipeline's serialisation (crawler/session.py dumps)
    return json.dumps(obj, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")


def _get_json(store: Store, key: str) -> dict[str, Any] | None:
    try:
        value = json.loads(store.get_bytes(key))
    except NotFound:
        return None
    return value if isinstance(value, dict) else None


def _parse_warc_date(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _responses(stream: BinaryIO) -> Iterator[Any]:
    from warcio.archiveiterator import ArchiveIterator

    for record in ArchiveIterator(stream):
        if record.rec_type == "response":
            yield record


def reclean_shard(store: Store, warc_key: str, options: RecleanOptions) -> ShardResult:
    """Re-clean every document-worthy response of one WARC; write only what changed."""
    t0, c0 = time.monotonic(), time.process_time()
    res = ShardResult(warc=warc_key)
    marker = marker_key(warc_key, options)
    if not options.restart and store.exists(marker):
        res.done_before = True
        return res
    with _open(store, warc_key) as stream:
        for record in _responses(stream):
            res.records += 1
            try:
                _reclean_record(store, record, options, res)
            except NotFound as e:
                res.errors.append(f"{warc_key}: {e}")
    res.seconds = round(time.monotonic() - t0, 3)
    res.cpu_seconds = round(time.process_time() - c0, 3)
    store.put_bytes(marker, _dumps(res.to_dict()))
    return res


def _reclean_record(store: Store, record: Any, options: RecleanOptions, res: ShardResult) -> None:
    h = record.rec_headers
    url = h.get_header("WARC-Target-URI") or ""
    when = _parse_warc_date(h.get_header("WARC-Date") or "")
    if (options.since and when < options.since) or (options.until and when > options.until):
        return
    ckey = capture_key(url, when, h.get_header("WARC-Record-ID") or "")
    capture = _get_json(store, ckey)
    if capture is None:  # robots.txt, a redirect hop, a request that failed: never an item
        res.no_document += 1
        return
    ctype = capture.get("content_type")
    if ctype is None:
        ctype = record.http_headers.get_header("Content-Type") or "" if record.http_headers else ""
    make = capture.get("make_document", capture.get("document") is not None)
    if wants_document(make_document=bool(make), status=int(capture.get("status") or 0),
                      content_type=ctype, revisit=bool(capture.get("revisit"))) is not None:
        res.no_document += 1
        return
    body = record.content_stream().read()
    cleaner_url = (capture.get("metadata") or {}).get("cleaner_url") or capture["final_url"]
    cleaned = clean_page(body, capture.get("encoding"), cleaner_url, capture.get("fetched_at"),
                         capture.get("cleaner"))
    if "error" in cleaned:
        res.errors.append(f"{url}: {cleaned['error']}")
        return
    site = str(capture.get("site") or "")
    suspects = options.learned.get(site, {}).get(str(cleaned.get("outlet") or site))
    if suspects:
        apply_to_document(cleaned, suspects, remove=site in options.remove_learned)
    doc = build_document(cleaned, capture)
    key = document_key(doc)
    data = _dumps(doc)
    res.documents += 1
    try:
        old = store.get_bytes(key)
    except NotFound:
        old = None
    if old is not None and old != data and _owned_by_earlier(old, doc):
        # one document per (URL, payload): it carries its first capture's provenance, and that
        # capture re-cleans it in its own shard
        res.documents -= 1
        res.same_content += 1
        return
    if old == data:
        res.unchanged += 1
    else:
        store.put_bytes(key, data)
        if old is None:
            res.new += 1
        else:
            res.changed += 1
    if capture.get("document") != key:  # e.g. a --defer-clean crawl: point `show` at it
        capture["document"] = key
        for u in {capture.get("url") or url, capture.get("final_url") or url}:
            store.put_bytes(capture_key(u, when, h.get_header("WARC-Record-ID") or ""), capture_bytes(capture))


def _owned_by_earlier(old: bytes, doc: dict[str, Any]) -> bool:
    try:
        prev = json.loads(old)
    except ValueError:
        return False
    mine, theirs = (doc.get("warc") or {}).get("record_id"), (prev.get("warc") or {}).get("record_id")
    if not isinstance(prev, dict) or not theirs or theirs == mine:
        return False
    return str(prev.get("fetched_at") or "") < str(doc.get("fetched_at") or "")


# -- running many shards ----------------------------------------------------------------------
_STORE: dict[str, Store] = {}


def run_shard(store_uri: str, store_options: dict[str, Any], warc_key: str,
              options: RecleanOptions) -> dict[str, Any]:
    """One shard in a worker process (or a cluster task): picklable arguments, dict result."""
    from archive.storage import open_store

    cache_key = json.dumps([store_uri, store_options], sort_keys=True)
    if cache_key not in _STORE:
        _STORE[cache_key] = open_store(store_uri, **store_options)
    return reclean_shard(_STORE[cache_key], warc_key, options).to_dict()


def run_local(store_uri: str, store_options: dict[str, Any], shards: list[str], options: RecleanOptions,
              workers: int, on_result: Callable[[dict[str, Any]], None]) -> None:
    """The default engine: a process pool on this machine (workers <= 1: in this process)."""
    from archive.cluster import run_shards

    run_shards("local", store_uri, store_options, shards, options, workers, on_result)


def summarise(results: Iterable[dict[str, Any]], seconds: float, workers: int) -> dict[str, Any]:
    """The one-line JSON summary of a run."""
    rs = list(results)
    total: dict[str, Any] = {k: sum(int(r[k]) for r in rs) for k in ("records", "documents", "new", "changed",
                                                        "unchanged", "no_document", "same_content")}
    errors = [e for r in rs for e in r["errors"]]
    total.update(warcs=len(rs), warcs_done_before=sum(1 for r in rs if r["done_before"]),
                 errors=len(errors), seconds=round(seconds, 3), workers=workers,
                 pages_per_second=round(total["documents"] / seconds, 1) if seconds > 0 else 0.0)
    cpu = sum(float(r.get("cpu_seconds", 0.0)) for r in rs)
    total.update(cpu_seconds=round(cpu, 2),
                 pages_per_cpu_second=round(total["documents"] / cpu, 1) if cpu > 0 else 0.0)
    if errors:
        total["first_errors"] = errors[:5]
    return total
