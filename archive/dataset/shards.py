"""The dataset build's shards: the work that can run on any core or machine, and what it returns.

Why: reading and parsing every document, shingling, scoring copies and aligning paragraphs is
most of a build's CPU, and none of it needs the whole archive at once. The build (build.py)
keeps the bookkeeping (the ledger, the spills, the manifest) in one process and hands out three
kinds of shard, each self-contained and picklable, through archive/cluster.py:

- `ScanTask`: a range of document keys (sorted, so a store prefix at a time): each document's
  small record and, for releases, its shingles (pass 1);
- `MatchTask`: a slice of the copies in publication order, with everything the ledger knows
  that the slice needs (its copies, the release revisions of the weeks its window covers, the
  releases its copies name): every copy's links, alignments and copies-table row (pass 2). A
  slice loads the window's releases itself, so its results are exactly what one sweep over all
  copies gives: a copy's candidates depend only on its own date;
- `RowsTask`: one document shard's rows (the manifest's shard boundaries): the rows are made,
  encoded and written to the output store by the worker; only the shard's name, hash and
  row map come back.

Results are plain data; the build applies them in shard order, so the output is the same for
any number of workers and any engine. With one worker the same tasks run in this process, and
the match runs as a single slice over the live ledger (`LedgerSource`), streaming.
"""
from __future__ import annotations

import hashlib
import json
import pickle
from collections import Counter, OrderedDict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

import numpy as np

from archive.dataset.align import align
from archive.dataset.links import CopyText, link_row, score_copy
from archive.dataset.outlets import outlet_for
from archive.dataset.reader import DocReader, DocRecord, parse_time
from archive.dataset.syndication import paragraphs, sample, shingles
from archive.dataset.window import AHEAD, BACK, ReleaseEntry, ReleaseWindow, block_of
from archive.storage import Store

__all__ = ["ScanTask", "ScanItem", "MatchTask", "CopyTask", "CopyResult", "ReleaseMeta",
           "ReleaseSource", "PlanSource", "RowsTask", "RowsResult", "run_task", "match_copies"]


# -- pass 1 -----------------------------------------------------------------------------------
@dataclass
class ScanItem:
    key: str
    wanted: bool
    rec: DocRecord | None = None        # the unfiltered record (None: skipped)
    passes: bool = False                # the --since filter keeps it
    sh: np.ndarray | None = None        # a release's shingles
    skip: str | None = None             # why the document could not be read


@dataclass
class ScanTask:
    keys: list[tuple[str, bool]]
    sites: list[str] | None
    since: datetime | None

    def items(self, store: Store, out: Store) -> Iterator[ScanItem]:
        reader = DocReader(store, sites=self.sites, since=self.since)
        unfiltered = DocReader(store)
        for key, wanted in self.keys:
            doc = reader.load(key)
            if doc is None:
                yield ScanItem(key, wanted, skip=reader.last_skip or "unreadable")
                continue
            rec = unfiltered.record(key, doc)
            assert rec is not None  # no `since` on the unfiltered reader
            passes = self.since is None or reader.record(key, doc) is not None
            sh = shingles(doc["text"]) if rec.is_release else None
            yield ScanItem(key, wanted, rec, passes, sh)


# -- pass 2: the match ------------------------------------------------------------------------
@dataclass(frozen=True)
class CopyTask:
    """One copy's duplicate group, as the sweep reaches it."""

    group: str
    row_id: str
    when: datetime | None
    key: str                  # its representative's document key
    url: str
    site: str
    published: datetime | None
    named: tuple[str, ...]    # release keys its source_url names


@dataclass(frozen=True)
class ReleaseMeta:
    """One release revision group: what the ledger knows, the text is read by the shard."""

    row_id: str
    key: str                  # its representative's document key
    release_key: str
    url: str
    published: datetime | None
    live_from: datetime | None
    revision: int


