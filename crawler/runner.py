"""Run govwire crawls in-process with Scrapy and collect what happened.

A Twisted reactor starts once per process, so each call here is one `CrawlerProcess` run: the
CLI calls it once per invocation, tests run the CLI in a subprocess.
"""
from __future__ import annotations

import logging
import os
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from crawler import exitcodes
from archive.storage import open_store
from crawler.contact import MISSING_CONTACT
from crawler.session import ArchiveSession, Outcome, _store_options
from crawler.urlnorm import credentials_problem, request_url


QUIET_LOGGERS = ("scrapy.downloadermiddlewares.retry", "scrapy.downloadermiddlewares.robotstxt",
                 "scrapy.core.downloader.handlers.http11", "crawler.download_handler")


@dataclass
class CrawlSummary:
    sites: dict[str, dict[str, Any]] = field(default_factory=dict)
    outcomes: list[Outcome] = field(default_factory=list)

    def total(self, key: str) -> int:
        return sum(int(s.get(key, 0)) for s in self.sites.values())

    @property
    def exit_code(self) -> int:
        if any(s.get("store_error") for s in self.sites.values()):
            return exitcodes.PARTIAL if self.total("new") + self.total("changed") else exitcodes.FAILED
        if any(s.get("lock_held") for s in self.sites.values()):
            return exitcodes.LOCKED
        done = self.total("new") + self.total("changed") + self.total("unchanged")
        if any(s.get("distributed_error") for s in self.sites.values()):
            return exitcodes.PARTIAL if done else exitcodes.FAILED
        failed = self.total("failed")
        if failed and not (done or self.total("archived_only")):
            return exitcodes.FAILED
        if self.alarms:
            return exitcodes.ALARM
        if failed:
            return exitcodes.PARTIAL
        if self.total("new") + self.total("changed") + self.total("deferred") == 0 \
                and not self._shared_run_did_work():
            return exitcodes.NOTHING  # only unchanged pages (or none): nothing new
        return exitcodes.OK

    def _shared_run_did_work(self) -> bool:
        """Distributed: the finaliser answers for the whole run (new or changed pages by any
        worker); the other workers cannot know the run's outcome and report their part done."""
        for s in self.sites.values():
            dist = s.get("distributed") or {}
            run = dist.get("run")
            if dist.get("role") == "worker" or (run and run.get("new", 0) + run.get("changed", 0)):
                return True
        return False

    @property
    def alarms(self) -> dict[str, list[str]]:
        """Quality alarms per site (docs/quality.md), from each site's telemetry record."""
        out = {}
        for name, s in self.sites.items():
            found = (s.get("quality") or {}).get("alarms") or []
            if found:
                out[name] = list(found)
        return out

    def to_dict(self) -> dict[str, Any]:
        keys = ("fetched", "new", "changed", "unchanged", "archived_only", "failed", "skipped", "bytes",
                "spooled", "recovered", "deferred")
        d: dict[str, Any] = {k: self.total(k) for k in keys}
        d["sites"] = self.sites
        d["exit_code"] = self.exit_code
        return d


def project_settings(store_uri: str | None, overrides: dict[str, Any] | None = None) -> Any:
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    from scrapy.utils.project import get_project_settings

    s = get_project_settings()
    values = dict(overrides or {})
    if store_uri:
        values["GOVWIRE_STORE"] = store_uri
    s.setdict(values, priority="cmdline")
    return s


