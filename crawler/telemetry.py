"""Per-site quality telemetry of a crawl: what was selected, how clean it came out, and
whether that looks like the site's recent runs. One record per site and run, kept in the
store next to the archive, so a scheduled crawl notices when a live site changes.

Record key: `telemetry/<site>/<YYYY>/<MM>/<YYYYMMDDTHHMMSSZ>-<run8>.json` (one JSON object,
format in docs/quality.md; the web UI plots these). A run raises an *alarm* (stderr line +
exit code `exitcodes.ALARM`) when the feed had entries but nothing was selected, when every
text came out empty, when selection or discovery dropped sharply against the recent runs,
or when GOV.UK's Search API failed and the feed fallback found nothing.
"""
from __future__ import annotations

import json
import logging
import statistics
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from archive.errors import NotFound
from archive.keys import safe_site
from archive.storage import Store
from cleaners.quality import junk_hits
from crawler.seeds import Quality

__all__ = ["TELEMETRY_VERSION", "QualityMonitor", "telemetry_key", "recent_runs", "judge", "merge_parts"]

logger = logging.getLogger(__name__)

TELEMETRY_VERSION = 1
_ATTR = "_govwire_quality"
MIN_HISTORY = 3          # runs needed before a drop can be judged
MIN_MEDIAN = 4           # a median below this is too small to call a drop
MAX_REJECTED_URLS = 2000  # kept per record, so unchanged rejected pages stay rejected next run


def telemetry_key(site: str, when: datetime, run_id: str) -> str:
    return (f"telemetry/{safe_site(site)}/{when.strftime('%Y/%m')}/"
            f"{when.strftime('%Y%m%dT%H%M%SZ')}-{run_id[:8]}.json")


@dataclass
class QualityMonitor:
    """Counts one site's selection and cleaning outcomes during a crawl (pipeline + spider)."""

    site: str
    quality: Quality = field(default_factory=Quality)
    started: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    selected: int = 0          # article pages that passed selection (documents + unchanged)
    unchanged: int = 0
    documents: int = 0         # clean documents made this run
    rejected: Counter[str] = field(default_factory=Counter)   # page-level reasons
    fallback: int = 0
    empty: int = 0
    junk: Counter[str] = field(default_factory=Counter)
    junk_docs: int = 0
    boilerplate_docs: int = 0
    boilerplate_lines: int = 0
    words: list[int] = field(default_factory=list)
    rejected_urls: list[str] = field(default_factory=list)
    rejected_before: set[str] = field(default_factory=set)   # from the last run's record

    @classmethod
    def for_crawler(cls, crawler: Any, site: str, quality: Quality | None = None) -> QualityMonitor:
        mon = getattr(crawler, _ATTR, None)
        if mon is None:
            mon = cls(site, quality or Quality())
            setattr(crawler, _ATTR, mon)
        return mon

    @classmethod
    def of(cls, crawler: Any) -> QualityMonitor | None:
        return getattr(crawler, _ATTR, None)

    def page_rejected(self, reason: str, url: str = "") -> None:
        self.rejected[reason] += 1
        if url and len(self.rejected_urls) < MAX_REJECTED_URLS:
            self.rejected_urls.append(url)

    def page_unchanged(self, url: str = "") -> None:
        """An article page answered 304/identical: selected again, unless rejected last time."""
        if url and url in self.rejected_before:
            self.page_rejected("unchanged since rejected", url)
            return
        self.selected += 1
        self.unchanged += 1

    def page_deferred(self, url: str = "") -> None:
        """A selected article archived for `govwire reclean` (crawl --defer-clean): no text yet."""
        self.selected += 1

    def document(self, doc: dict[str, Any]) -> None:
        self.selected += 1
        self.documents += 1
        words = int(doc.get("word_count") or len(str(doc.get("text", "")).split()))
        self.words.append(words)
        if doc.get("cleaner") == "fallback":
            self.fallback += 1
        if words < self.quality.min_words:
            self.empty += 1
        hits = junk_hits(str(doc.get("text", "")))
        if hits:
            self.junk_docs += 1
            self.junk.update(hits)
        flagged = [r for r in doc.get("removed", []) if r.get("kind") == "suspected-boilerplate"]
        if flagged:
            self.boilerplate_docs += 1
            self.boilerplate_lines += len(flagged)

    def record(self, stats: dict[str, Any], *, failed: int = 0) -> dict[str, Any]:
        """This run's telemetry record (without history and alarms)."""
        rejected = Counter(self.rejected)
        for k, v in stats.items():
            if k.startswith("govwire/rejected/"):
                rejected[k.removeprefix("govwire/rejected/")] += int(v)
        entries = int(stats.get("govwire/entries", 0))
        search: dict[str, Any] | None = None
        if "govwire/govuk/search_pages" in stats or "govwire/govuk/search_fallback" in stats:
            err = stats.get("govwire/govuk/search_fallback")  # set by the GOV.UK spider
            search = {"ok": err is None, "pages": int(stats.get("govwire/govuk/search_pages", 0))}
            if err is not None:
                search.update(error=str(err), fallback="feeds", fallback_entries=entries)
        return {
            "version": TELEMETRY_VERSION, "site": self.site, "run_id": self.run_id,
            "started": self.started.isoformat(timespec="seconds"),
            "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "entries": entries, "selected": self.selected, "documents": self.documents,
            "unchanged": self.unchanged, "rejected": dict(sorted(rejected.items())),
            "rejected_total": sum(rejected.values()),
            "fallback": self.fallback,
            "fallback_share": round(self.fallback / self.documents, 3) if self.documents else 0.0,
            "empty_texts": self.empty,
            "junk_hits": dict(sorted(self.junk.items())), "junk_docs": self.junk_docs,
            "boilerplate_docs": self.boilerplate_docs, "boilerplate_lines": self.boilerplate_lines,
            "median_words": int(statistics.median(self.words)) if self.words else 0,
            "failed": failed, "robots_skipped": int(stats.get("govwire/skipped/robots", 0)),
            "search_api": search,
            "rejected_urls": self.rejected_urls,
        }


