"""The build's per-revision bookkeeping, kept in an on-disk SQLite table instead of Python objects.

Why: a `DocRecord` per stored revision (~1 kB), its duplicate group and row id, the manifest's
per-row map and one sort key per spilled table entry made memory grow with the archive (437 MB
at 50k documents, 650 MB and climbing at 200k). Here they cost disk; duplicate grouping,
revision numbering, the date-ordered sweep and the sorted table writes are queries, and Python
holds only what one query returns (a group's revisions, one page of a walk). SQLite's own
page cache is capped (`CACHE_KIB`) and its sorter spills to temp files.

The database lives in the build's temp directory and is deleted with it. One connection, one
transaction (nothing needs to survive a crash); a statement being read never has its own table
written while it is open: long reads that write go through `walk`, which copies the result
into a scratch table and pages through it.
"""
from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime, timedelta, timezone
from itertools import groupby
from pathlib import Path
from typing import Any

from archive.dataset.reader import DocRecord
from archive.dataset.syndication import normalise_url
from archive.dataset.window import block_of

__all__ = ["CACHE_KIB", "Ledger", "rep"]

CACHE_KIB = 16384   # SQLite page cache (C memory, outside Python's heap)
_PAGE = 1000        # rows per page of a walk
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_US = timedelta(microseconds=1)

# the DocRecord fields, in table order (times as microseconds since the epoch, UTC)
_REC = ("key", "id", "digest", "site", "is_release", "url", "final_url", "canonical_url",
        "fetched_at", "published", "source_url", "words", "outlet", "modified", "release_key",
        "department")
_TIMES = {"fetched_at", "published", "modified"}
REC_COLS = ", ".join(f"rev.{c}" for c in _REC)

_SCHEMA = f"""
CREATE TABLE keys(key TEXT PRIMARY KEY, wanted INTEGER) WITHOUT ROWID;
CREATE TABLE rev(seq INTEGER PRIMARY KEY, {", ".join(_REC)}, grp TEXT, ord TEXT, included INTEGER);
CREATE INDEX rev_grp ON rev(grp);  -- entries in (grp, seq) order
CREATE TABLE release_url(u TEXT, rkey TEXT, PRIMARY KEY(u, rkey)) WITHOUT ROWID;
CREATE TABLE rkey_id(rkey TEXT PRIMARY KEY, n INTEGER) WITHOUT ROWID;
-- one row per duplicate group: its row id, whether it has rows (inc) or release revisions (rel),
-- where it first appears in the scan, and its representative's date and kind
CREATE TABLE grp(g TEXT PRIMARY KEY, rid TEXT, inc INTEGER, rel INTEGER, inc_first INTEGER,
                 rel_first INTEGER, when_us INTEGER, rep_rel INTEGER, rep0_rel INTEGER);
CREATE INDEX grp_rid ON grp(rid);
CREATE TABLE relgrp1(g TEXT PRIMARY KEY, rkey TEXT, rep_id TEXT, live INTEGER, pub INTEGER,
                     first_seq INTEGER) WITHOUT ROWID;
CREATE INDEX relgrp1_key ON relgrp1(rkey, first_seq);
CREATE TABLE relgroup(g TEXT PRIMARY KEY, rkey TEXT, rev INTEGER, count INTEGER, live INTEGER,
                      nxt INTEGER, first_seq INTEGER) WITHOUT ROWID;
CREATE INDEX relgroup_key ON relgroup(rkey, first_seq);
CREATE TABLE relkey(rkey TEXT PRIMARY KEY, published INTEGER, week INTEGER, kfirst INTEGER)
    WITHOUT ROWID;
CREATE INDEX relkey_week ON relkey(week, kfirst);
CREATE TABLE mrow(rid TEXT PRIMARY KEY, grp TEXT, site TEXT, month TEXT, meta TEXT) WITHOUT ROWID;
CREATE INDEX mrow_grp ON mrow(grp);
CREATE TABLE rowplan(emit INTEGER, site TEXT, month TEXT, rid TEXT, g TEXT);
CREATE TABLE linked(rid TEXT PRIMARY KEY, n INTEGER) WITHOUT ROWID;
CREATE TABLE spill(name TEXT, k1, k2, k3, off INTEGER, n INTEGER);
CREATE TABLE walk(ctx INTEGER, seq INTEGER PRIMARY KEY, a, b, c);
CREATE INDEX walk_ctx ON walk(ctx, seq);
"""


