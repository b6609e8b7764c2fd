"""Build the researchers' dataset from a store: documents, syndication links, URLs, a card.

How (two streaming passes, memory bounded by one shard plus small per-revision records):

1. *Scan*: read every document once; remember a `DocRecord` (no text) per revision; GOV.UK
   releases also go into the `ReleaseIndex` (a sampled inverted index of their shingles).
2. *Write*: walk the distinct texts (one row per publisher and content_digest) in a fixed order, re-reading
   each representative document: new rows fill shards; copies are matched to releases.

Incremental: `manifest.json` records which row (and which stored revisions) is in which shard;
a rebuild writes only rows whose (publisher, content_digest) is not there yet, into new shards, and never
touches old shard files. The small derived tables (syndication, urls) and the card are
recomputed and replaced. Deterministic: rows sorted, no timestamps in data files, every file
named by a hash of its content or of the ids it holds.
"""
from __future__ import annotations

import hashlib
import io
import json
import pickle
import tempfile
import time
from collections import Counter, OrderedDict
from dataclasses import asdict, dataclass, field
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from archive.dataset.errors import DatasetError, EmptyInput, OutputMismatch
from archive.dataset.progress import Progress
from archive.dataset.reader import DocReader, DocRecord, parse_time
from archive.dataset.schema import (DATASET_FORMAT, DOCUMENTS_SCHEMA, LICENCE_OGL,
                                    LICENCE_PUBLISHER, SYNDICATION_SCHEMA, URLS_SCHEMA)
from archive.dataset.syndication import (MIN_CONTAINMENT, ReleaseIndex, measure, shingles, words)
from archive.errors import NotFound
from archive.storage import Store

__all__ = ["BuildOptions", "BuildSummary", "Analysis", "build_dataset", "analyse", "MANIFEST"]

MANIFEST = "manifest.json"
_RELEASE_CACHE = 256  # releases kept as shingle sets while matching copies (LRU)
_EMPTY = np.empty(0, dtype=np.uint32)


@dataclass
class BuildOptions:
    """What to build. Recorded in the manifest and the card so a build can be repeated."""

    sites: list[str] | None = None
    since: str | None = None           # YYYY-MM-DD (or any ISO 8601 time)
    format: str = "parquet"            # parquet | jsonl
    outlet_text: bool = True           # False: outlet copies keep metadata and links only
    shard_rows: int = 5000

    def params(self) -> dict[str, Any]:
        return {"sites": sorted(self.sites) if self.sites else None, "since": self.since,
                "format": self.format, "outlet_text": self.outlet_text,
                "shard_rows": self.shard_rows}


@dataclass
class BuildSummary:
    """Counts printed at the end (and by --json)."""

    store: str = ""
    out: str = ""
    documents_read: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    skipped_examples: list[str] = field(default_factory=list)
    filtered_out: int = 0
    releases: int = 0
    copies: int = 0
    rows_total: int = 0
    rows_new: int = 0
    duplicates_collapsed: int = 0
    shards_new: list[str] = field(default_factory=list)
    shards_total: int = 0
    links: int = 0
    links_by_method: dict[str, int] = field(default_factory=dict)
    unmatched_copies: int = 0
    rows_by_site: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class _Release:
    row_id: str
    url: str
    title: str | None
    published: datetime | None
    sh: np.ndarray
    words: str


@dataclass
class Analysis:
    """Everything the scan learned: per-revision records grouped by text, and the release index."""

    records: list[DocRecord]
    groups: dict[str, list[DocRecord]]      # content_digest -> revisions (included docs)
    release_groups: dict[str, list[DocRecord]]  # content_digest -> release revisions (indexed)
    index: ReleaseIndex
    reader: DocReader
    filtered_out: int = 0


def _since(value: str | None) -> datetime | None:
    if not value:
        return None
    dt = parse_time(value)
    if dt is None:
        raise DatasetError(f"--since {value!r}: not a date (use YYYY-MM-DD)")
    return dt


