"""What the UI lists: one row per stored document revision, read from the store's docs/ keys.

Loaded lazily and refreshed when the store's key list changes (at most every few seconds), so a
crawl running next to `govwire serve` shows up without a restart. Rows are small; the text is
kept lower-cased for search only.
"""
from __future__ import annotations

import json
import re
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from archive.errors import NotFound
from archive.storage import Store

__all__ = ["DOC_KEY", "SHORT_TEXT_WORDS", "Catalog", "DocRow", "doc_alarms"]

# docs/<site>/<h2>/<urlhash>/<payload digest>.json (archive.keys.doc_key); stores written before
# that layout name revisions <ts14>-<digest8>.json
REV = r"[0-9]{14}-[A-Za-z0-9]{1,16}|[A-Za-z0-9]{1,40}"
DOC_KEY = re.compile(rf"^docs/([a-z0-9_.-]{{1,64}})/([0-9a-f]{{2}})/([0-9a-f]{{40}})/({REV})\.json$")
SHORT_TEXT_WORDS = 50
RELEASE_SITES = frozenset({"govuk"})
REFRESH_EVERY = 3.0  # seconds between key listings


def doc_alarms(doc: dict[str, Any]) -> list[str]:
    """Quality alarms of one document (the per-run ones come from telemetry)."""
    alarms = []
    if doc.get("cleaner") == "fallback":
        alarms.append("fallback")
    words = int(doc.get("word_count") or 0)
    if words < SHORT_TEXT_WORDS:
        alarms.append("short-text")
    if any(r.get("kind") == "suspected-boilerplate" for r in doc.get("removed") or []):
        alarms.append("suspected-boilerplate")
    try:
        from cleaners.quality import junk_hits  # added with the crawl telemetry (issue 10)
    except ImportError:
        return alarms
    if junk_hits(str(doc.get("text") or "")):
        alarms.append("junk-leak")
    return alarms


@dataclass
class DocRow:
    key: str
    site: str
    urlhash: str
    rev: str
    url: str
    title: str
    outlet: str
    published: str
    fetched_at: str
    word_count: int
    cleaner: str
    removed: int
    alarms: list[str]
    is_release: bool
    haystack: str = field(repr=False, default="")
    revisions: int = 1
    doc_id: str = ""          # the stored document's `id` (the dataset's row and revision ids)

    @property
    def date(self) -> str:
        """The date filters and sorting use: published, else fetched (ISO, so it sorts)."""
        return (self.published or self.fetched_at or "")[:10]

    @property
    def ident(self) -> tuple[str, str, str]:
        return self.site, self.urlhash, self.rev


def _row(key: str, doc: dict[str, Any]) -> DocRow | None:
    m = DOC_KEY.match(key)
    if not m:
        return None
    site, _, urlhash, rev = m.groups()
    title = str(doc.get("title") or "(untitled)")
    text = str(doc.get("text") or "")
    return DocRow(key=key, site=site, urlhash=urlhash, rev=rev,
                  url=str(doc.get("canonical_url") or doc.get("url") or ""), title=title,
                  outlet=str(doc.get("outlet") or site), published=str(doc.get("published") or ""),
                  fetched_at=str(doc.get("fetched_at") or ""),
                  word_count=int(doc.get("word_count") or len(text.split())),
                  cleaner=str(doc.get("cleaner") or ""), removed=len(doc.get("removed") or []),
                  alarms=doc_alarms(doc), is_release=site in RELEASE_SITES,
                  haystack=f"{title}\n{doc.get('url', '')}\n{text}".lower(),
                  doc_id=str(doc.get("id") or ""))


