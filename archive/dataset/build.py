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
from collections import Counter, OrderedDict
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from archive.dataset.align import align
from archive.dataset.clusters import WireClusters
from archive.dataset.docfreq import DocFrequency
from archive.dataset.ledger import Blocks, Ledger, from_us, rep
from archive.dataset.errors import DatasetError, EmptyInput, OutputMismatch
from archive.dataset.links import CopyText, link_row, score_copy
from archive.dataset.outlets import outlet_for, outlet_rows
from archive.dataset.progress import Progress
from archive.dataset.reader import DocReader, DocRecord, parse_time
from archive.dataset.research import research_columns
from archive.dataset.schema import (DATASET_FORMAT, DERIVED, DOCUMENTS_SCHEMA, LICENCE_OGL,
                                    LICENCE_PUBLISHER)
from archive.dataset.syndication import paragraphs, sample, shingles
from archive.dataset.window import ReleaseEntry, ReleaseWindow
from archive.errors import NotFound
from archive.storage import LocalStore, Store

__all__ = ["BuildOptions", "BuildSummary", "Analysis", "build_dataset", "analyse", "MANIFEST"]

MANIFEST = "manifest.json"


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
            tmpdir: str | None = None) -> Analysis:
    """Pass 1: read every document once; record revisions in the ledger, count release shingles."""
    progress = progress or Progress(enabled=False)
    reader = DocReader(store, sites=options.sites, since=_since(options.since))
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
    unfiltered = DocReader(store)
    progress.stage("scan", ledger.count_keys())
    for key, wanted in ledger.keys():
        progress.advance()
        doc = reader.load(key)
        if doc is None:
            continue
        rec = unfiltered.record(key, doc)
        assert rec is not None  # no `since` on the unfiltered reader
        included = wanted and reader.record(key, doc) is not None
        if wanted and not included:
            filtered += 1
        if not included and not rec.is_release:
            continue
        first = rec.is_release and not ledger.has_release_group(rec.group)
        ledger.add(rec, included)
        if first:
            kid = ledger.release_key_id(rec.release_key or rec.group)
            did = dept_ids.setdefault(rec.department, len(dept_ids) + 1) if rec.department else 0
            df.add(kid, did, shingles(doc["text"]))
    reader.skipped.update({k: v for k, v in unfiltered.skipped.items() if k not in reader.skipped})
    return Analysis(ledger, reader, df.common(), filtered)


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
        if not rows:
            return
        data = pickle.dumps(rows, protocol=pickle.HIGHEST_PROTOCOL)
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
                 fmt: str, directory: str) -> str:
    """Stream rows into a temp file in 1000-row groups, then store it under a content-hash key."""
    with tempfile.NamedTemporaryFile(suffix=f".{fmt}", dir=directory) as tmp:
        if fmt == "jsonl":
            for batch in _batches(rows, 1000):
                tmp.write("".join(_json_line(r, schema) for r in batch).encode())
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