def analyse(store: Store, options: BuildOptions, progress: Progress | None = None) -> Analysis:
    """Pass 1: read every document once; keep records, index releases' sampled shingles."""
    progress = progress or Progress(enabled=False)
    reader = DocReader(store, sites=options.sites, since=_since(options.since))
    keys = list(reader.keys())
    # Releases are indexed even when --sites/--since leave them out, so a new copy can still
    # link to an older release; they only get rows when the filters include them.
    extra: list[str] = []
    if options.sites and "govuk" not in options.sites:
        extra = [k for k in DocReader(store, sites=["govuk"]).keys()]
    if not keys and not extra:
        where = f" for sites {','.join(options.sites)}" if options.sites else ""
        raise EmptyInput(f"no documents under docs/ in {store.uri}{where}")
    index = ReleaseIndex()
    records: list[DocRecord] = []
    groups: dict[str, list[DocRecord]] = {}
    rgroups: dict[str, list[DocRecord]] = {}
    filtered = 0
    wanted = set(keys)
    all_keys = sorted(wanted | set(extra))
    unfiltered = DocReader(store)
    progress.stage("scan", len(all_keys))
    for key in all_keys:
        progress.advance()
        doc = reader.load(key)
        if doc is None:
            continue
        rec = unfiltered.record(key, doc)
        assert rec is not None  # no `since` on the unfiltered reader
        if key in wanted and reader.record(key, doc) is not None:
            records.append(rec)
            groups.setdefault(rec.group, []).append(rec)
        elif key in wanted:
            filtered += 1
        if rec.is_release:
            first = rec.group not in rgroups
            rgroups.setdefault(rec.group, []).append(rec)
            sh = shingles(doc["text"]) if first else _EMPTY
            index.add(rec.group, sh, (rec.url, rec.final_url, rec.canonical_url))
    return Analysis(records, groups, rgroups, index, reader, filtered)


def _rep(members: list[DocRecord], row_id: str | None = None) -> DocRecord:
    if row_id:
        for m in members:
            if m.id == row_id:
                return m
    return min(members, key=lambda r: r.order)


def _row(doc: dict[str, Any], rec: DocRecord, row_id: str, members: list[DocRecord],
         outlet_text: bool) -> dict[str, Any]:
    urls = sorted({u for m in members for u in (m.url, m.final_url, m.canonical_url) if u})
    warc = doc.get("warc") if isinstance(doc.get("warc"), dict) else {}
    meta = doc.get("metadata") if isinstance(doc.get("metadata"), dict) else {}
    authors = doc.get("authors") if isinstance(doc.get("authors"), list) else []
    keep_text = rec.is_release or outlet_text

    def _int(v: Any) -> int | None:
        try:
            return int(v) if v is not None else None
        except (TypeError, ValueError):
            return None

    return {
        "id": row_id, "revision_ids": sorted({m.id for m in members}),
        "url": rec.url, "final_url": rec.final_url, "canonical_url": rec.canonical_url,
        "urls": urls, "site": rec.site, "outlet": doc.get("outlet"), "is_release": rec.is_release,
        "title": doc.get("title"), "authors": [str(a) for a in authors],
        "published": rec.published, "modified": parse_time(doc.get("modified")),
        "month": rec.month, "language": doc.get("language"), "description": doc.get("description"),
        "text": doc["text"] if keep_text else None, "word_count": rec.words,
        "content_digest": rec.digest, "licence": LICENCE_OGL if rec.is_release else LICENCE_PUBLISHER,
        "source_url": rec.source_url, "cleaner": doc.get("cleaner"),
        "cleaner_version": doc.get("cleaner_version"),
        "warc_file": warc.get("file"), "warc_offset": _int(warc.get("offset")),
        "warc_length": _int(warc.get("length")), "warc_record_id": warc.get("record_id"),
        "payload_digest": doc.get("payload_digest"), "fetched_at": rec.fetched_at,
        "status": _int(doc.get("status")), "store_key": rec.key,
        "metadata_json": json.dumps(meta, sort_keys=True, ensure_ascii=False, default=str),
    }


def _encode(rows: list[dict[str, Any]], schema: pa.Schema, fmt: str) -> bytes:
    """Rows to file bytes; identical rows always give identical bytes."""
    if fmt == "jsonl":
        def conv(v: Any) -> Any:
            return v.isoformat() if isinstance(v, datetime) else v
        return "".join(json.dumps({k: conv(r.get(k)) for k in schema.names}, ensure_ascii=False,
                                  sort_keys=True) + "\n" for r in rows).encode("utf-8")
    table = pa.Table.from_pylist(rows, schema=schema)
    buf = io.BytesIO()
    pq.write_table(table, buf, compression="zstd", row_group_size=1000)
    return buf.getvalue()