def recent_runs(store: Store, site: str, n: int, now: datetime | None = None) -> list[dict[str, Any]]:
    """The last `n` telemetry records of `site` (this month and the previous one), oldest first."""
    now = now or datetime.now(timezone.utc)
    months = sorted({(now - timedelta(days=d)).strftime("%Y/%m") for d in (0, 31)})
    keys: list[str] = []
    for m in months:
        keys += [k for k in store.list(f"telemetry/{safe_site(site)}/{m}/") if k.endswith(".json")]
    out = []
    for key in sorted(keys, key=lambda k: k.rsplit("/", 1)[-1])[-n:]:
        try:
            out.append(json.loads(store.get_bytes(key).decode("utf-8")))
        except (NotFound, ValueError, UnicodeDecodeError):
            continue
    return out


def judge(rec: dict[str, Any], history: list[dict[str, Any]], quality: Quality) -> list[str]:
    """The alarms a record raises, given earlier runs (docs/quality.md says what to do)."""
    alarms: list[str] = []
    entries, selected, docs = rec["entries"], rec["selected"], rec["documents"]
    if entries and not selected and rec["rejected_total"]:
        top = ", ".join(f"{r} x{n}" for r, n in Counter(rec["rejected"]).most_common(2))
        alarms.append(f"zero yield: {entries} entries found, none selected (rejected: {top})")
    if docs and rec["empty_texts"] == docs:
        alarms.append(f"every text empty: {docs} document(s) under {quality.min_words} words")
    api = rec.get("search_api")
    if api and not api["ok"] and not entries:
        alarms.append(f"Search API failed ({api['error']}) and the feed fallback found nothing")
    usable = [h for h in history if h.get("entries")]
    if len(usable) >= MIN_HISTORY:
        med_sel = statistics.median(h.get("selected", 0) for h in usable)
        med_ent = statistics.median(h.get("entries", 0) for h in usable)
        if med_ent >= MIN_MEDIAN and entries < quality.drop_ratio * med_ent:
            alarms.append(f"discovery dropped: {entries} entries against a median of {med_ent:g}")
        elif med_sel >= MIN_MEDIAN and selected < quality.drop_ratio * med_sel and not alarms:
            alarms.append(f"selection dropped: {selected} selected against a median of {med_sel:g}")
    return alarms


def history_summary(history: list[dict[str, Any]]) -> dict[str, Any]:
    usable = [h for h in history if h.get("entries")]

    def med(key: str) -> float | None:
        vals = [h.get(key, 0) for h in usable]
        return statistics.median(vals) if vals else None

    return {"runs": len(history), "median_entries": med("entries"), "median_selected": med("selected"),
            "median_words": med("median_words"), "median_fallback_share": med("fallback_share")}


_SUMS = ("entries", "selected", "documents", "unchanged", "fallback", "empty_texts", "junk_docs",
         "boilerplate_docs", "boilerplate_lines", "failed", "robots_skipped")


def merge_parts(parts: list[dict[str, Any]], run_id: str) -> dict[str, Any]:
    """One record for a distributed run from its workers' partial records (each carries its
    `words`, so the run's median is exact): the history and the alarms must see the run,
    not a worker's share of it (a third of the pages would read as a sharp drop)."""
    rejected: Counter[str] = Counter()
    junk: Counter[str] = Counter()
    words: list[int] = []
    urls: list[str] = []
    apis = [p["search_api"] for p in parts if p.get("search_api")]
    for p in parts:
        rejected.update(p.get("rejected") or {})
        junk.update(p.get("junk_hits") or {})
        words += [int(w) for w in p.get("words") or []]
        urls += list(p.get("rejected_urls") or [])[:MAX_REJECTED_URLS - len(urls)]
    rec: dict[str, Any] = {k: sum(int(p.get(k, 0)) for p in parts) for k in _SUMS}
    docs = rec["documents"]
    search: dict[str, Any] | None = None
    if apis:  # the worker that read the Search API says how it went
        failed = [a for a in apis if not a.get("ok")]
        search = dict(failed[0] if failed else apis[0])
        search["pages"] = sum(int(a.get("pages", 0)) for a in apis)
        if failed:
            search["fallback_entries"] = rec["entries"]
    rec.update({
        "version": TELEMETRY_VERSION, "site": parts[0]["site"], "run_id": run_id,
        "started": min(p["started"] for p in parts), "finished": max(p["finished"] for p in parts),
        "rejected": dict(sorted(rejected.items())), "rejected_total": sum(rejected.values()),
        "fallback_share": round(rec["fallback"] / docs, 3) if docs else 0.0,
        "junk_hits": dict(sorted(junk.items())),
        "median_words": int(statistics.median(words)) if words else 0,
        "search_api": search, "rejected_urls": urls, "workers": len(parts),
    })
    return dict(sorted(rec.items()))