def to_us(t: datetime | None) -> int | None:
    return None if t is None else (t - _EPOCH) // _US


def from_us(v: int | None) -> datetime | None:
    return None if v is None else _EPOCH + v * _US


def rep(members: list[DocRecord], row_id: str | None = None) -> DocRecord:
    """A group's representative: the revision holding its row id, else the earliest fetched."""
    if row_id:
        for m in members:
            if m.id == row_id:
                return m
    return min(members, key=lambda r: r.order)


def _record(row: tuple[Any, ...]) -> DocRecord:
    v = dict(zip(_REC, row))
    for k in _TIMES:
        v[k] = from_us(v[k])
    v["is_release"] = bool(v["is_release"])
    return DocRecord(**v)


class Blocks(Mapping[int, list[str]]):
    """Week -> release revision groups first published that week, read when the window opens it."""

    def __init__(self, ledger: Ledger) -> None:
        self._db = ledger.db

    def __iter__(self) -> Iterator[int]:
        weeks = [w for (w,) in self._db.execute("SELECT DISTINCT week FROM relkey ORDER BY week")]
        return iter(weeks)

    def __len__(self) -> int:
        n: int = self._db.execute("SELECT COUNT(DISTINCT week) FROM relkey").fetchone()[0]
        return n

    def __getitem__(self, week: int) -> list[str]:
        return [g for (g,) in self._db.execute(
            "SELECT relgroup.g FROM relkey JOIN relgroup USING (rkey) WHERE relkey.week = ? "
            "ORDER BY relkey.kfirst, relgroup.rev", (week,))]