class _Spill:
    """Rows pickled to a temp file, sorted by key only at the end: the derived tables (one row per
    link or URL, links carrying whole added paragraphs) never sit in memory all at once."""

    def __init__(self, key: Any) -> None:
        self.key = key
        self.file = tempfile.TemporaryFile()
        self.index: list[tuple[Any, int, int]] = []
        self.methods: Counter[str] = Counter()

    def add(self, row: dict[str, Any]) -> None:
        data = pickle.dumps(row, protocol=pickle.HIGHEST_PROTOCOL)
        self.file.seek(0, io.SEEK_END)
        self.index.append((self.key(row), self.file.tell(), len(data)))
        self.file.write(data)
        if "method" in row:
            self.methods[str(row["method"])] += 1

    def __len__(self) -> int:
        return len(self.index)

    def sorted_rows(self) -> Iterator[dict[str, Any]]:
        for _, off, n in sorted(self.index, key=lambda e: e[0]):
            self.file.seek(off)
            yield pickle.loads(self.file.read(n))

    def close(self) -> None:
        self.file.close()


def _write_table(out: Store, kind: str, rows: Iterator[dict[str, Any]], schema: pa.Schema,
                 fmt: str) -> str:
    """Stream rows into a temp file in 1000-row groups, then store it under a content-hash key."""
    with tempfile.NamedTemporaryFile(suffix=f".{fmt}") as tmp:
        if fmt == "jsonl":
            for batch in _batches(rows, 1000):
                tmp.write(_encode(batch, schema, fmt))
        else:
            with pq.ParquetWriter(tmp, schema, compression="zstd") as writer:
                for batch in _batches(rows, 1000):
                    writer.write_table(pa.Table.from_pylist(batch, schema=schema))
        tmp.flush()
        h = hashlib.sha256()
        tmp.seek(0)
        while chunk := tmp.read(1 << 20):
            h.update(chunk)
        key = f"{kind}/{kind}-{h.hexdigest()[:16]}.{fmt}"
        if not out.exists(key):
            out.put_file(key, Path(tmp.name))
    return key


def _batches(rows: Iterator[dict[str, Any]], n: int) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for r in rows:
        batch.append(r)
        if len(batch) >= n:
            yield batch
            batch = []
    if batch:
        yield batch


def _name(kind: str, ids: list[str], fmt: str) -> str:
    h = hashlib.sha256("\n".join(ids).encode()).hexdigest()[:16]
    return f"{kind}/part-{h}.{fmt}"


class _Releases:
    """LRU of releases as shingle sets, read back from the store on demand (never all at once)."""

    def __init__(self, analysis: Analysis, row_ids: dict[str, str]) -> None:
        self.a = analysis
        self.row_ids = row_ids
        self.cache: OrderedDict[str, _Release | None] = OrderedDict()

    def get(self, digest: str) -> _Release | None:
        if digest in self.cache:
            self.cache.move_to_end(digest)
            return self.cache[digest]
        members = self.a.release_groups[digest]
        rid = self.row_ids.get(digest)
        rep = _rep(members, rid)
        doc = self.a.reader.load(rep.key)
        rel = None if doc is None else _Release(
            row_id=rid or rep.id, url=rep.canonical_url or rep.final_url or rep.url,
            title=doc.get("title"), published=rep.published, sh=shingles(doc["text"]),
            words=" ".join(words(doc["text"])))
        self.cache[digest] = rel
        if len(self.cache) > _RELEASE_CACHE:
            self.cache.popitem(last=False)
        return rel


