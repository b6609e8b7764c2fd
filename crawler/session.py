"""Per-crawler archive session: the store, WARC writers, state, locks and counters.

The capture extension, the conditional-request middleware and the pipeline all work on the
same session, reached through the crawler object, so one crawl has one set of WARC files and
one view of the incremental state.
"""
from __future__ import annotations

import json
import logging
import threading
import time
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from scrapy.crawler import Crawler

from archive.locks import SiteLock
from archive.spool import Spool
from archive.state import CrawlState
from archive.storage import Store, open_store
from archive.warc import ClosedWarc, Exchange, PriorCapture, RecordPointer, RotatingWarcWriter, settings_info

logger = logging.getLogger(__name__)

_ATTR = "_govwire_session"
WARCINFO_SETTINGS = ("USER_AGENT", "ROBOTSTXT_OBEY", "DOWNLOAD_DELAY", "CONCURRENT_REQUESTS_PER_DOMAIN",
                     "AUTOTHROTTLE_ENABLED", "DOWNLOAD_MAXSIZE", "GOVWIRE_WARC_MAX_SIZE")


@dataclass
class Counters:
    fetched: int = 0      # HTTP exchanges archived (every hop, robots.txt and feeds included)
    new: int = 0          # documents for URLs never captured before
    changed: int = 0      # new revisions of URLs captured before
    unchanged: int = 0    # revisits (304 or identical payload)
    archived_only: int = 0  # archived in the WARC but no document (binary, error page, feed)
    failed: int = 0
    bytes: int = 0
    spooled: int = 0      # objects kept in the local spool because the store was unavailable


@dataclass
class Outcome:
    """What happened to one requested URL (for `govwire archive`'s per-URL lines)."""

    url: str
    ok: bool
    reason: str = ""
    site: str = ""
    title: str | None = None
    words: int = 0
    stored: str = ""
    document: dict[str, Any] | None = None