class Ledger:
    """Per-revision records, duplicate groups, release revisions, the manifest's row map."""

    def __init__(self, directory: str | Path) -> None:
        self.db = sqlite3.connect(Path(directory, "ledger.sqlite"), isolation_level=None)
        for pragma in ("journal_mode=OFF", "synchronous=OFF", f"cache_size=-{CACHE_KIB}",
                       "temp_store=FILE"):
            self.db.execute(f"PRAGMA {pragma}")
        self.db.executescript(_SCHEMA)
        self.db.execute("BEGIN")
        self._walks = 0

    def close(self) -> None:
        self.db.close()

    def one(self, sql: str, args: Iterable[Any] = ()) -> Any:
        row = self.db.execute(sql, tuple(args)).fetchone()
        return row[0] if row else None

    def walk(self, cols: str, rest: str, args: Iterable[Any] = ()) -> Iterator[tuple[Any, ...]]:
        """`SELECT cols rest` (up to 3 columns, in its ORDER BY order), copied to a scratch
        table and paged: safe to read while any table is written."""
        self._walks += 1
        ctx = self._walks
        n = cols.count(",") + 1
        pad = ", NULL" * (3 - n)
        self.db.execute(f"INSERT INTO walk(ctx, a, b, c) SELECT {ctx}, {cols}{pad} {rest}", tuple(args))
        last = -1
        while True:
            page = self.db.execute("SELECT seq, a, b, c FROM walk WHERE ctx = ? AND seq > ? "
                                   "ORDER BY seq LIMIT ?", (ctx, last, _PAGE)).fetchall()
            if not page:
                break
            last = page[-1][0]
            for r in page:
                yield r[1:1 + n]
        self.db.execute("DELETE FROM walk WHERE ctx = ?", (ctx,))

    # -- scan ------------------------------------------------------------------------------
    def add_keys(self, keys: Iterable[str], wanted: bool) -> int:
        n = 0
        for key in keys:
            self.db.execute("INSERT OR IGNORE INTO keys VALUES (?, ?)", (key, int(wanted)))
            n += 1
        return n

    def keys(self) -> Iterator[tuple[str, bool]]:
        """Every key to scan, sorted, and whether the filters want its row."""
        for key, wanted in self.db.execute("SELECT key, wanted FROM keys ORDER BY key"):
            yield key, bool(wanted)

    def count_keys(self) -> int:
        n: int = self.one("SELECT COUNT(*) FROM keys")
        return n

    def has_release_group(self, group: str) -> bool:
        return self.one("SELECT 1 FROM rev WHERE grp = ? AND is_release = 1 LIMIT 1", (group,)) is not None

    def release_key_id(self, rkey: str) -> int:
        """A small integer per release key (first come, first numbered), for docfreq."""
        n = self.one("SELECT n FROM rkey_id WHERE rkey = ?", (rkey,))
        if n is None:
            n = self.one("SELECT COUNT(*) FROM rkey_id")
            self.db.execute("INSERT INTO rkey_id VALUES (?, ?)", (rkey, n))
        return int(n)

    def add(self, rec: DocRecord, included: bool) -> None:
        """A revision read by the scan (kept when it gets a row or is a release)."""
        v = [getattr(rec, c) for c in _REC]
        v = [to_us(x) if c in _TIMES else x for c, x in zip(_REC, v)]
        self.db.execute(f"INSERT INTO rev({', '.join(_REC)}, grp, ord, included) VALUES "
                        f"({', '.join('?' * (len(_REC) + 3))})",
                        (*v, rec.group, rec.order[0], int(included)))
        if rec.is_release:
            rkey = rec.release_key or rec.group
            for u in (rec.url, rec.final_url, rec.canonical_url):
                if u:
                    self.db.execute("INSERT OR IGNORE INTO release_url VALUES (?, ?)",
                                    (normalise_url(u), rkey))

    # -- the manifest's row map ------------------------------------------------------------
    def load_rows(self, rows: Mapping[str, Mapping[str, Any]]) -> None:
        for rid, m in rows.items():
            self.put_row(rid, dict(m))

    def put_row(self, rid: str, meta: dict[str, Any]) -> None:
        self.db.execute("INSERT OR REPLACE INTO mrow VALUES (?, ?, ?, ?, ?)",
                        (rid, meta.get("group"), meta.get("site"), meta.get("month"),
                         json.dumps(meta, sort_keys=True, ensure_ascii=False)))

    def has_row(self, rid: str) -> bool:
        return self.one("SELECT 1 FROM mrow WHERE rid = ?", (rid,)) is not None

    def rows(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """The row map sorted by row id (as `json.dumps(sort_keys=True)` writes it)."""
        for rid, meta in self.walk("rid, meta", "FROM mrow ORDER BY rid"):
            yield rid, json.loads(meta)

    def row_count(self) -> int:
        n: int = self.one("SELECT COUNT(*) FROM mrow")
        return n

    def rows_by_site_month(self) -> dict[tuple[str, str], int]:
        return {(s, m): n for s, m, n in self.db.execute(
            "SELECT site, month, COUNT(*) FROM mrow GROUP BY site, month")}

    # -- groups ------------------------------------------------------------------------------
    def members(self, group: str, releases: bool = False) -> list[DocRecord]:
        """A group's revisions in scan order: those with rows, or (releases) its release revisions."""
        where = "is_release = 1" if releases else "included = 1"
        return [_record(r) for r in self.db.execute(
            f"SELECT {REC_COLS} FROM rev WHERE grp = ? AND {where} ORDER BY seq", (group,))]

    def form_groups(self) -> None:
        """One pass over the revisions sorted by group: row ids, representatives, releases."""
        cur = self.db.execute(f"SELECT {REC_COLS}, rev.seq, rev.included, rev.grp FROM rev "
                              "ORDER BY rev.grp, rev.seq")
        n = len(_REC)
        for g, rows in groupby(cur, key=lambda r: r[n + 2]):
            inc: list[DocRecord] = []
            rel: list[DocRecord] = []
            inc_first = rel_first = None
            for r in rows:
                rec = _record(r[:n])
                if r[n + 1]:
                    inc.append(rec)
                    inc_first = r[n] if inc_first is None else inc_first
                if rec.is_release:
                    rel.append(rec)
                    rel_first = r[n] if rel_first is None else rel_first
            if not inc and not rel:
                continue
            # an earlier build's row for this text keeps its id (the last in row-id order wins)
            old = self.one("SELECT MAX(rid) FROM mrow WHERE grp = ?", (g,))
            rid = old or rep(inc or rel).id
            r_inc = rep(inc, rid) if inc else None
            self.db.execute("INSERT INTO grp VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", (
                g, rid, int(bool(inc)), int(bool(rel)), inc_first, rel_first,
                to_us(r_inc.when) if r_inc else None, int(r_inc.is_release) if r_inc else None,
                int(rep(inc).is_release) if inc else None))
            if rel:
                r0 = rep(rel)
                live = min((m.live_from for m in rel if m.live_from), default=None)
                pub = min((p for m in rel if (p := m.published or m.fetched_at)), default=None)
                self.db.execute("INSERT INTO relgrp1 VALUES (?, ?, ?, ?, ?, ?)",
                                (g, r0.release_key or g, r0.id, to_us(live), to_us(pub), rel_first))
        self._number_revisions()

    def _number_revisions(self) -> None:
        """Per release key: its revisions in order of going live, its first publication, its week."""
        cur = self.db.execute("SELECT rkey, g, rep_id, live, pub, first_seq FROM relgrp1 "
                              "ORDER BY rkey, first_seq")
        for key, rows in groupby(cur, key=lambda r: r[0]):
            gs = list(rows)
            order = sorted(gs, key=lambda r: (r[3] is None, r[3] if r[3] is not None else 0, r[2]))
            pubs = [r[4] for r in gs if r[4] is not None]
            published = min(pubs) if pubs else None
            for i, r in enumerate(order):
                nxt = order[i + 1][3] if i + 1 < len(order) else None
                self.db.execute("INSERT INTO relgroup VALUES (?, ?, ?, ?, ?, ?, ?)",
                                (r[1], key, i + 1, len(order), r[3], nxt, r[5]))
            self.db.execute("INSERT INTO relkey VALUES (?, ?, ?, ?)",
                            (key, published, block_of(from_us(published)), min(r[5] for r in gs)))

    def row_id(self, group: str) -> str | None:
        rid: str | None = self.one("SELECT rid FROM grp WHERE g = ?", (group,))
        return rid

    def revision(self, group: str) -> tuple[int, int, datetime | None, datetime | None]:
        """(revision, revision count, live from, live until) of a release revision group."""
        rev, count, live, nxt = self.db.execute(
            "SELECT rev, count, live, nxt FROM relgroup WHERE g = ?", (group,)).fetchone()
        return rev, count, from_us(live), from_us(nxt)

    def key_published(self, rkey: str) -> datetime | None:
        return from_us(self.one("SELECT published FROM relkey WHERE rkey = ?", (rkey,)))

    def key_groups(self, rkey: str) -> list[str]:
        return [g for (g,) in self.db.execute(
            "SELECT g FROM relgroup WHERE rkey = ? ORDER BY first_seq", (rkey,))]

    def release_keys_named(self, url: str) -> set[str]:
        return {k for (k,) in self.db.execute("SELECT rkey FROM release_url WHERE u = ?",
                                              (normalise_url(url),))}

    # -- the sweep ---------------------------------------------------------------------------
    def plan_rows(self) -> int:
        """Every group with a row, in the documents' sort order (site, month, id), flagged
        whether its row is new (an earlier build's row stays where it is): the document
        shards are cut from this list. Returns the number of new rows."""
        n = 0
        for g, rid, old in self.walk("g, rid, rid IN (SELECT rid FROM mrow)",
                                     "FROM grp WHERE inc = 1 ORDER BY rid, g"):
            rec = rep(self.members(g), rid)
            self.db.execute("INSERT INTO rowplan VALUES (?, ?, ?, ?, ?)",
                            (int(not old), rec.site, rec.month, rid, g))
            n += int(not old)
        return n

    def row_plan(self, new: bool) -> Iterator[tuple[str, str, list[DocRecord]]]:
        """(group, row id, revisions with rows) of the new rows in order, or of the old ones."""
        for g, rid in self.walk("g, rid", "FROM rowplan WHERE emit = ? ORDER BY site, month, rid, g",
                                (int(new),)):
            yield g, rid, self.members(g)

    def count_linked(self, rid: str) -> None:
        self.db.execute("INSERT INTO linked VALUES (?, 1) ON CONFLICT(rid) DO UPDATE SET n = n + 1",
                        (rid,))

    def linked(self, rid: str) -> int:
        return int(self.one("SELECT n FROM linked WHERE rid = ?", (rid,)) or 0)

    def has_rows(self, rid: str) -> bool:
        """Whether this build has a row with this id (derived rows of other ids are kept)."""
        return self.one("SELECT 1 FROM grp WHERE rid = ? AND inc = 1 LIMIT 1", (rid,)) is not None

    def included(self) -> Iterator[tuple[DocRecord, str]]:
        """Every revision with a row, in scan order, with its row id."""
        n = len(_REC)
        for r in self.db.execute(f"SELECT {REC_COLS}, grp.rid FROM rev JOIN grp ON grp.g = rev.grp "
                                 "WHERE rev.included = 1 ORDER BY rev.seq"):
            yield _record(r[:n]), r[n]