def match_copy(doc: dict[str, Any], rec: DocRecord, row_id: str, analysis: Analysis,
               releases: _Releases, outlet_text: bool) -> dict[str, Any] | None:
    """The syndication row linking one copy to its best release, or None."""
    text = doc["text"]
    sh = shingles(text)
    cands = set(analysis.index.candidates(sh))
    strong = set(analysis.index.by_url(rec.source_url)) if rec.source_url else set()
    best: tuple[tuple[Any, ...], dict[str, Any]] | None = None
    for digest in sorted(cands | strong):
        rel = releases.get(digest)
        if rel is None:
            continue
        m = measure(text, sh, rel.sh, rel.words)
        by_text = m.copy_share >= MIN_CONTAINMENT
        if not (by_text or digest in strong):
            continue
        method = "+".join(x for x, on in (("source_url", digest in strong), ("minhash", by_text)) if on)
        delay = (int((rec.published - rel.published).total_seconds())
                 if rec.published and rel.published else None)
        row = {
            "copy_id": row_id, "copy_url": rec.canonical_url or rec.final_url or rec.url,
            "copy_site": rec.site, "copy_outlet": doc.get("outlet"), "copy_title": doc.get("title"),
            "release_id": rel.row_id, "release_url": rel.url, "release_title": rel.title,
            "method": method, "similarity": round(m.similarity, 6),
            "reused_share": round(m.reused_share, 6), "copy_share": round(m.copy_share, 6),
            "copy_paragraphs": m.copy_paragraphs, "added_paragraph_count": len(m.added),
            "added_paragraphs": m.added if outlet_text else [], "delay_seconds": delay,
        }
        score = (digest in strong, m.copy_share, m.reused_share, rel.row_id)
        if best is None or score > best[0]:
            best = (score, row)
    return best[1] if best else None


def _load_manifest(out: Store) -> dict[str, Any] | None:
    try:
        raw = out.get_bytes(MANIFEST)
    except NotFound:
        return None
    try:
        m = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise OutputMismatch(f"{out.uri}/{MANIFEST} is corrupt; build into a new --out") from None
    if not isinstance(m, dict) or m.get("format") != DATASET_FORMAT:
        raise OutputMismatch(f"{out.uri} holds something other than a {DATASET_FORMAT} dataset")
    return m


def _read_table(out: Store, key: str | None, fmt: str) -> list[dict[str, Any]]:
    if not key:
        return []
    raw = out.get_bytes(key)
    if fmt == "jsonl":
        return [json.loads(line) for line in raw.decode().splitlines() if line]
    return pq.read_table(io.BytesIO(raw)).to_pylist()


