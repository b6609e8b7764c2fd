"""Build the researchers' dataset from a store: documents, syndication links, paragraph
alignments, releases' revisions, copies, outlets, URLs, a card.

How (two streaming passes; Python memory bounded by one date window of releases and one shard
of rows, whatever the size of the archive):

1. *Scan* (`analyse`): read every document once; record each revision (no text) in the
   ledger, an on-disk SQLite table (ledger.py); each release's shingles go to an out-of-core
   document-frequency count (docfreq.py) that finds the standard paragraphs shared by many
   releases. Duplicate groups, row ids and revision numbers are then formed in one sorted
   pass over the ledger.
2. *Match* (`_Matcher`): walk the copies in publication order (a ledger query) while a sliding
   window of releases (window.py) covers the dates around each; score every candidate on
   distinctive text (links.py), align paragraphs (align.py), cluster wire stories
   (clusters.py). Every document's row is spilled to disk as it is read (its sort key in the
   ledger), then written sorted into shards.

All temp files (ledger, spills, docfreq buckets, table files before upload) live in one temp
directory, removed at the end and on error: the output holds the dataset only.

Incremental: `manifest.json` records which row (and which stored revisions) is in which shard;
a rebuild writes only rows whose (publisher, content_digest) is not there yet, into new shards,
and never touches old shard files. The derived tables and the card are recomputed and
replaced. Deterministic: rows sorted, no timestamps in data files, every file named by a hash
of its content or of the ids it holds.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import pickle
import tempfile
import time
from collections import Counter
from collections.abc import Generator, Iterable, Iterator, Mapping
from contextlib import closing
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from archive.dataset.clusters import WireClusters
from archive.dataset.docfreq import DocFrequency
from archive.dataset.ledger import Blocks, Ledger, from_us, rep
from archive.dataset.errors import DatasetError, EmptyInput, OutputMismatch
from archive.dataset.outlets import outlet_rows
from archive.dataset.progress import Progress
from archive.dataset.reader import DocReader, DocRecord, parse_time
from archive.dataset.research import research_columns
from archive.dataset.schema import (DATASET_FORMAT, DERIVED, LICENCE_OGL,
                                    LICENCE_PUBLISHER)
from archive.dataset.shards import (CopyResult, CopyTask, MatchTask, PlanSource, ReleaseMeta,
                                    RowsResult, RowsTask, ScanTask, run_task)
from archive.dataset.window import ReleaseWindow
from archive.errors import NotFound
from archive.storage import LocalStore, Store

__all__ = ["BuildOptions", "BuildSummary", "Analysis", "Runner", "build_dataset", "analyse", "MANIFEST"]

MANIFEST = "manifest.json"
SCAN_KEYS = 1000          # documents per scan shard
MATCH_COPIES_MIN = 500    # copies per match slice (each slice re-reads its window's first weeks)
MATCH_COPIES_MAX = 4000   # ... and at most this many (a slice's results travel back whole)
T = TypeVar("T")


@dataclass
class BuildOptions:
    """What to build. Recorded in the manifest and the card so a build can be repeated."""

    sites: list[str] | None = None
    since: str | None = None           # YYYY-MM-DD (or any ISO 8601 time)
    format: str = "parquet"            # parquet | jsonl
    outlet_text: bool = False          # True: outlet copies keep their text (not openly licensed)
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
    links: int = 0                       # linked (copy, release) pairs
    candidates: int = 0                  # syndication rows (linked or not)
    links_by_method: dict[str, int] = field(default_factory=dict)
    unmatched_copies: int = 0            # copies linked to no release
    source_not_archived: int = 0         # ... of which look like copies of unarchived releases
    common_shingles: int = 0
    peak_window_blocks: int = 0
    rows_by_site: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    engine: str = "local"                # where the shards ran (per run, like seconds)
    workers: int = 1

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Analysis:
    """What the scan learned: per-revision records grouped by text (in the ledger), standard text."""

    ledger: Ledger
    reader: DocReader
    common: np.ndarray                          # sorted common shingles
    filtered_out: int = 0


def _since(value: str | None) -> datetime | None:
    if not value:
        return None
    dt = parse_time(value)
    if dt is None:
        raise DatasetError(f"--since {value!r}: not a date (use YYYY-MM-DD)")
    return dt


def analyse(store: Store, options: BuildOptions, ledger: Ledger, progress: Progress | None = None,
            tmpdir: str | None = None, shards: _Shards | None = None) -> Analysis:
    """Pass 1: read every document once; record revisions in the ledger, count release shingles.

    The reading, parsing and shingling run in shards of `SCAN_KEYS` keys (in key order, so a
    store prefix at a time); their results are applied here in key order."""
    progress = progress or Progress(enabled=False)
    shards = shards or _Shards(Runner(), store, store)
    since = _since(options.since)
    reader = DocReader(store, sites=options.sites, since=since)
    n_wanted = ledger.add_keys(reader.keys(), wanted=True)
    # Releases are read even when --sites/--since leave them out, so a new copy can still
    # link to an older release; they only get rows when the filters include them.
    n_extra = 0
    if options.sites and "govuk" not in options.sites:
        n_extra = ledger.add_keys(DocReader(store, sites=["govuk"]).keys(), wanted=False)
    if not n_wanted and not n_extra:
        where = f" for sites {','.join(options.sites)}" if options.sites else ""
        raise EmptyInput(f"no documents under docs/ in {store.uri}{where}")
    df = DocFrequency(tmpdir)
    dept_ids: dict[str, int] = {}
    filtered = 0
    shards.documents = ledger.count_keys()
    progress.stage("scan", shards.documents)
    tasks = (ScanTask(chunk, options.sites, since) for chunk in _chunks(ledger.keys(), SCAN_KEYS))
    with closing(shards.run(tasks)) as results:
        for item in results:
            progress.advance()
            if item.skip is not None:
                reader.skip(item.key, item.skip)
                continue
            rec = item.rec
            assert rec is not None
            included = item.wanted and item.passes
            if item.wanted and not included:
                filtered += 1
            if not included and not rec.is_release:
                continue
            first = rec.is_release and not ledger.has_release_group(rec.group)
            ledger.add(rec, included)
            if first:
                assert item.sh is not None
                kid = ledger.release_key_id(rec.release_key or rec.group)
                did = dept_ids.setdefault(rec.department, len(dept_ids) + 1) if rec.department else 0
                df.add(kid, did, item.sh)
    return Analysis(ledger, reader, df.common(), filtered)


def _chunks(items: Iterable[T], n: int) -> Iterator[list[T]]:
    chunk: list[T] = []
    for x in items:
        chunk.append(x)
        if len(chunk) >= n:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _int(v: Any) -> int | None:
    try:
        return int(v) if v is not None else None
    except (TypeError, ValueError):
        return None


def _row(doc: dict[str, Any], rec: DocRecord, row_id: str, members: list[DocRecord],
         outlet_text: bool) -> dict[str, Any]:
    urls = sorted({u for m in members for u in (m.url, m.final_url, m.canonical_url) if u})
    warc: dict[str, Any] = doc["warc"] if isinstance(doc.get("warc"), dict) else {}
    meta: dict[str, Any] = doc["metadata"] if isinstance(doc.get("metadata"), dict) else {}
    authors: list[Any] = doc["authors"] if isinstance(doc.get("authors"), list) else []
    keep_text = rec.is_release or outlet_text
    url = rec.canonical_url or rec.final_url or rec.url
    return {
        "id": row_id, "revision_ids": sorted({m.id for m in members}),
        "url": rec.url, "final_url": rec.final_url, "canonical_url": rec.canonical_url,
        "urls": urls, "site": rec.site, "outlet": doc.get("outlet"), "is_release": rec.is_release,
        "title": doc.get("title"), "authors": [str(a) for a in authors],
        "published": rec.published, "modified": parse_time(doc.get("modified")),
        "month": rec.month, "description": doc.get("description") if keep_text else None,
        "text": doc["text"] if keep_text else None, "word_count": rec.words,
        "content_digest": rec.digest, "licence": LICENCE_OGL if rec.is_release else LICENCE_PUBLISHER,
        "source_url": rec.source_url, "cleaner": doc.get("cleaner"),
        "cleaner_version": doc.get("cleaner_version"),
        "warc_file": warc.get("file"), "warc_offset": _int(warc.get("offset")),
        "warc_length": _int(warc.get("length")), "warc_record_id": warc.get("record_id"),
        "payload_digest": doc.get("payload_digest"), "fetched_at": rec.fetched_at,
        "status": _int(doc.get("status")), "store_key": rec.key,
        **research_columns(doc, meta, rec.is_release, url),
        "metadata_json": json.dumps(meta, sort_keys=True, ensure_ascii=False, default=str),
    }


def _encode(rows: list[dict[str, Any]], schema: pa.Schema, fmt: str) -> bytes:
    """Rows to file bytes; identical rows always give identical bytes."""
    if fmt == "jsonl":
        return "".join(_json_line(r, schema) for r in rows).encode("utf-8")
    table = pa.Table.from_pylist(rows, schema=schema)
    buf = io.BytesIO()
    pq.write_table(table, buf, compression="zstd", row_group_size=1000)
    return buf.getvalue()


def _json_line(r: dict[str, Any], schema: pa.Schema) -> str:
    def conv(v: Any) -> Any:
        return v.isoformat() if isinstance(v, datetime) else v
    return json.dumps({k: conv(r.get(k)) for k in schema.names}, ensure_ascii=False,
                      sort_keys=True) + "\n"


class _Spill:
    """Rows pickled to a temp file, their sort keys in the ledger; sorted only when read back,
    so neither the tables nor their keys sit in memory."""

    def __init__(self, ledger: Ledger, name: str, key: Any, directory: str) -> None:
        self.ledger = ledger
        self.name = name
        self.key = key
        self.file = tempfile.TemporaryFile(dir=directory)
        self._n = 0

    def add(self, row: dict[str, Any]) -> None:
        self.add_group(self.key(row), [row])

    def add_group(self, key: Any, rows: list[dict[str, Any]]) -> None:
        """Rows that sort together (one copy's paragraphs): one index entry for all of them."""
        if rows:
            self.add_pickled(key, pickle.dumps(rows, protocol=pickle.HIGHEST_PROTOCOL))

    def add_pickled(self, key: Any, data: bytes) -> None:
        """`add_group` with the rows pickled already (by the shard that made them)."""
        if not data:
            return
        self.file.seek(0, io.SEEK_END)
        k = tuple(key) if isinstance(key, tuple) else (key,)
        k = k + (None,) * (3 - len(k))
        self.ledger.db.execute("INSERT INTO spill VALUES (?, ?, ?, ?, ?, ?)",
                               (self.name, *k, self.file.tell(), len(data)))
        self.file.write(data)
        self._n += 1

    def __len__(self) -> int:
        return self._n

    def sorted_rows(self) -> Iterator[dict[str, Any]]:
        """Rows in key order; equal keys in the order they were added (a stable sort)."""
        for off, n in self.ledger.walk("off, n", "FROM spill WHERE name = ? ORDER BY k1, k2, k3, rowid",
                                          (self.name,)):
            self.file.seek(off)
            yield from pickle.loads(self.file.read(n))

    def close(self) -> None:
        self.file.close()
        self.ledger.db.execute("DELETE FROM spill WHERE name = ?", (self.name,))


def _write_table(out: Store, kind: str, rows: Iterator[dict[str, Any]], schema: pa.Schema,
                 fmt: str, directory: str) -> tuple[str, bool]:
    """Stream rows into a temp file in 1000-row groups, then store it under a content-hash key
    (and say whether it was written: the same table may be there already)."""
    with tempfile.NamedTemporaryFile(suffix=f".{fmt}", dir=directory) as tmp:
        if fmt == "jsonl":
            for batch in _chunks(rows, 1000):
                tmp.write("".join(_json_line(r, schema) for r in batch).encode())
        else:
            with pq.ParquetWriter(tmp, schema, compression="zstd") as writer:
                for batch in _chunks(rows, 1000):
                    writer.write_table(pa.Table.from_pylist(batch, schema=schema))
        tmp.flush()
        h = hashlib.sha256()
        tmp.seek(0)
        while chunk := tmp.read(1 << 20):
            h.update(chunk)
        key = f"{kind}/{kind}-{h.hexdigest()[:16]}.{fmt}"
        if out.exists(key):
            return key, False
        out.put_file(key, Path(tmp.name))
    return key, True


def _name(kind: str, ids: list[str], fmt: str) -> str:
    h = hashlib.sha256("\n".join(ids).encode()).hexdigest()[:16]
    return f"{kind}/part-{h}.{fmt}"


class LedgerSource:
    """The match's view of the live ledger (ReleaseSource): read lazily, one copy at a time."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger

    def copies(self) -> Iterator[CopyTask]:
        """Every copy's group in sweep order: undated ones first, then by date."""
        L = self.ledger
        copies = "FROM grp WHERE inc = 1 AND rep_rel = 0"
        for g, t in L.walk("g, when_us", f"{copies} AND when_us IS NULL ORDER BY rid, g"):
            yield self._task(g, t)
        for g, t in L.walk("g, when_us", f"{copies} AND when_us IS NOT NULL ORDER BY when_us, rid, g"):
            yield self._task(g, t)

    def _task(self, g: str, when_us: int | None) -> CopyTask:
        members = self.ledger.members(g)
        rid = self.ledger.row_id(g)
        assert rid is not None
        rec = rep(members, rid)
        named: set[str] = set()
        for m in members:
            if m.source_url:
                named |= self.ledger.release_keys_named(m.source_url)
        return CopyTask(group=g, row_id=rid, when=from_us(when_us), key=rec.key,
                        url=rec.canonical_url or rec.final_url or rec.url, site=rec.site,
                        published=rec.published, named=tuple(sorted(named)))

    def blocks(self) -> Mapping[int, list[str]]:
        return Blocks(self.ledger)

    def key_groups(self, release_key: str) -> list[str]:
        return self.ledger.key_groups(release_key)

    def release(self, group: str) -> ReleaseMeta:
        L = self.ledger
        rid = L.row_id(group)
        r = rep(L.members(group, releases=True), rid)
        rev, _, live, _ = L.revision(group)
        key = r.release_key or group
        return ReleaseMeta(row_id=rid or r.id, key=r.key, release_key=key,
                           url=r.canonical_url or r.final_url or r.url,
                           published=L.key_published(key), live_from=live, revision=rev)


@dataclass(frozen=True)
class Runner:
    """Where the build's shards run (archive/cluster.py): by default in this process.

    `store_options` are what `open_store` needs to reopen the store and the output in a worker
    (the CLI's --endpoint-url and friends); credentials come from the worker's environment."""

    engine: str = "local"
    workers: int = 1
    scheduler: str | None = None
    store_options: dict[str, Any] = field(default_factory=dict)
    serial_up_to: int = 0   # a store of at most this many documents is built in this process

    @property
    def parallel(self) -> bool:
        return self.engine != "local" or self.workers > 1


class _Shards:
    """Runs tasks in this process, or maps them through the engine; yields their results in
    task order either way."""

    def __init__(self, runner: Runner, store: Store, out: Store) -> None:
        self.runner, self.store, self.out = runner, store, out
        self.documents = 0

    @property
    def parallel(self) -> bool:
        return self.runner.parallel and self.documents > self.runner.serial_up_to

    def run(self, tasks: Iterable[Any]) -> Generator[Any, None, None]:
        r = self.runner
        if not self.parallel:
            for t in tasks:
                yield from t.items(self.store, self.out)
            return
        from archive.cluster import map_shards

        args = ((self.store.uri, self.out.uri, r.store_options, t) for t in tasks)
        for _, items in map_shards(r.engine, run_task, args, r.workers, scheduler=r.scheduler,
                                   ordered=True, preload=("archive.dataset.shards",)):
            yield from items


class _Merge:
    """Pass 2's results applied in sweep order: derived-table spills, counters, wire clusters,
    the document shards' row map."""

    def __init__(self, a: Analysis, options: BuildOptions, progress: Progress, tmpdir: str) -> None:
        self.a = a
        self.ledger = a.ledger
        self.options = options
        self.progress = progress
        self.tmpdir = tmpdir
        self.tables = {name: self._spill(name, _sort_key(name)) for name in DERIVED}
        self.clusters = WireClusters()
        self.copies = self._spill("copies-unclustered", lambda r: r["id"])   # cluster ids at the end
        self.copy_status: Counter[str] = Counter()
        self.methods: Counter[str] = Counter()
        self.n_links = 0
        self.outlets: dict[str, set[str]] = {}
        self.new_shards: list[dict[str, Any]] = []
        self.cleaner_versions: set[str] = set()
        self.writing = False
        self.tables_written: list[str] = []

    def _spill(self, name: str, key: Any) -> _Spill:
        return _Spill(self.ledger, name, key, self.tmpdir)

    def tasks(self, shards: _Shards, n_copies: int) -> Iterator[Any]:
        """The match slices, then the document shards (one stream: the shards fill the pool
        while the last slices finish)."""
        L, o = self.ledger, self.options
        source = LedgerSource(L)
        workers = shards.runner.workers
        if not shards.parallel:
            # one worker: the whole sweep as one task over the live ledger (no snapshots, streaming)
            yield MatchTask(source, self.a.common, o.outlet_text)
        else:
            size = min(MATCH_COPIES_MAX, max(MATCH_COPIES_MIN, -(-n_copies // (2 * max(1, workers)))))
            for copies in _chunks(source.copies(), size):
                yield MatchTask(PlanSource.of(copies, source), self.a.common, o.outlet_text)
        for groups in _chunks(L.row_plan(new=True), o.shard_rows):
            yield RowsTask(groups, True, o.format, o.outlet_text)
        for groups in _chunks(L.row_plan(new=False), o.shard_rows):
            yield RowsTask(groups, False, o.format, o.outlet_text)

    def apply(self, item: CopyResult | RowsResult, n_rows: int) -> None:
        if isinstance(item, RowsResult):
            self._rows(item, n_rows)
        else:
            self._copy(item)

    def _copy(self, r: CopyResult) -> None:
        self.progress.advance()
        if r.skip is not None:
            self.a.reader.skip(r.key, r.skip)
            return
        rid = r.row_id
        self.tables["alignments"].add_pickled((rid, 0), r.alignments)
        for m in r.methods:
            self.methods[m] += 1
        for linked in r.linked_ids:
            self.n_links += 1
            self.ledger.count_linked(linked)
        self.tables["syndication"].add_pickled((rid, ""), r.links)
        if r.cluster is not None:
            outlet, when, distinctive = r.cluster
            self.clusters.add(rid, outlet, when, distinctive)
        self.copy_status[r.status] += 1
        self.copies.add(r.copy_row)

    def _rows(self, r: RowsResult, n_rows: int) -> None:
        if not self.writing:
            self.writing = True
            self.progress.stage("write documents", n_rows)
        self.progress.advance(r.groups)
        for key, reason in r.skips:
            self.a.reader.skip(key, reason)
        for outlet, host in r.hosts:
            self.outlets.setdefault(outlet, set()).add(host)
        if r.shard is not None:
            self.new_shards.append(r.shard)
        self.cleaner_versions.update(r.cleaner_versions)
        for rid, meta in r.row_meta:
            self.ledger.put_row(rid, meta)

    def finish(self) -> None:
        """The copies table (with wire-cluster ids) and the releases table."""
        L = self.ledger
        cluster = self.clusters.ids()
        for row in self.copies.sorted_rows():
            row["wire_cluster_id"] = cluster.get(row["id"])
            self.tables["copies"].add(row)
        self.copies.close()
        for g, rid in L.walk("g, rid", "FROM grp WHERE rel = 1 AND inc = 1 ORDER BY rel_first"):
            r = rep(L.members(g, releases=True), rid)
            rev, count, live, nxt = L.revision(g)
            key = r.release_key or g
            cid = key.rsplit(":", 1)[0] if ":" in key and "/" not in key else None
            self.tables["releases"].add({
                "id": rid, "release_key": key, "content_id": cid,
                "url": r.canonical_url or r.final_url or r.url, "revision": rev,
                "revision_count": count, "is_latest": rev == count, "live_from": live,
                "live_until": nxt, "published": L.key_published(key),
                "copies_linked": L.linked(rid)})


def _window_peak(ledger: Ledger) -> int:
    """The most weekly blocks the sweep's window holds at once (a summary figure): the window
    replayed over the copies' dates with empty blocks, so it does not depend on the slicing."""
    window = ReleaseWindow({w: [] for w in Blocks(ledger)}, lambda g: None, np.empty(0, np.uint32))
    for (t,) in ledger.walk("when_us", "FROM grp WHERE inc = 1 AND rep_rel = 0 AND when_us IS NOT NULL "
                            "ORDER BY when_us, rid, g"):
        when = from_us(t)
        assert when is not None
        window.advance(when)
    window.finish()
    return window.peak_blocks


def _sort_key(name: str) -> Any:
    if name == "syndication":
        return lambda r: (r["copy_id"], r.get("release_id") or "")
    if name == "alignments":
        return lambda r: (r["copy_id"], r["copy_paragraph"])
    if name == "urls":
        return lambda r: (r["id"], r["store_key"])
    if name == "outlets":
        return lambda r: r["outlet"]
    return lambda r: r["id"]


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
        raise OutputMismatch(f"{out.uri} holds something other than a {DATASET_FORMAT} dataset; "
                             "build into a new --out")
    return m


def read_table(out: Store, key: str | None, fmt: str) -> list[dict[str, Any]]:
    """A whole (small, derived) table of a built dataset as rows."""
    if not key:
        return []
    raw = out.get_bytes(key)
    if fmt == "jsonl":
        return [json.loads(line) for line in raw.decode().splitlines() if line]
    rows: list[dict[str, Any]] = pq.read_table(io.BytesIO(raw)).to_pylist()
    return rows


def _tidy_local(out: Store) -> None:
    """A local output holds the dataset and nothing else, readable by everyone."""
    if not isinstance(out, LocalStore):
        return
    spool = out.spool_dir
    if spool.is_dir() and all(p.name == ".lock" for p in spool.iterdir()):
        for p in spool.iterdir():
            p.unlink()
        spool.rmdir()
    for dirpath, _dirnames, filenames in os.walk(out.root):
        os.chmod(dirpath, 0o755)
        for f in filenames:
            os.chmod(os.path.join(dirpath, f), 0o644)


def build_dataset(store: Store, out: Store, options: BuildOptions,
                  progress: Progress | None = None,
                  versions: dict[str, str] | None = None,
                  runner: Runner | None = None) -> BuildSummary:
    """Build or extend the dataset in `out` from the documents in `store`.

    Args:
        store: the archive (documents under docs/).
        out: where the dataset goes (a LocalStore directory or S3 prefix).
        options: filters and format; must agree with an existing output's format and text flag.
        progress: where progress goes (silent by default).
        versions: tool versions for the card ({"govwire": ...}).
        runner: where the shards run (default: in this process); any runner gives the same
            dataset, byte for byte.

    Raises:
        EmptyInput: the store holds no documents (for the chosen sites).
        OutputMismatch: `out` holds a dataset built with another format or text flag.
        ShardFailed, EngineUnavailable: a shard failed or its worker died, or the engine
            cannot be used (archive/cluster.py); nothing is committed.
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
    tmp = tempfile.TemporaryDirectory(prefix="govwire-dataset-")
    ledger = Ledger(tmp.name)
    try:
        summary = _build(store, out, options, manifest, ledger, progress, versions, tmp.name,
                         _Shards(runner or Runner(), store, out))
    finally:
        ledger.close()
        tmp.cleanup()
    summary.seconds = round(time.monotonic() - t0, 3)
    runner = runner or Runner()
    summary.engine, summary.workers = runner.engine, runner.workers
    return summary


def _build(store: Store, out: Store, options: BuildOptions, manifest: dict[str, Any],
           ledger: Ledger, progress: Progress, versions: dict[str, str] | None,
           tmpdir: str, shards: _Shards) -> BuildSummary:
    ledger.load_rows(manifest.pop("rows"))
    analysis = analyse(store, options, ledger, progress, tmpdir, shards)
    summary = BuildSummary(store=store.uri, out=out.uri, filtered_out=analysis.filtered_out,
                           common_shingles=int(len(analysis.common)))
    ledger.form_groups()
    # a late duplicate of an existing row: recorded, not rewritten
    for g, rid in ledger.walk("grp.g, grp.rid", "FROM grp JOIN mrow ON mrow.rid = grp.rid "
                              "WHERE grp.inc = 1 ORDER BY grp.inc_first"):
        meta = json.loads(ledger.one("SELECT meta FROM mrow WHERE rid = ?", (rid,)))
        meta["revisions"] = sorted(set(meta["revisions"]) | {m.id for m in ledger.members(g)})
        ledger.put_row(rid, meta)

    n_rows = ledger.plan_rows()
    n_copies = ledger.one("SELECT COUNT(*) FROM grp WHERE inc = 1 AND rep_rel = 0")
    merge = _Merge(analysis, options, progress, tmpdir)
    progress.stage("match and write", n_copies)
    # The manifest is the commit point: until it is written, the files this build adds are
    # referenced by nothing, and on failure they are removed (best effort); the tables an
    # earlier manifest names are deleted only once the new manifest replaces it.
    committed = {s["file"] for s in manifest["shards"]} | {manifest[n] for n in DERIVED if manifest.get(n)}
    try:
        _finish_build(store, out, options, manifest, ledger, analysis, summary, merge, shards,
                      n_rows, n_copies, versions, tmpdir)
    except BaseException:
        added = [s["file"] for s in merge.new_shards] + merge.tables_written
        for key in added:
            if key not in committed:
                try:
                    out.delete(key)
                except Exception:  # the original error matters more
                    pass
        raise
    for key in sorted(committed - {s["file"] for s in manifest["shards"]}
                      - {manifest[n] for n in DERIVED if manifest.get(n)}):
        out.delete(key)
    from archive.dataset.card import render_card
    out.put_bytes("README.md", render_card(manifest, ledger.rows_by_site_month()).encode())
    _tidy_local(out)
    return summary


def _finish_build(store: Store, out: Store, options: BuildOptions, manifest: dict[str, Any],
                  ledger: Ledger, analysis: Analysis, summary: BuildSummary, merge: _Merge,
                  shards: _Shards, n_rows: int, n_copies: int, versions: dict[str, str] | None,
                  tmpdir: str) -> None:
    """Pass 2 and everything up to the manifest."""
    fmt = options.format
    with closing(shards.run(merge.tasks(shards, n_copies))) as results:
        for item in results:
            merge.apply(item, n_rows)
    new_shards = merge.new_shards
    cleaner_versions = merge.cleaner_versions
    merge.finish()
    manifest["shards"] = sorted(manifest["shards"] + new_shards, key=lambda s: s["file"])

    # Derived tables: keep earlier builds' rows for documents this build did not see.
    tables = merge.tables
    for name, (id_col, _) in DERIVED.items():
        if name in ("urls", "outlets"):
            continue
        for r in _read_rows(out, manifest.get(name), fmt):
            if not ledger.has_rows(r[id_col]):
                tables[name].add(_times(r))
    for r in _read_rows(out, manifest.get("urls"), fmt):
        if not ledger.has_rows(r["id"]):
            tables["urls"].add(_times(r))
    for rec, rid in ledger.included():
        tables["urls"].add({"id": rid, "revision_id": rec.id, "url": rec.url,
                            "final_url": rec.final_url, "canonical_url": rec.canonical_url,
                            "site": rec.site, "fetched_at": rec.fetched_at, "store_key": rec.key})
    seen_outlets: dict[str, set[str]] = {
        k: set(v) for k, v in (manifest.get("outlets_seen") or {}).items()}
    for name, hosts in merge.outlets.items():
        seen_outlets.setdefault(name, set()).update(hosts)
    manifest["outlets_seen"] = {k: sorted(v) for k, v in sorted(seen_outlets.items())}
    for r in outlet_rows(seen_outlets):
        tables["outlets"].add(r)
    for name, (_, schema) in DERIVED.items():
        key, written = _write_table(out, name, tables[name].sorted_rows(), schema, fmt, tmpdir)
        if written:
            merge.tables_written.append(key)
        manifest[name] = key
        tables[name].close()

    params = json.loads(json.dumps(options.params(), sort_keys=True))  # as a rebuild reads it back
    if params not in manifest["builds"]:
        manifest["builds"].append(params)
    manifest["versions"] = versions or {}
    groups = ledger.one("SELECT COUNT(*) FROM grp WHERE inc = 1")
    records = ledger.one("SELECT COUNT(*) FROM rev WHERE included = 1")
    summary.releases = ledger.one("SELECT COUNT(*) FROM grp WHERE inc = 1 AND rep0_rel = 1")
    summary.copies = groups - summary.releases
    summary.documents_read = records
    summary.skipped = dict(sorted(analysis.reader.skipped.items()))
    summary.skipped_examples = list(analysis.reader.skipped_keys)
    summary.duplicates_collapsed = records - groups
    summary.rows_new = sum(s["rows"] for s in new_shards)
    summary.rows_total = ledger.row_count()
    summary.shards_new = [s["file"] for s in new_shards]
    summary.shards_total = len(manifest["shards"])
    summary.links = merge.n_links
    summary.candidates = sum(merge.methods.values())
    summary.links_by_method = dict(sorted(merge.methods.items()))
    summary.unmatched_copies = sum(v for k, v in merge.copy_status.items() if k != "linked")
    summary.source_not_archived = merge.copy_status["source_not_archived"]
    summary.peak_window_blocks = _window_peak(ledger)
    counts = ledger.rows_by_site_month()
    by_site: Counter[str] = Counter()
    for (site, _), n in counts.items():
        by_site[site] += n
    summary.rows_by_site = dict(sorted(by_site.items()))
    manifest["cleaner_versions"] = sorted(set(manifest.get("cleaner_versions", [])) | set(cleaner_versions))
    manifest["thresholds"] = _thresholds()
    _write_manifest(out, manifest, ledger.rows(), tmpdir)


def _write_manifest(out: Store, manifest: dict[str, Any], rows: Iterator[tuple[str, dict[str, Any]]],
                    tmpdir: str) -> None:
    """`json.dumps({**manifest, "rows": dict(rows)}, sort_keys=True, indent=1)`, byte for byte,
    written a row at a time (rows come sorted by id): the row map never sits in memory."""
    head = json.dumps({**manifest, "rows": {}}, sort_keys=True, indent=1, ensure_ascii=False)
    before, after = head.split('\n "rows": {}', 1)
    path = Path(tmpdir, MANIFEST)
    with open(path, "w", encoding="utf-8") as f:
        f.write(before + '\n "rows": {')
        sep = "\n"
        for rid, meta in rows:
            f.write(sep + _manifest_row(rid, meta))
            sep = ",\n"
        f.write(("\n }" if sep != "\n" else "}") + after + "\n")
    out.put_bytes(MANIFEST, path.read_bytes())
    path.unlink()


_STR = json.encoder.encode_basestring  # type: ignore[attr-defined]


def _manifest_row(rid: str, meta: dict[str, Any]) -> str:
    """One entry of the manifest's row map exactly as `json.dumps({rid: meta}, sort_keys=True,
    indent=1, ensure_ascii=False)` indents it one level down (json's indenting encoder is pure
    Python, ~10x slower: a serial ~0.1 ms per row at the end of every build); values other
    than strings, numbers, null and lists of strings go through json itself."""
    lines = [f"  {_STR(rid)}: {{"] if meta else []
    for i, k in enumerate(sorted(meta)):
        v = meta[k]
        end = "," if i < len(meta) - 1 else ""
        if isinstance(v, str):
            lines.append(f"   {_STR(k)}: {_STR(v)}{end}")
        elif isinstance(v, list) and all(isinstance(x, str) for x in v):
            if not v:
                lines.append(f"   {_STR(k)}: []{end}")
                continue
            lines.append(f"   {_STR(k)}: [")
            lines.append(",\n".join(f"    {_STR(x)}" for x in v))
            lines.append(f"   ]{end}")
        elif v is None or isinstance(v, (bool, int)) and not isinstance(v, float):
            lines.append(f"   {_STR(k)}: {json.dumps(v)}{end}")
        else:
            return "\n".join(" " + line for line in json.dumps(
                {rid: meta}, sort_keys=True, indent=1, ensure_ascii=False).split("\n")[1:-1])
    if not meta:
        return f"  {_STR(rid)}: {{}}"
    lines.append("  }")
    return "\n".join(lines)


def _read_rows(out: Store, key: str | None, fmt: str) -> Iterator[dict[str, Any]]:
    """An earlier build's table, a batch at a time."""
    if not key:
        return
    raw = out.get_bytes(key)
    if fmt == "jsonl":
        for line in raw.decode().splitlines():
            if line:
                yield json.loads(line)
        return
    for batch in pq.ParquetFile(io.BytesIO(raw)).iter_batches(batch_size=1000):
        yield from batch.to_pylist()


def _times(r: dict[str, Any]) -> dict[str, Any]:
    """Rows read back from a jsonl table: ISO strings to datetimes where the schema has them."""
    for k in ("fetched_at", "published", "live_from", "live_until"):
        if isinstance(r.get(k), str):
            r[k] = parse_time(r[k])
    return r


def _thresholds() -> dict[str, Any]:
    from archive.dataset import docfreq, links, window
    return {"dept_cut": docfreq.DEPT_CUT, "all_cut": docfreq.ALL_CUT, "floor": links.FLOOR,
            "link_share": links.LINK_SHARE, "link_min": links.LINK_MIN,
            "boilerplate_share": links.BOILERPLATE_SHARE,
            "window_back_days": window.BACK.days, "window_ahead_days": window.AHEAD.days}