def run_spiders(jobs: list[tuple[str, dict[str, Any]]], *, store_uri: str | None,
                settings: dict[str, Any] | None = None) -> CrawlSummary:
    from scrapy.crawler import CrawlerProcess

    s = project_settings(store_uri, settings)
    # a bad store URI or an unusable directory is the user's to fix: say so in one line now,
    # before Scrapy starts (inside a crawl it would surface as a component traceback)
    open_store(s.get("GOVWIRE_STORE"), **_store_options(s))
    if not s.get("GOVWIRE_CONTACT") and logging.getLevelName(s.get("LOG_LEVEL", "INFO")) > logging.WARNING:
        print(f"govwire: warning: {MISSING_CONTACT}", file=sys.stderr)  # else Scrapy's log says it
    process = CrawlerProcess(s)
    if logging.getLevelName(s.get("LOG_LEVEL", "INFO")) >= logging.WARNING:
        # download failures are reported by our own per-URL lines and summary; their
        # tracebacks would only bury them (a bug in a callback still logs in full)
        for name in QUIET_LOGGERS:
            logging.getLogger(name).setLevel(logging.CRITICAL)
    crawlers = []
    for name, kwargs in jobs:
        crawler = process.create_crawler(name)
        process.crawl(crawler, **{k: v for k, v in kwargs.items() if v is not None})
        crawlers.append((name, crawler))
    process.start()
    summary = CrawlSummary()
    for name, crawler in crawlers:
        sess = ArchiveSession.of(crawler)
        if sess is None:
            summary.sites[name] = {"store_error": "the archive session did not start (see log)"}
            continue
        extra: dict[str, Any] = dict(crawler.stats.get_value("govwire/summary_extra") or {})  # e.g. distributed
        extra["finish_reason"] = crawler.stats.get_value("finish_reason")
        extra["skipped"] = int(crawler.stats.get_value("govwire/skipped/robots", 0))
        quality = crawler.stats.get_value("govwire/quality")
        if quality:
            extra["quality"] = quality
        summary.sites[name] = sess.summary(**extra)
        summary.outcomes.extend(sess.outcomes.values())
    return summary


def run_crawl(sites: list[str], *, store_uri: str | None, settings: dict[str, Any] | None = None,
              since: str | None = None, until: str | None = None, max_items: int | None = None
              ) -> CrawlSummary:
    kwargs = {"since": since, "until": until, "max_items": str(max_items) if max_items else None}
    return run_spiders([(site, kwargs) for site in sites], store_uri=store_uri, settings=settings)


def check_url(url: str) -> str | None:
    """Why a URL cannot be fetched, or None if it looks fetchable."""
    creds = credentials_problem(url)
    if creds:
        return creds
    try:
        parts = urlsplit(url)
    except ValueError as e:
        return f"bad URL ({e})"
    if parts.scheme not in ("http", "https"):
        return f"unsupported scheme {parts.scheme!r} (only http and https)" if parts.scheme else "bad URL (no scheme)"
    if not parts.hostname:
        return "bad URL (no host)"
    if any(c.isspace() for c in url):
        return "bad URL (contains whitespace)"
    return None


def run_archive(urls: list[str], *, store_uri: str | None, ignore_robots: bool = False,
                settings: dict[str, Any] | None = None) -> tuple[list[Outcome], CrawlSummary]:
    """Archive each URL through the same downloader, middlewares and pipeline as the crawls."""
    outcomes: dict[str, Outcome] = {}
    good: list[str] = []
    wanted: dict[str, str] = {}  # URL as given -> URL requested (no fragment, percent-encoded)
    for u in urls:
        why = check_url(u)
        if why:
            outcomes[u] = Outcome(url=u, ok=False, reason=why)
        else:
            wanted[u] = request_url(u)
            if wanted[u] not in good:
                good.append(wanted[u])
    summary = CrawlSummary()
    if good:
        extra = dict(settings or {})
        if ignore_robots:
            extra["ROBOTSTXT_OBEY"] = False
        extra.setdefault("GOVWIRE_LOCK", False)  # one-off archiving must not block scheduled crawls
        extra["GOVWIRE_KEEP_OUTCOMES"] = True  # one report line (or document) per URL
        extra.setdefault("GOVWIRE_TELEMETRY", False)  # ad-hoc URLs are no site's run history
        with tempfile.TemporaryDirectory(prefix="govwire-") as tmp:
            url_file = Path(tmp, "urls.txt")
            url_file.write_text("\n".join(good) + "\n", encoding="utf-8")
            summary = run_spiders([("urls", {"url_file": str(url_file)})], store_uri=store_uri,
                                  settings=extra)
        got = {o.url: o for o in summary.outcomes}
        for u, req in wanted.items():
            o = got.get(req) or Outcome(url=req, ok=False, reason="no response (run with -v for the log)")
            outcomes[u] = Outcome(**{**o.__dict__, "url": u}) if o.url != u else o
        store_error = next((s.get("store_error") for s in summary.sites.values() if s.get("store_error")), None)
        if store_error:
            for o in outcomes.values():
                if o.ok:
                    o.reason = (o.reason + "; " if o.reason else "") + "kept in local spool (run `govwire sync`)"
    return [outcomes[u] for u in dict.fromkeys(urls)], summary