@dataclass
class ArchiveSession:
    store: Store
    spool: Spool
    settings: Any
    counters: Counters = field(default_factory=Counters)
    writers: dict[str, RotatingWarcWriter] = field(default_factory=dict)
    states: dict[str, CrawlState] = field(default_factory=dict)
    locks: dict[str, SiteLock] = field(default_factory=dict)
    outcomes: dict[str, Outcome] = field(default_factory=dict)
    changed_urls: set[str] = field(default_factory=set)
    lock_busy: str | None = None
    halted: bool = False  # the site lock or the store failed at start: fetch and write nothing
    store_error: str | None = None
    started: float = field(default_factory=time.time)
    # Store writes and WARC serialisation run off the reactor thread (a slow disk or a remote S3
    # would otherwise stall every download); one thread per site keeps each WARC sequential.
    _io: ThreadPoolExecutor | None = None
    _warc_threads: dict[str, ThreadPoolExecutor] = field(default_factory=dict)
    _pending: deque[Future[None]] = field(default_factory=deque)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    errors: list[str] = field(default_factory=list)

    @classmethod
    def for_crawler(cls, crawler: Crawler) -> ArchiveSession:
        sess = getattr(crawler, _ATTR, None)
        if sess is None:
            s = crawler.settings
            store = open_store(s.get("GOVWIRE_STORE"), **_store_options(s))
            sess = cls(store=store, spool=Spool(store), settings=s)
            setattr(crawler, _ATTR, sess)
        return sess

    @classmethod
    def of(cls, crawler: Crawler) -> ArchiveSession | None:
        return getattr(crawler, _ATTR, None)

    # -- per-site resources -------------------------------------------------------------------
    def state(self, site: str) -> CrawlState:
        st = self.states.get(site)
        if st is None:
            st = self.states[site] = CrawlState(self.store, site).load()
        return st

    def writer(self, site: str) -> RotatingWarcWriter:
        w = self.writers.get(site)
        if w is None:
            s = self.settings
            info = {"operator": s.get("GOVWIRE_CONTACT"), "http-header-user-agent": s.get("USER_AGENT"),
                    "robots": "obey" if s.getbool("ROBOTSTXT_OBEY") else "ignore",
                    "settings": settings_info({k: s.get(k) for k in WARCINFO_SETTINGS})}
            w = self.writers[site] = RotatingWarcWriter(
                self.spool.dir, site, info=info, max_size=s.getint("GOVWIRE_WARC_MAX_SIZE"),
                gzip_level=s.getint("GOVWIRE_WARC_GZIP_LEVEL", 6), on_close=self._publish)
        return w

    def _spooled(self) -> None:
        with self._lock:
            self.counters.spooled += 1
            self.store_error = self.store_error or f"store {self.store.uri} unavailable; kept in spool"

    def _publish(self, closed: ClosedWarc) -> None:
        for key in (closed.key, closed.index_key):
            if not self.spool.publish(key):
                self._spooled()

    def write_warc(self, site: str, ex: Exchange, prior: PriorCapture | None) -> Future[RecordPointer]:
        """Serialise, gzip and append the exchange's records on the site's WARC thread."""
        writer = self.writer(site)
        pool = self._warc_threads.get(site)
        if pool is None:
            pool = self._warc_threads[site] = ThreadPoolExecutor(1, thread_name_prefix=f"govwire-warc-{site}")
        return pool.submit(lambda: writer.write_exchange(ex, prior=prior)[0])

    def _put(self, key: str, data: bytes) -> None:
        if not self.spool.put_bytes(key, data, content_type="application/json"):
            self._spooled()

    def put_object(self, key: str, data: bytes) -> None:
        if self._io is None:
            self._io = ThreadPoolExecutor(self.settings.getint("GOVWIRE_STORE_THREADS", 4),
                                          thread_name_prefix="govwire-store")
        self._pending.append(self._io.submit(self._put, key, data))
        while self._pending and (self._pending[0].done() or len(self._pending) > 2000):
            self._result(self._pending.popleft())  # bounded backlog: wait for the oldest

    def _result(self, fut: Future[None]) -> None:
        try:
            fut.result()
        except Exception as e:  # a bug or a refused write; keep going, report at the end
            logger.error("store write failed: %s", e)
            self.errors.append(str(e))

    def close(self) -> None:
        if self.lock_busy:
            return  # the lock's owner keeps the state; we wrote nothing
        for site, pool in self._warc_threads.items():
            w = self.writers[site]
            pool.submit(w.close)
            pool.shutdown(wait=True)
        self._warc_threads.clear()
        while self._pending:
            self._result(self._pending.popleft())
        if self._io is not None:
            self._io.shutdown(wait=True)
        for w in self.writers.values():
            w.close()
        for st in self.states.values():
            try:
                st.save()
            except Exception as e:  # state is re-derivable; never lose the run over it
                logger.error("could not save state %s: %s", st.key, e)
                self.store_error = self.store_error or f"could not save crawl state: {e}"
        for lock in self.locks.values():
            lock.release()

    def summary(self, **extra: Any) -> dict[str, Any]:
        c = self.counters
        d: dict[str, Any] = {"fetched": c.fetched, "new": c.new, "changed": c.changed,
                             "unchanged": c.unchanged, "archived_only": c.archived_only,
                             "failed": c.failed, "bytes": c.bytes, "spooled": c.spooled,
                             "store": self.store.uri, "seconds": round(time.time() - self.started, 2)}
        if self.lock_busy:
            d["lock_held"] = self.lock_busy
        if self.store_error:
            d["store_error"] = self.store_error
        if self.errors:
            d["write_errors"] = len(self.errors)
        d.update(extra)
        return d


# open_store() option -> the setting that carries it through a crawl (CLI flags map onto these)
STORE_OPTION_SETTINGS = {"endpoint_url": "GOVWIRE_S3_ENDPOINT_URL", "region": "AWS_REGION_NAME",
                         "profile": "GOVWIRE_AWS_PROFILE", "spool_dir": "GOVWIRE_SPOOL"}


def _store_options(s: Any) -> dict[str, Any]:
    opts = {opt: s.get(name) or None for opt, name in STORE_OPTION_SETTINGS.items()}
    opts["endpoint_url"] = opts["endpoint_url"] or s.get("AWS_ENDPOINT_URL") or None
    return {k: v for k, v in opts.items() if v}


def dumps(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")