class ReleaseSource(Protocol):
    """What a match slice asks the ledger."""

    def copies(self) -> Iterator[CopyTask]: ...

    def blocks(self) -> Mapping[int, list[str]]: ...

    def key_groups(self, release_key: str) -> list[str]: ...

    def release(self, group: str) -> ReleaseMeta: ...


@dataclass
class PlanSource:
    """A snapshot of the ledger for one slice of copies (picklable: it goes to a worker)."""

    copy_tasks: list[CopyTask]
    week_groups: dict[int, list[str]]
    groups_of_key: dict[str, list[str]]
    metas: dict[str, ReleaseMeta]

    def copies(self) -> Iterator[CopyTask]:
        return iter(self.copy_tasks)

    def blocks(self) -> Mapping[int, list[str]]:
        return self.week_groups

    def key_groups(self, release_key: str) -> list[str]:
        return self.groups_of_key.get(release_key, [])

    def release(self, group: str) -> ReleaseMeta:
        return self.metas[group]

    @classmethod
    def of(cls, copy_tasks: list[CopyTask], source: ReleaseSource) -> PlanSource:
        """What the slice `copy_tasks` (in sweep order) will need: the weeks its window covers
        (weeks before 1970 always: the window never drops them) and the releases it names."""
        dated = [c.when for c in copy_tasks if c.when is not None]
        weeks: dict[int, list[str]] = {}
        if dated:
            lo, hi = block_of(dated[0] - BACK), block_of(dated[-1] + AHEAD)
            blocks = source.blocks()
            for w in blocks:
                if w < 0 or lo <= w <= hi:
                    weeks[w] = blocks[w]
        keys = {k for c in copy_tasks for k in c.named}
        groups = {g for gs in weeks.values() for g in gs}
        groups_of_key: dict[str, list[str]] = {}
        for k in sorted(keys):
            groups_of_key[k] = source.key_groups(k)
            groups.update(groups_of_key[k])
        metas = {g: source.release(g) for g in sorted(groups)}
        for m in list(metas.values()):  # candidates from the window: their key's other revisions
            if m.release_key not in groups_of_key:
                groups_of_key[m.release_key] = source.key_groups(m.release_key)
        for gs in list(groups_of_key.values()):
            for g in gs:
                if g not in metas:
                    metas[g] = source.release(g)
        return cls(copy_tasks, weeks, groups_of_key, metas)


@dataclass
class CopyResult:
    """Everything one copy adds to the derived tables and counters (applied in sweep order)."""

    row_id: str
    skip: str | None = None
    alignments: bytes = b""    # the spilled rows, pickled here (where they are made), not in the merge
    links: bytes = b""
    methods: list[str] = field(default_factory=list)
    linked_ids: list[str] = field(default_factory=list)
    cluster: tuple[str, datetime, np.ndarray] | None = None   # (outlet, when, distinctive)
    status: str = ""
    copy_row: dict[str, Any] = field(default_factory=dict)
    key: str = ""


@dataclass
class MatchTask:
    source: ReleaseSource  # a PlanSource snapshot for a worker, the live ledger in-process
    common: np.ndarray
    outlet_text: bool

    def items(self, store: Store, out: Store) -> Iterator[CopyResult]:
        return match_copies(store, self.source, self.common, self.outlet_text)