class _Matcher:
    """Pass 2: every document read once more, in date order; rows and links spilled."""

    DIRECT = 256   # releases named by a copy but outside the window, kept loaded (LRU)

    def __init__(self, a: Analysis, options: BuildOptions, progress: Progress, tmpdir: str) -> None:
        self.a = a
        self.ledger = a.ledger
        self.options = options
        self.progress = progress
        self.tmpdir = tmpdir
        self.rows = self._spill("documents", lambda r: (r["site"], r["month"], r["id"]))
        self.tables = {name: self._spill(name, _sort_key(name)) for name in DERIVED}
        self.direct: OrderedDict[str, ReleaseEntry] = OrderedDict()
        self.clusters = WireClusters()
        self.copies = self._spill("copies-unclustered", lambda r: r["id"])   # cluster ids at the end
        self.copy_status: Counter[str] = Counter()
        self.methods: Counter[str] = Counter()
        self.n_links = 0
        self.outlets: dict[str, set[str]] = {}
        self.window = ReleaseWindow(Blocks(self.ledger), self._load_release, a.common)

    def _spill(self, name: str, key: Any) -> _Spill:
        return _Spill(self.ledger, name, key, self.tmpdir)

    # -- rows ----------------------------------------------------------------------------------
    def _emit(self, group: str, doc: dict[str, Any]) -> None:
        if not self.ledger.emit_once(group):
            return
        members = self.ledger.members(group)
        rid = self.ledger.row_id(group)
        assert rid is not None
        rec = rep(members, rid)
        if doc.get("outlet"):
            host = (rec.canonical_url or rec.final_url or rec.url).split("/")[2:3]
            self.outlets.setdefault(str(doc["outlet"]), set()).update(
                h.lower().removeprefix("www.") for h in host)
        if self.ledger.has_row(rid):
            return
        self.rows.add({**_row(doc, rec, rid, members, self.options.outlet_text), "_group": group})

    def _load_release(self, group: str) -> ReleaseEntry | None:
        rid = self.ledger.row_id(group)
        r = rep(self.ledger.members(group, releases=True), rid)
        doc = self.a.reader.load(r.key)
        if doc is None:
            return None
        self._emit(group, doc)
        rev, _, live, _ = self.ledger.revision(group)
        key = r.release_key or group
        return ReleaseEntry(row_id=rid or r.id, key=key,
                            url=r.canonical_url or r.final_url or r.url, title=doc.get("title"),
                            published=self.ledger.key_published(key), live_from=live, revision=rev,
                            sh=shingles(doc["text"]), text=doc["text"])

    def _entry(self, group: str) -> ReleaseEntry | None:
        rid = self.ledger.row_id(group)
        assert rid is not None
        e = self.window.get(rid)
        if e is None:
            e = self.direct.get(group)
            if e is None:
                e = self._load_release(group)
                if e is None:
                    return None
                self.direct[group] = e
                if len(self.direct) > self.DIRECT:
                    self.direct.popitem(last=False)
            else:
                self.direct.move_to_end(group)
        return e

    # -- the sweep -------------------------------------------------------------------------------
    def run(self) -> None:
        L = self.ledger
        copies = "FROM grp WHERE inc = 1 AND rep_rel = 0"
        self.progress.stage("match and write", L.one(f"SELECT COUNT(*) {copies}"))
        for (g,) in L.walk("g", f"{copies} AND when_us IS NULL ORDER BY rid, g"):
            self._copy(g, None)
        for g, t in L.walk("g, when_us", f"{copies} AND when_us IS NOT NULL ORDER BY when_us, rid, g"):
            when = from_us(t)
            assert when is not None
            self.window.advance(when)
            self._copy(g, when)
        self.window.finish()
        self.direct.clear()
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

    def _copy(self, group: str, when: datetime | None) -> None:
        self.progress.advance()
        members = self.ledger.members(group)
        rid = self.ledger.row_id(group)
        assert rid is not None
        rec = rep(members, rid)
        doc = self.a.reader.load(rec.key)
        if doc is None:
            return
        self._emit(group, doc)
        text = doc["text"]
        sh = shingles(text)
        common = self.a.common
        distinctive = sh[~np.isin(sh, common, assume_unique=True)] if len(common) else sh
        named = set()
        for m in members:
            if m.source_url:
                named |= self.ledger.release_keys_named(m.source_url)
        copy = CopyText(sh=sh, distinctive=distinctive, when=when, source_url_keys=named)
        by_key: dict[str, list[ReleaseEntry]] = {}
        if when is not None:
            q = len(sample(distinctive))
            need = 1 if q < 20 else max(2, int(0.01 * q))
            for cand in self.window.candidates(distinctive, need):
                by_key.setdefault(cand.key, [])
        for k in named | set(by_key):
            revs = [e for g in self.ledger.key_groups(k) if (e := self._entry(g)) is not None]
            if revs:
                by_key[k] = revs
            else:
                by_key.pop(k, None)
        scored, archived = score_copy(copy, by_key)
        linked = [s for s in scored if s.linked]
        url = rec.canonical_url or rec.final_url or rec.url
        outlet = doc.get("outlet")
        keep = self.options.outlet_text
        paras = paragraphs(text)
        aligned = align(text, [s.entry.paragraphs for s in linked]) if linked else []
        per_release = Counter(a.release for a in aligned if a.release is not None)
        added = [a.copy_text for a in aligned if a.kind == "added"]
        self.tables["alignments"].add_group((rid, 0), [{
            "copy_id": rid, "copy_url": url, "copy_paragraph": a.copy_paragraph, "kind": a.kind,
            "overlap": a.overlap,
            "release_id": linked[a.release].entry.row_id if a.release is not None else None,
            "release_paragraph": a.release_paragraph, "copy_text": a.copy_text if keep else None,
            "release_text": a.release_text} for a in aligned])
        base = {"copy_id": rid, "copy_url": url, "copy_site": rec.site, "copy_outlet": outlet,
                "copy_title": doc.get("title"), "copy_paragraphs": len(paras)}
        link_rows = []
        for s in scored:
            row = link_row(s, {**base, "_when": when}, archived)
            i = next((j for j, x in enumerate(linked) if x is s), None)
            row.update({"aligned_paragraphs": per_release.get(i, 0) if i is not None else 0,
                        "added_paragraph_count": len(added) if linked else None,
                        "added_paragraphs": added if (keep and i is not None) else []})
            link_rows.append(row)
            self.methods[s.method] += 1
            if s.linked:
                self.n_links += 1
                self.ledger.count_linked(s.entry.row_id)
        if not scored and archived is False:
            link_rows.append({
                **base, "release_id": None, "linked": False, "method": "boilerplate_only",
                "source_archived": False, "copy_share": None,
                "distinctive_share": 0.0, "added_paragraphs": []})
            self.methods["boilerplate_only"] += 1
        link_rows.sort(key=lambda r: r.get("release_id") or "")
        self.tables["syndication"].add_group((rid, ""), link_rows)
        registered = outlet_for(url, outlet)
        kind = registered.kind if registered else None
        if kind in ("newspaper", "wire reprint", None):
            self.clusters.add(rid, str(outlet or rec.site), when, distinctive)
        status = "linked" if linked else "source_not_archived" if archived is False else "no_match"
        self.copy_status[status] += 1
        self.copies.add({
            "id": rid, "url": url, "site": rec.site, "outlet": outlet, "published": rec.published,
            "source_status": status, "source_archived": archived,
            "linked_release_ids": sorted(s.entry.row_id for s in linked),
            "best_distinctive_share": round(max((s.distinctive_share for s in scored), default=0.0), 6),
            "boilerplate_share": round(copy.boilerplate_share, 6)})


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
    tmp = tempfile.TemporaryDirectory(prefix="govwire-dataset-")
    ledger = Ledger(tmp.name)
    try:
        summary = _build(store, out, options, manifest, ledger, progress, versions, tmp.name)
    finally:
        ledger.close()
        tmp.cleanup()
    summary.seconds = round(time.monotonic() - t0, 3)
    return summary


