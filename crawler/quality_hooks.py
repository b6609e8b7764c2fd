"""Glue between the archive pipeline and the quality layer: boilerplate marking on each new
document, telemetry counting, and at the end of the crawl the telemetry record, compared
with the site's recent runs, written to the store and put in the stats for the summary."""
from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Any

from cleaners.learned_boilerplate import apply_to_document
from cleaners.quality import junk_hits
from crawler.boilerplate import BoilerplateTable, load_table
from crawler.seeds import Quality
from crawler.session import ArchiveSession, dumps
from crawler.telemetry import QualityMonitor, history_summary, judge, recent_runs, telemetry_key

logger = logging.getLogger(__name__)

STATS_KEY = "govwire/quality"


class QualityHooks:
    def __init__(self, crawler: Any, session: ArchiveSession) -> None:
        self.crawler = crawler
        self.session = session
        self.monitor: QualityMonitor | None = None
        self.table: BoilerplateTable | None = None
        self._suspects: dict[str, set[str]] = {}
        self.quality = Quality()
        self.site = ""
        self.history: list[dict[str, Any]] = []
        # `govwire probe`: one record per page (what was selected, why, how clean)
        self.pages: list[dict[str, Any]] | None = (
            [] if crawler.settings.getbool("GOVWIRE_PROBE", False) else None)

    def _read_store(self) -> Any:
        uri = self.crawler.settings.get("GOVWIRE_QUALITY_STORE")
        if uri:  # `govwire probe`: archive into a scratch store, learn from the real one
            from archive.storage import open_store
            from crawler.session import _store_options

            return open_store(uri, **_store_options(self.crawler.settings))
        return self.session.store

    def open(self) -> None:
        spider = self.crawler.spider
        self.site = getattr(spider, "site", "") or getattr(spider, "name", "") or "other"
        try:
            seed = spider.seed if getattr(spider, "needs_seed", False) else None
            self.quality = getattr(seed, "quality", None) or Quality()
        except Exception:  # noqa: BLE001 -- a missing seed is reported by the spider itself
            self.quality = Quality()
        self.monitor = QualityMonitor.for_crawler(self.crawler, self.site, self.quality)
        s = self.crawler.settings
        self.history = []
        if s.getbool("GOVWIRE_TELEMETRY", True) and not self.session.halted:
            try:
                self.history = recent_runs(self._read_store(), self.site, self.quality.history_runs)
            except Exception as e:  # noqa: BLE001 -- history is a comparison, not the crawl
                logger.warning("telemetry history for %s not readable: %s", self.site, e)
            if self.history:
                self.monitor.rejected_before = set(self.history[-1].get("rejected_urls") or [])
        if not s.getbool("GOVWIRE_BOILERPLATE", True) or self.session.halted:
            return
        try:
            self.table = load_table(self._read_store(), self.site,
                                    max_age_hours=s.getfloat("GOVWIRE_BOILERPLATE_MAX_AGE", 24.0),
                                    save=not s.get("GOVWIRE_QUALITY_STORE"))
        except Exception as e:  # noqa: BLE001 -- learning is optional; never lose the crawl
            logger.warning("boilerplate table for %s not available: %s", self.site, e)

    def suspects(self, outlet: str) -> set[str]:
        if self.table is None:
            return set()
        if outlet not in self._suspects:
            q = self.quality
            self._suspects[outlet] = self.table.suspects(outlet, q.boilerplate_share, q.boilerplate_min_pages)
        return self._suspects[outlet]

    # -- per item ------------------------------------------------------------------------------
    def boilerplate(self, doc: dict[str, Any], site: str) -> None:
        """Flag (or, when the seed opts in, remove) lines the outlet repeats on many pages."""
        bad = self.suspects(str(doc.get("outlet") or site))
        if bad:
            apply_to_document(doc, bad, remove=self.quality.remove_boilerplate)

    def document(self, doc: dict[str, Any]) -> None:
        if self.monitor is not None:
            self.monitor.document(doc)
        if self.pages is not None:
            removed = doc.get("removed", [])
            self.pages.append({
                "url": doc.get("url"), "selected": True, "title": doc.get("title"),
                "cleaner": doc.get("cleaner"), "fallback_reason": doc.get("fallback_reason"),
                "words": int(doc.get("word_count") or 0),
                "rules": sorted({r["rule"] for r in removed if r.get("kind") != "suspected-boilerplate"}),
                "junk": junk_hits(str(doc.get("text", ""))),
                "boilerplate": [r["text"] for r in removed if r.get("kind") == "suspected-boilerplate"],
                "evidence": (doc.get("metadata") or {}).get("selection", []),
            })

    def deferred(self, item: Any) -> None:
        if self.monitor is not None:
            self.monitor.page_deferred(item.url)

    def unchanged(self, item: Any) -> None:
        if self.monitor is not None:
            self.monitor.page_unchanged(item.url)

    def rejected(self, item: Any, reason: str) -> None:
        if self.monitor is not None:
            self.monitor.page_rejected(reason, item.url)
        if self.pages is not None:
            self.pages.append({"url": item.url, "selected": False, "reason": reason,
                               "evidence": item.metadata.get("selection", [])})

    # -- end of crawl --------------------------------------------------------------------------
    def _shares_a_run(self) -> bool:
        sched = getattr(self.crawler, "govwire_scheduler", None)  # distributed.scheduler.RUN_ATTR
        return bool(sched is not None and getattr(sched, "shares_run", False) and self.pages is None)

    def close(self) -> None:
        mon = self.monitor
        if mon is None or self.session.halted or self.session.lock_busy:
            return
        stats = self.crawler.stats.get_stats() if self.crawler.stats is not None else {}
        spider = self.crawler.spider
        rec = mon.record(stats, failed=len(getattr(spider, "failures", []) or []))
        if self._shares_a_run():
            # a distributed worker holds only its share of the run: the run's finaliser merges
            # every worker's part (crawler/distributed/scheduler.py), then records and judges
            rec.update(partial=True, words=list(mon.words), alarms=[])
            if self.crawler.stats is not None:
                self.crawler.stats.set_value(STATS_KEY, rec)
            return
        history = self.history
        rec["history"] = history_summary(history)
        rec["alarms"] = judge(rec, history, self.quality)
        if self.pages is not None:
            failed = [{"url": f.get("url"), "selected": False, "failed": f.get("reason")}
                      for f in getattr(spider, "failures", []) or []]
            rec["pages"] = self.pages + failed
        if self.crawler.settings.getbool("GOVWIRE_TELEMETRY", True) and not self.crawler.settings.get(
                "GOVWIRE_QUALITY_STORE"):
            self.session.put_object(telemetry_key(self.site, datetime.now(timezone.utc), mon.run_id),
                                    dumps(rec))
        if self.pages is None:  # a probe judges for itself
            for alarm in rec["alarms"]:
                logger.error("quality alarm: %s: %s", self.site, alarm)
        if self.crawler.stats is not None:
            self.crawler.stats.set_value(STATS_KEY, rec)