class _Slice:
    """One sweep over a slice of copies, its window of releases loaded from the store."""

    DIRECT = 256   # releases named by a copy but outside the window, kept loaded (LRU)

    def __init__(self, store: Store, source: ReleaseSource, common: np.ndarray, outlet_text: bool) -> None:
        self.reader = DocReader(store)
        self.source = source
        self.common = common
        self.outlet_text = outlet_text
        self.direct: OrderedDict[str, ReleaseEntry] = OrderedDict()
        self.window = ReleaseWindow(source.blocks(), self._load_release, common)

    def _load_release(self, group: str) -> ReleaseEntry | None:
        m = self.source.release(group)
        doc = self.reader.load(m.key)
        if doc is None:
            return None
        return ReleaseEntry(row_id=m.row_id, key=m.release_key, url=m.url, title=doc.get("title"),
                            published=m.published, live_from=m.live_from, revision=m.revision,
                            sh=shingles(doc["text"]), text=doc["text"])

    def _entry(self, group: str) -> ReleaseEntry | None:
        rid = self.source.release(group).row_id
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

    def run(self) -> Iterator[CopyResult]:
        for c in self.source.copies():
            if c.when is not None:
                self.window.advance(c.when)
            yield self._copy(c)

    def _copy(self, c: CopyTask) -> CopyResult:
        rid, when = c.row_id, c.when
        doc = self.reader.load(c.key)
        if doc is None:
            return CopyResult(rid, skip=self.reader.last_skip or "unreadable", key=c.key)
        text = doc["text"]
        sh = shingles(text)
        common = self.common
        distinctive = sh[~np.isin(sh, common, assume_unique=True)] if len(common) else sh
        named = set(c.named)
        copy = CopyText(sh=sh, distinctive=distinctive, when=when, source_url_keys=named)
        by_key: dict[str, list[ReleaseEntry]] = {}
        if when is not None:
            q = len(sample(distinctive))
            need = 1 if q < 20 else max(2, int(0.01 * q))
            for cand in self.window.candidates(distinctive, need):
                by_key.setdefault(cand.key, [])
        for k in sorted(named | set(by_key)):
            revs = [e for g in self.source.key_groups(k) if (e := self._entry(g)) is not None]
            if revs:
                by_key[k] = revs
            else:
                by_key.pop(k, None)
        scored, archived = score_copy(copy, by_key)
        linked = [s for s in scored if s.linked]
        url = c.url
        outlet = doc.get("outlet")
        keep = self.outlet_text
        paras = paragraphs(text)
        aligned = align(text, [s.entry.paragraphs for s in linked]) if linked else []
        per_release = Counter(a.release for a in aligned if a.release is not None)
        added = [a.copy_text for a in aligned if a.kind == "added"]
        res = CopyResult(rid)
        alignments = [{
            "copy_id": rid, "copy_url": url, "copy_paragraph": a.copy_paragraph, "kind": a.kind,
            "overlap": a.overlap,
            "release_id": linked[a.release].entry.row_id if a.release is not None else None,
            "release_paragraph": a.release_paragraph, "copy_text": a.copy_text if keep else None,
            "release_text": a.release_text} for a in aligned]
        links: list[dict[str, Any]] = []
        base = {"copy_id": rid, "copy_url": url, "copy_site": c.site, "copy_outlet": outlet,
                "copy_title": doc.get("title"), "copy_paragraphs": len(paras)}
        for s in scored:
            row = link_row(s, {**base, "_when": when}, archived)
            i = next((j for j, x in enumerate(linked) if x is s), None)
            row.update({"aligned_paragraphs": per_release.get(i, 0) if i is not None else 0,
                        "added_paragraph_count": len(added) if linked else None,
                        "added_paragraphs": added if (keep and i is not None) else []})
            links.append(row)
            res.methods.append(s.method)
            if s.linked:
                res.linked_ids.append(s.entry.row_id)
        if not scored and archived is False:
            links.append({
                **base, "release_id": None, "linked": False, "method": "boilerplate_only",
                "source_archived": False, "copy_share": None,
                "distinctive_share": 0.0, "added_paragraphs": []})
            res.methods.append("boilerplate_only")
        links.sort(key=lambda r: r.get("release_id") or "")
        res.alignments, res.links = _pickled(alignments), _pickled(links)
        registered = outlet_for(url, outlet)
        kind = registered.kind if registered else None
        if kind in ("newspaper", "wire reprint", None) and when is not None and len(distinctive) >= 10:
            res.cluster = (str(outlet or c.site), when, distinctive)
        res.status = "linked" if linked else "source_not_archived" if archived is False else "no_match"
        res.copy_row = {
            "id": rid, "url": url, "site": c.site, "outlet": outlet, "published": c.published,
            "source_status": res.status, "source_archived": archived,
            "linked_release_ids": sorted(s.entry.row_id for s in linked),
            "best_distinctive_share": round(max((s.distinctive_share for s in scored), default=0.0), 6),
            "boilerplate_share": round(copy.boilerplate_share, 6)}
        return res