def _build(store: Store, out: Store, options: BuildOptions, manifest: dict[str, Any],
           ledger: Ledger, progress: Progress, versions: dict[str, str] | None,
           tmpdir: str) -> BuildSummary:
    fmt = options.format
    ledger.load_rows(manifest.pop("rows"))
    analysis = analyse(store, options, ledger, progress, tmpdir)
    summary = BuildSummary(store=store.uri, out=out.uri, filtered_out=analysis.filtered_out,
                           common_shingles=int(len(analysis.common)))
    ledger.form_groups()
    # a late duplicate of an existing row: recorded, not rewritten
    for g, rid in ledger.walk("grp.g, grp.rid", "FROM grp JOIN mrow ON mrow.rid = grp.rid "
                              "WHERE grp.inc = 1 ORDER BY grp.inc_first"):
        meta = json.loads(ledger.one("SELECT meta FROM mrow WHERE rid = ?", (rid,)))
        meta["revisions"] = sorted(set(meta["revisions"]) | {m.id for m in ledger.members(g)})
        ledger.put_row(rid, meta)

    matcher = _Matcher(analysis, options, progress, tmpdir)
    matcher.run()
    # documents no sweep reached (a vanished release's duplicates)
    for g, rid in ledger.walk("g, rid", "FROM grp WHERE inc = 1 AND g NOT IN (SELECT g FROM emitted) "
                              "AND rid NOT IN (SELECT rid FROM mrow) ORDER BY inc_first"):
        rec = rep(ledger.members(g), rid)
        doc = analysis.reader.load(rec.key)
        if doc is not None:
            matcher._emit(g, doc)

    new_shards: list[dict[str, Any]] = []
    cleaner_versions: set[str] = set()
    pending: list[dict[str, Any]] = []

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
            ledger.put_row(r["id"], {"group": r["_group"], "shard": key, "site": r["site"],
                                     "month": r["month"], "revisions": r["revision_ids"]})
        pending.clear()

    for row in matcher.rows.sorted_rows():
        pending.append(row)
        if len(pending) >= options.shard_rows:
            flush()
    flush()
    matcher.rows.close()
    manifest["shards"] = sorted(manifest["shards"] + new_shards, key=lambda s: s["file"])

    # Derived tables: keep earlier builds' rows for documents this build did not see.
    tables = matcher.tables
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
    for name, hosts in matcher.outlets.items():
        seen_outlets.setdefault(name, set()).update(hosts)
    manifest["outlets_seen"] = {k: sorted(v) for k, v in sorted(seen_outlets.items())}
    for r in outlet_rows(seen_outlets):
        tables["outlets"].add(r)
    for name, (_, schema) in DERIVED.items():
        key = _write_table(out, name, tables[name].sorted_rows(), schema, fmt, tmpdir)
        old = manifest.get(name)
        if old and old != key:
            out.delete(old)
        manifest[name] = key
        tables[name].close()

    params = options.params()
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
    summary.links = matcher.n_links
    summary.candidates = sum(matcher.methods.values())
    summary.links_by_method = dict(sorted(matcher.methods.items()))
    summary.unmatched_copies = sum(v for k, v in matcher.copy_status.items() if k != "linked")
    summary.source_not_archived = matcher.copy_status["source_not_archived"]
    summary.peak_window_blocks = matcher.window.peak_blocks
    counts = ledger.rows_by_site_month()
    by_site: Counter[str] = Counter()
    for (site, _), n in counts.items():
        by_site[site] += n
    summary.rows_by_site = dict(sorted(by_site.items()))
    manifest["cleaner_versions"] = sorted(set(manifest.get("cleaner_versions", [])) | set(cleaner_versions))
    manifest["thresholds"] = _thresholds()
    _write_manifest(out, manifest, ledger.rows(), tmpdir)
    from archive.dataset.card import render_card
    out.put_bytes("README.md", render_card(manifest, counts).encode())
    _tidy_local(out)
    return summary


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
            lines = json.dumps({rid: meta}, sort_keys=True, indent=1, ensure_ascii=False).split("\n")
            f.write(sep + "\n".join(" " + line for line in lines[1:-1]))
            sep = ",\n"
        f.write(("\n }" if sep != "\n" else "}") + after + "\n")
    out.put_bytes(MANIFEST, path.read_bytes())
    path.unlink()


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