class Catalog:
    """Every document revision in a store, latest revision per URL first-class."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._rows: dict[str, DocRow] = {}
        self._checked = 0.0
        self._lock = threading.Lock()

    def refresh(self, force: bool = False) -> None:
        with self._lock:
            if not force and time.monotonic() - self._checked < REFRESH_EVERY:
                return
            keys = [k for k in self.store.list("docs/") if DOC_KEY.match(k)]
            fresh = {}
            for k in keys:
                row = self._rows.get(k)
                if row is None:
                    try:
                        row = _row(k, json.loads(self.store.get_bytes(k)))
                    except (NotFound, ValueError, UnicodeDecodeError, TypeError):
                        row = None
                if row is not None:
                    fresh[k] = row
            windows = _alarmed_runs(self.store)
            for r in fresh.values():
                r.alarms = [a for a in r.alarms if a != "run-alarm"]
                if any(start <= r.fetched_at[:19] <= end for start, end in windows.get(r.site, ())):
                    r.alarms.append("run-alarm")
            by_url: dict[tuple[str, str], int] = defaultdict(int)
            for r in fresh.values():
                by_url[(r.site, r.urlhash)] += 1
            for r in fresh.values():
                r.revisions = by_url[(r.site, r.urlhash)]
            self._rows = fresh
            self._checked = time.monotonic()

    def all(self) -> list[DocRow]:
        self.refresh()
        return list(self._rows.values())

    def latest(self) -> list[DocRow]:
        """The newest revision of each document URL."""
        best: dict[tuple[str, str], DocRow] = {}
        for r in self.all():
            k = (r.site, r.urlhash)
            if k not in best or (r.fetched_at, r.rev) > (best[k].fetched_at, best[k].rev):
                best[k] = r
        return list(best.values())

    def revisions(self, site: str, urlhash: str) -> list[DocRow]:
        return sorted((r for r in self.all() if r.site == site and r.urlhash == urlhash),
                      key=lambda r: (r.fetched_at, r.rev))

    def get(self, site: str, urlhash: str, rev: str) -> DocRow | None:
        self.refresh()
        return self._rows.get(f"docs/{site}/{urlhash[:2]}/{urlhash}/{rev}.json")

    def by_doc_id(self, doc_id: str) -> DocRow | None:
        """The row of a stored document id (the dataset's `id` / `revision_ids`)."""
        return next((r for r in self.all() if r.doc_id == doc_id), None) if doc_id else None

    def keys(self) -> list[str]:
        """Every document key, as of the last refresh."""
        self.refresh()
        return sorted(self._rows)

    def sites(self) -> list[str]:
        return sorted({r.site for r in self.all()})

    def load(self, row: DocRow) -> dict[str, Any]:
        doc: dict[str, Any] = json.loads(self.store.get_bytes(row.key))
        return doc


def _alarmed_runs(store: Store) -> dict[str, list[tuple[str, str]]]:
    """(started, finished) of every crawl run whose telemetry raised an alarm, per site.

    Telemetry records (`telemetry/<site>/…`, written by crawls since issue 10) carry ISO times
    to the second; a document fetched in between came from an alarmed run.
    """
    out: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for key in store.list("telemetry/"):
        if not key.endswith(".json"):
            continue
        try:
            rec = json.loads(store.get_bytes(key))
        except (NotFound, ValueError, UnicodeDecodeError):
            continue
        if isinstance(rec, dict) and rec.get("alarms") and rec.get("started"):
            end = str(rec.get("finished") or rec["started"])  # UTC ISO; compared to the second
            out[str(rec.get("site") or key.split("/")[1])].append((str(rec["started"])[:19], end[:19]))
    return out


@dataclass
class Query:
    """The home page's filters, parsed from the query string (bad values are ignored)."""

    q: str = ""
    site: str = ""
    since: str = ""
    until: str = ""
    kind: str = ""        # "" | release | copy
    cleaner: str = ""     # "" | fallback | site
    alarm: str = ""       # "" | any | <alarm name>
    page: int = 1

    @classmethod
    def from_args(cls, args: Any) -> Query:
        def date(v: str) -> str:
            return v if re.fullmatch(r"\d{4}-\d{2}-\d{2}", v or "") else ""
        try:
            page = max(1, min(100000, int(args.get("page", "1"))))
        except ValueError:
            page = 1
        return cls(q=str(args.get("q", ""))[:200].strip(), site=str(args.get("site", ""))[:64],
                   since=date(args.get("since", "")), until=date(args.get("until", "")),
                   kind=args.get("kind", "") if args.get("kind") in ("release", "copy") else "",
                   cleaner=args.get("cleaner", "") if args.get("cleaner") in ("fallback", "site") else "",
                   alarm=str(args.get("alarm", ""))[:40], page=page)

    def matches(self, r: DocRow) -> bool:
        if self.site and r.site != self.site:
            return False
        if self.since and r.date < self.since:
            return False
        if self.until and r.date > self.until:
            return False
        if self.kind and r.is_release != (self.kind == "release"):
            return False
        if self.cleaner == "fallback" and r.cleaner != "fallback":
            return False
        if self.cleaner == "site" and r.cleaner in ("fallback", "generic"):
            return False
        if self.alarm == "any" and not r.alarms:
            return False
        if self.alarm not in ("", "any") and self.alarm not in r.alarms:
            return False
        return all(w in r.haystack for w in self.q.lower().split())

    def params(self, **override: Any) -> dict[str, Any]:
        d = {k: v for k, v in vars(self).items() if v not in ("", None) and k != "page"}
        d.update({k: v for k, v in override.items()})
        return d