def _pickled(rows: list[dict[str, Any]]) -> bytes:
    return pickle.dumps(rows, protocol=pickle.HIGHEST_PROTOCOL) if rows else b""


def match_copies(store: Store, source: ReleaseSource, common: np.ndarray,
                 outlet_text: bool) -> Iterator[CopyResult]:
    """Every copy of `source` matched against the releases around it, in sweep order."""
    return _Slice(store, source, common, outlet_text).run()


# -- document rows ------------------------------------------------------------------------------
@dataclass
class RowsTask:
    """Row groups in (site, month, id) order: one document shard (emit) or only their outlets."""

    groups: list[tuple[str, str, list[DocRecord]]]   # (group, row id, revisions with rows)
    emit: bool
    fmt: str
    outlet_text: bool

    def items(self, store: Store, out: Store) -> Iterator[RowsResult]:
        yield make_rows(store, out, self)


@dataclass
class RowsResult:
    shard: dict[str, Any] | None = None                              # file, rows, sha256
    row_meta: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    cleaner_versions: list[str] = field(default_factory=list)
    hosts: list[tuple[str, str]] = field(default_factory=list)       # (outlet, host)
    skips: list[tuple[str, str]] = field(default_factory=list)       # (key, reason)
    groups: int = 0


def make_rows(store: Store, out: Store, task: RowsTask) -> RowsResult:
    from archive.dataset.build import _encode, _name, _row
    from archive.dataset.schema import DOCUMENTS_SCHEMA
    from archive.dataset.ledger import rep

    reader = DocReader(store)
    res = RowsResult(groups=len(task.groups))
    rows: list[dict[str, Any]] = []
    versions: set[str] = set()
    for group, rid, members in task.groups:
        rec = rep(members, rid)
        doc = reader.load(rec.key)
        if doc is None:
            res.skips.append((rec.key, reader.last_skip or "unreadable"))
            continue
        if doc.get("outlet"):
            for h in (rec.canonical_url or rec.final_url or rec.url).split("/")[2:3]:
                res.hosts.append((str(doc["outlet"]), h.lower().removeprefix("www.")))
        if task.emit:
            r = _row(doc, rec, rid, members, task.outlet_text)
            rows.append(r)
            if r["cleaner_version"]:
                versions.add(f"{r['cleaner']} {r['cleaner_version']}")
            res.row_meta.append((rid, {"group": group, "site": r["site"], "month": r["month"],
                                       "revisions": r["revision_ids"]}))
    if rows:
        ids = [r["id"] for r in rows]
        key = _name("documents", ids, task.fmt)
        data = _encode(rows, DOCUMENTS_SCHEMA, task.fmt)
        if not out.exists(key):
            out.put_bytes(key, data)
        res.shard = {"file": key, "rows": len(ids), "sha256": hashlib.sha256(data).hexdigest()}
        for _, meta in res.row_meta:
            meta["shard"] = key
    res.cleaner_versions = sorted(versions)
    return res


# -- running a task anywhere --------------------------------------------------------------------
_STORES: dict[str, Store] = {}


def _store(uri: str, options: dict[str, Any]) -> Store:
    from archive.storage import open_store

    key = json.dumps([uri, options], sort_keys=True)
    if key not in _STORES:
        _STORES[key] = open_store(uri, **options)
    return _STORES[key]


def run_task(store_uri: str, out_uri: str, store_options: dict[str, Any],
             task: ScanTask | MatchTask | RowsTask) -> list[Any]:
    """One shard in a worker process or on a cluster: store URIs in, the task's results out."""
    return list(task.items(_store(store_uri, store_options), _store(out_uri, store_options)))


def parse_since(value: str | None) -> datetime | None:
    return parse_time(value) if value else None