def build_dataset(store: Store, out: Store, options: BuildOptions,
                  progress: Progress | None = None,
                  versions: dict[str, str] | None = None) -> BuildSummary:
    """Build or extend the dataset in `out` from the documents in `store`.

    Args:
        store: the archive (documents under docs/).
        out: where the dataset goes (a LocalStore directory or S3 prefix).
        options: filters and format; must agree with an existing output's format and text flag.
        progress: where progress goes (silent by default).
        versions: tool versions for the card ({"govwire": ...}).

    Raises:
        EmptyInput: the store holds no documents (for the chosen sites).
        OutputMismatch: `out` holds a dataset built with another format or text flag.
    """
    t0 = time.monotonic()
    progress = progress or Progress(enabled=False)
    if options.format not in ("parquet", "jsonl"):
        raise DatasetError(f"--format {options.format!r}: use parquet or jsonl")
    manifest = _load_manifest(out) or {
        "format": DATASET_FORMAT, "file_format": options.format,
        "outlet_text": options.outlet_text, "shards": [], "rows": {}, "builds": []}
    for k, v in (("file_format", options.format), ("outlet_text", options.outlet_text)):
        if manifest[k] != v:
            raise OutputMismatch(f"{out.uri} was built with {k}={manifest[k]!r}; "
                                 f"this build asks for {v!r}: use a new --out")
    fmt = options.format
    analysis = analyse(store, options, progress)
    summary = BuildSummary(store=store.uri, out=out.uri, filtered_out=analysis.filtered_out)

    rows_meta: dict[str, dict[str, Any]] = manifest["rows"]
    by_digest = {m["group"]: rid for rid, m in rows_meta.items()}
    row_ids = {d: by_digest.get(d) or _rep(ms).id for d, ms in analysis.groups.items()}
    for d, ms in analysis.release_groups.items():
        row_ids.setdefault(d, by_digest.get(d) or _rep(ms).id)

    order = sorted(analysis.groups, key=lambda d: (_rep(analysis.groups[d], row_ids[d]).site,
                                                  _rep(analysis.groups[d], row_ids[d]).month,
                                                  row_ids[d]))
    releases = _Releases(analysis, row_ids)
    links = _Spill(key=lambda r: (r["release_id"], r["copy_id"]))
    pending: list[dict[str, Any]] = []
    new_shards: list[dict[str, Any]] = []
    cleaner_versions: set[str] = set()

    def flush() -> None:
        if not pending:
            return
        ids = [r["id"] for r in pending]
        key = _name("documents", ids, fmt)
        data = _encode(pending, DOCUMENTS_SCHEMA, fmt)
        if not out.exists(key):
            out.put_bytes(key, data)
        new_shards.append({"file": key, "rows": len(ids),
                           "sha256": hashlib.sha256(data).hexdigest()})
        for r in pending:
            if r["cleaner_version"]:
                cleaner_versions.add(f"{r['cleaner']} {r['cleaner_version']}")
            rows_meta[r["id"]] = {"group": r["_group"], "shard": key, "site": r["site"],
                                  "month": r["month"], "revisions": r["revision_ids"]}
        pending.clear()

    progress.stage("match and write", len(order))
    for digest in order:
        progress.advance()
        members = analysis.groups[digest]
        rid = row_ids[digest]
        rec = _rep(members, rid)
        is_new = rid not in rows_meta
        if not is_new:
            revs = set(rows_meta[rid]["revisions"]) | {m.id for m in members}
            rows_meta[rid]["revisions"] = sorted(revs)
        if not is_new and rec.is_release:
            continue
        doc = analysis.reader.load(rec.key)
        if doc is None:
            continue
        if not rec.is_release:
            link = match_copy(doc, rec, rid, analysis, releases, options.outlet_text)
            if link:
                links.add(link)
        if is_new:
            pending.append({**_row(doc, rec, rid, members, options.outlet_text), "_group": digest})
            if len(pending) >= options.shard_rows:
                flush()
    flush()
    manifest["shards"] = sorted(manifest["shards"] + new_shards, key=lambda s: s["file"])

    # Derived tables: keep earlier builds' rows for documents this build did not see.
    seen = set(row_ids[d] for d in analysis.groups)
    for r in _read_table(out, manifest.get("syndication"), fmt):
        if r["copy_id"] not in seen:
            links.add(r)
    urls = _Spill(key=lambda r: (r["id"], r["store_key"]))
    for r in _read_table(out, manifest.get("urls"), fmt):
        if r["id"] not in seen:
            urls.add({**r, "fetched_at": parse_time(r["fetched_at"])
                      if isinstance(r["fetched_at"], str) else r["fetched_at"]})
    for rec in analysis.records:
        urls.add({"id": row_ids[rec.group], "revision_id": rec.id, "url": rec.url,
                  "final_url": rec.final_url, "canonical_url": rec.canonical_url,
                  "site": rec.site, "fetched_at": rec.fetched_at, "store_key": rec.key})
    for kind, spill, schema in (("syndication", links, SYNDICATION_SCHEMA), ("urls", urls, URLS_SCHEMA)):
        key = _write_table(out, kind, spill.sorted_rows(), schema, fmt)
        old = manifest.get(kind)
        if old and old != key:
            out.delete(old)
        manifest[kind] = key
    n_links, methods = len(links), links.methods
    links.close()
    urls.close()

    params = options.params()
    if params not in manifest["builds"]:
        manifest["builds"].append(params)
    manifest["versions"] = versions or {}
    summary.releases = sum(1 for d in analysis.groups if _rep(analysis.groups[d]).is_release)
    summary.copies = len(analysis.groups) - summary.releases
    summary.documents_read = len(analysis.records)
    summary.skipped = dict(sorted(analysis.reader.skipped.items()))
    summary.skipped_examples = list(analysis.reader.skipped_keys)
    summary.duplicates_collapsed = len(analysis.records) - len(analysis.groups)
    summary.rows_new = sum(s["rows"] for s in new_shards)
    summary.rows_total = len(rows_meta)
    summary.shards_new = [s["file"] for s in new_shards]
    summary.shards_total = len(manifest["shards"])
    summary.links = n_links
    summary.links_by_method = dict(sorted(methods.items()))
    summary.unmatched_copies = summary.copies - n_links
    summary.rows_by_site = dict(sorted(Counter(m["site"] for m in rows_meta.values()).items()))
    manifest["cleaner_versions"] = sorted(set(manifest.get("cleaner_versions", [])) | set(cleaner_versions))
    out.put_bytes(MANIFEST, (json.dumps(manifest, sort_keys=True, indent=1, ensure_ascii=False)
                             + "\n").encode())
    from archive.dataset.card import render_card
    out.put_bytes("README.md", render_card(manifest).encode())
    summary.seconds = round(time.monotonic() - t0, 3)
    return summary

