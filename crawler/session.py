"""Per-crawler archive session: the store, WARC writers, state, locks and counters.

The capture extension, the conditional-request middleware and the pipeline all work on the
same session, reached through the crawler object, so one crawl has one set of WARC files and
one view of the incremental state.

Write-ahead order (docs/reliability.md): a record's pointer is handed out only after the WARC
bytes it points at are fsynced (group commit on the site's WARC thread); its state entry is
added at that moment too, and the capture record and document are written only once the
pipeline holds the pointer. So after any crash, everything that points into a WARC points at
bytes that survived it. Every store call goes through one circuit breaker; whatever the store
does not take waits in the spool for `govwire sync`.
"""
from __future__ import annotations

import errno
import json
import logging
import queue
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from scrapy.crawler import Crawler

from archive.breaker import BreakerStore, guarded
from archive.errors import StoreConflict
from archive.keys import state_key
from archive.locks import SiteLock
from archive.spool import Spool
from archive.state import CrawlState, UrlState
from archive.storage import LocalStore, open_store
from archive.warc import (ClosedWarc, Exchange, PriorCapture, RecordPointer, RotatingWarcWriter, serialize_exchange,
                          settings_info)
from crawler.offload import SPOOLED, STORED, ObjectWriter, RecordBuilder, put_object

logger = logging.getLogger(__name__)

_ATTR = "_govwire_session"
WARCINFO_SETTINGS = ("USER_AGENT", "ROBOTSTXT_OBEY", "DOWNLOAD_DELAY", "CONCURRENT_REQUESTS_PER_DOMAIN",
                     "AUTOTHROTTLE_ENABLED", "DOWNLOAD_MAXSIZE", "GOVWIRE_WARC_MAX_SIZE")
CHECKPOINT_SHARE = 5  # checkpoint at least every 1/5 of the state's URLs (_maybe_checkpoint)


def checkpoint_every(pages: int, state_urls: int) -> int:
    """Committed pages between two state checkpoints: the configured number, or 1/5 of the
    state once that is larger, so a crawl rewrites its state a bounded number of times (a first
    crawl's state grows geometrically between rewrites: ~2.5x its final size written in all,
    where 1/20 wrote ~10x) and a kill leaves at most 1/5 of it for `govwire sync` to rebuild from
    the WARCs (0 keeps page checkpoints off)."""
    return max(pages, state_urls // CHECKPOINT_SHARE) if pages > 0 else pages


class WriteFailed(OSError):
    """The site's WARC file cannot take more records (disk full, I/O error); nothing more is
    written to it and no pointer into it is handed out."""


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
    recovered: int = 0    # documents a killed run had captured but not stored, completed now
    deferred: int = 0     # articles archived for `govwire reclean` (crawl --defer-clean)


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
class _Write:
    ex: Exchange
    prior: PriorCapture | None
    on_durable: Callable[[RecordPointer], None] | None
    future: Future[RecordPointer]


class SiteWriter:
    """One thread per site appends records to its WARC and fsyncs them in batches.

    A record's future resolves (and its `on_durable` runs) only after the fsync that covers
    it, so nothing can point at WARC bytes a crash could still lose. After a failed write the
    file is abandoned `.open` (sync truncates it to its last complete record) and every later
    write fails with WriteFailed.
    """

    _STOP = object()

    def __init__(self, writer: RotatingWarcWriter, *, after_commit: Callable[[int], None] | None = None,
                 on_failure: Callable[[BaseException], None] | None = None, batch: int = 256,
                 builder: RecordBuilder | None = None) -> None:
        self.writer = writer
        self.builder = builder  # builds the records in a helper process (crawler/offload.py)
        self.after_commit = after_commit
        self.on_failure = on_failure
        self.batch = batch
        self.failed: BaseException | None = None
        self._finish = True
        self._q: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name=f"govwire-warc-{writer.site}", daemon=True)
        self._thread.start()

    def submit(self, ex: Exchange, prior: PriorCapture | None,
               on_durable: Callable[[RecordPointer], None] | None = None) -> Future[RecordPointer]:
        fut: Future[RecordPointer] = Future()
        self._q.put(_Write(ex, prior, on_durable, fut))
        return fut

    def drain(self) -> None:
        """Wait until every record queued so far is written, fsynced and handed out."""
        fut: Future[None] = Future()
        self._q.put(fut)
        fut.result()

    def close(self, *, finish: bool = True) -> None:
        """Finish the queued writes and stop the thread. With finish, close the file (rename,
        publish); without, leave it `.open` for `govwire sync` to mend and index (used when the
        state naming its records could not be saved: sync rebuilds it from the file)."""
        self._finish = finish
        self._q.put(self._STOP)
        self._thread.join()

    def _run(self) -> None:
        build = self.builder.build if self.builder is not None else serialize_exchange
        stop = False
        while not stop:
            items = [self._q.get()]
            while len(items) < self.batch:
                try:
                    items.append(self._q.get_nowait())
                except queue.Empty:
                    break
            done: list[tuple[_Write, RecordPointer]] = []
            barriers = []
            for it in items:
                if it is self._STOP:
                    stop = True
                    continue
                if isinstance(it, Future):
                    barriers.append(it)
                    continue
                if self.failed is not None:
                    it.future.set_exception(WriteFailed(errno.EIO, f"WARC writing stopped: {self.failed}"))
                    continue
                try:
                    w = self.writer
                    built = build(it.ex, it.prior, w.warcinfo_id, w.gzip_level)
                    ptr = w.append(built, it.ex, it.prior)[0]
                except BaseException as e:
                    self._fail(e, [it] + [w for w, _ in done])
                    done = []
                    continue
                done.append((it, ptr))
            if done and self.failed is None:
                try:
                    self.writer.flush_durable()
                except BaseException as e:
                    self._fail(e, [w for w, _ in done])
                    done = []
            for it, ptr in done:
                if it.on_durable is not None:
                    try:
                        it.on_durable(ptr)
                    except Exception:  # a bug in a callback must not lose the pointer
                        logger.exception("state update failed for %s", it.ex.url)
                it.future.set_result(ptr)
            if done and self.after_commit is not None:
                self.after_commit(len(done))
            for b in barriers:
                b.set_result(None)
        if self.failed is None and self._finish:
            try:
                self.writer.close()
            except BaseException as e:
                self._fail(e, [])
        elif self.failed is None:
            self.writer.abandon()

    def _fail(self, e: BaseException, pending: list[_Write]) -> None:
        self.failed = e
        try:
            self.writer.abandon()
        except OSError:
            pass
        for it in pending:
            if not it.future.done():
                it.future.set_exception(WriteFailed(getattr(e, "errno", None) or errno.EIO, str(e)))
        if self.on_failure is not None:
            self.on_failure(e)


@dataclass
class ArchiveSession:
    store: BreakerStore
    spool: Spool
    settings: Any
    counters: Counters = field(default_factory=Counters)
    writers: dict[str, RotatingWarcWriter] = field(default_factory=dict)
    states: dict[str, CrawlState] = field(default_factory=dict)
    locks: dict[str, SiteLock] = field(default_factory=dict)
    outcomes: dict[str, Outcome] = field(default_factory=dict)
    changed_urls: set[str] = field(default_factory=set)
    recovering: dict[str, UrlState] = field(default_factory=dict)  # URL -> unpublished capture
    lock_busy: str | None = None
    halted: bool = False  # the site lock or the store failed at start: fetch and write nothing
    stopped: str | None = None  # a fatal fault mid-run (disk full, lock lost): fetch no more
    store_error: str | None = None
    started: float = field(default_factory=time.time)
    on_fatal: Callable[[str], None] | None = None  # set by the capture extension: stop the crawl
    # Store writes run off the reactor thread (a slow disk or a remote S3 would otherwise stall
    # every download); one WARC thread per site keeps each WARC sequential.
    _io: ThreadPoolExecutor | None = None
    _site_writers: dict[str, SiteWriter] = field(default_factory=dict)
    _builder: RecordBuilder | None = None
    _objects: ObjectWriter | None = None
    _no_objects: bool = False
    _pending: deque[Future[str]] = field(default_factory=deque)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _checkpoint: dict[str, tuple[int, float]] = field(default_factory=dict)
    _checkpointing: set[str] = field(default_factory=set)
    errors: list[str] = field(default_factory=list)

    @classmethod
    def for_crawler(cls, crawler: Crawler) -> ArchiveSession:
        sess = getattr(crawler, _ATTR, None)
        if sess is None:
            s = crawler.settings
            store = guarded(open_store(s.get("GOVWIRE_STORE"), **_store_options(s)),
                            retry_after=s.getfloat("GOVWIRE_STORE_RETRY_AFTER", 30.0))
            sess = cls(store=store, spool=Spool(store), settings=s)
            setattr(crawler, _ATTR, sess)
        return sess

    @classmethod
    def of(cls, crawler: Crawler) -> ArchiveSession | None:
        return getattr(crawler, _ATTR, None)

    # -- per-site resources -------------------------------------------------------------------
    def state(self, site: str) -> CrawlState:
        """The site's state: the store's copy merged with any snapshot waiting in the spool."""
        with self._lock:
            st = self.states.get(site)
            if st is None:
                spooled = self.spool.spooled(state_key(site))
                st = self.states[site] = CrawlState(self.store, site).load(spooled)
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
                gzip_level=s.getint("GOVWIRE_WARC_GZIP_LEVEL", 6),
                on_close=lambda closed: self._publish(site, closed))
        return w

    def site_writer(self, site: str) -> SiteWriter:
        sw = self._site_writers.get(site)
        if sw is None:
            if self._builder is None and self.settings.getbool("GOVWIRE_HELPER_PROCESSES", True):
                self._builder = RecordBuilder()
            sw = self._site_writers[site] = SiteWriter(
                self.writer(site), after_commit=lambda n: self._maybe_checkpoint(site, n),
                on_failure=lambda e: self._write_failed(site, e), builder=self._builder)
        return sw

    def _spooled(self) -> None:
        with self._lock:
            self.counters.spooled += 1
            self.store_error = self.store_error or (
                f"store {self.store.uri} unavailable ({self.store.last_error or 'see log'})")

    def _publish(self, site: str, closed: ClosedWarc) -> None:
        for key in (closed.key, closed.index_key):
            try:
                if not self.spool.publish(key):
                    self._spooled()
            except StoreConflict as e:  # a different file under our unique name: keep it spooled
                self._error(f"not uploaded {key}: {e}")
        self._request_checkpoint(site)  # the closed file's entries are all committed

    def write_warc(self, site: str, ex: Exchange, prior: PriorCapture | None,
                   state_entry: UrlState | None = None) -> Future[RecordPointer]:
        """Append the exchange on the site's WARC thread; the future resolves once durable.

        `state_entry`, if given, joins the state at that moment (with the record's pointer).
        """
        on_durable = None
        if state_entry is not None:
            st = self.state(site)

            def on_durable(ptr: RecordPointer, entry: UrlState = state_entry) -> None:
                entry.warc = ptr.to_dict()
                st.put(entry.url, entry)
        return self.site_writer(site).submit(ex, prior, on_durable)

    # -- faults -------------------------------------------------------------------------------
    def _error(self, msg: str) -> None:
        logger.error("%s", msg)
        with self._lock:
            self.errors.append(msg)

    def _write_failed(self, site: str, e: BaseException) -> None:
        where = self.spool.dir
        if isinstance(e, OSError) and e.errno == errno.ENOSPC:
            msg = (f"disk full writing WARCs in {where}: free space there, then run "
                   f"`govwire sync --store {self.store.uri}` (the cut WARC is repaired, nothing is lost "
                   "that was already written)")
        else:
            msg = f"cannot write WARC for {site} in {where}: {e}"
        self.fatal(msg)

    def fatal(self, msg: str) -> None:
        """Stop the crawl: a fault we cannot work around (disk full, lock lost)."""
        with self._lock:
            first = self.stopped is None
            self.stopped = self.stopped or msg
            self.store_error = self.store_error or msg
        if first:
            logger.error("%s", msg)
            if self.on_fatal is not None:
                self.on_fatal(msg)

    def _storage_error(self, key: str, e: BaseException) -> None:
        if isinstance(e, OSError) and e.errno == errno.ENOSPC:
            self.fatal(f"disk full writing {key} under {self.spool.dir.parent}: free space there, then "
                       f"run `govwire sync --store {self.store.uri}`")
        else:
            self._error(f"store write failed for {key}: {e}")

    # -- small objects ------------------------------------------------------------------------
    def _put(self, key: str, data: bytes, if_absent: bool, then: Callable[[], None] | None) -> str:
        result = put_object(self.spool, key, data, if_absent)
        if result == SPOOLED:
            self._spooled()
        if then is not None:
            then()
        return result

    def put_object(self, key: str, data: bytes, *, if_absent: bool = True,
                   then: Callable[[], None] | None = None) -> Future[str]:
        """Write a document or capture record off the reactor (create-only by default).

        The future says STORED, SPOOLED or EXISTS; `then` runs once the object is safe.
        """
        objects = self._object_writer()
        if objects is not None:
            fut = objects.submit(key, data, if_absent, then)
        else:
            if self._io is None:
                self._io = ThreadPoolExecutor(self.settings.getint("GOVWIRE_STORE_THREADS", 4),
                                              thread_name_prefix="govwire-store")
            fut = self._io.submit(self._put, key, data, if_absent, then)
        fut.add_done_callback(lambda f: self._check(key, f))
        self._pending.append(fut)
        while self._pending and (self._pending[0].done() or len(self._pending) > 2000):
            self._result(self._pending.popleft())  # bounded backlog: wait for the oldest
        return fut

    def _object_writer(self) -> ObjectWriter | None:
        """Small objects of a local store go through a helper process (crawler/offload.py);
        a remote store's latency wants the parallel store threads instead."""
        if self._objects is None and not self._no_objects:
            inner = getattr(self.store, "inner", self.store)
            if isinstance(inner, LocalStore) and self.settings.getbool("GOVWIRE_HELPER_PROCESSES", True):
                self._objects = ObjectWriter(str(inner.root), self._put, self._spooled)
            else:
                self._no_objects = True
        return self._objects

    def _check(self, key: str, fut: Future[str]) -> None:
        e = fut.exception()
        if e is not None:
            self._storage_error(key, e)

    def _result(self, fut: Future[str]) -> None:
        try:
            fut.result()
        except Exception:  # reported by _check already
            pass

    # -- checkpoints --------------------------------------------------------------------------
    def _maybe_checkpoint(self, site: str, committed: int = 1) -> None:
        """Called on the WARC thread after each commit: checkpoint every N pages or T seconds.

        A checkpoint writes the site's whole state, so N grows with it (at least 1/5 of the
        URLs the state holds): at a fixed N a 100k-URL site would rewrite its state a thousand
        times in one full crawl, quadratic work. After a kill, sync still rebuilds the pages
        since the last checkpoint from the WARCs."""
        s = self.settings
        every_pages = s.getint("GOVWIRE_STATE_CHECKPOINT_PAGES", 100)
        every_secs = s.getfloat("GOVWIRE_STATE_CHECKPOINT_SECONDS", 60.0)
        st = self.states.get(site)
        if st is None:
            return
        every_pages = checkpoint_every(every_pages, len(st.urls))
        n, last = self._checkpoint.get(site, (0, time.monotonic()))
        n += committed
        if (every_pages > 0 and n >= every_pages) or (every_secs > 0 and time.monotonic() - last >= every_secs):
            self._request_checkpoint(site)
        else:
            self._checkpoint[site] = (n, last)

    def _request_checkpoint(self, site: str) -> None:
        self._checkpoint[site] = (0, time.monotonic())
        st = self.states.get(site)
        if st is None or self.lock_busy or self.settings.get("GOVWIRE_REDIS_URL"):
            return  # a distributed run merges its workers' state once, at its end (crawler/distributed)
        with self._lock:
            if site in self._checkpointing:
                return
            self._checkpointing.add(site)
        if self._io is None:
            self._io = ThreadPoolExecutor(self.settings.getint("GOVWIRE_STORE_THREADS", 4),
                                          thread_name_prefix="govwire-store")

        def run() -> str:
            try:
                if st.save(self.spool):
                    return STORED
                self._spooled()
                return SPOOLED
            finally:
                with self._lock:
                    self._checkpointing.discard(site)
        fut = self._io.submit(run)
        fut.add_done_callback(lambda f: self._check(st.key, f))
        self._pending.append(fut)

    def mark_published(self, site: str, url: str, record_id: str) -> None:
        st = self.states.get(site)
        if st is not None:
            st.mark_published(url, record_id)

    # -- end of run ---------------------------------------------------------------------------
    def close(self) -> None:
        """Finish every write, save state and release locks. Blocking: run it off the reactor."""
        if self.lock_busy:
            return  # the lock's owner keeps the state; we wrote nothing
        # 1. every record written and fsynced, every document and capture record stored
        for sw in self._site_writers.values():
            sw.drain()
        while self._pending:
            self._result(self._pending.popleft())
        # 2. the state, before the WARCs are closed: a WARC whose state could not be saved
        #    anywhere (disk full) stays `.open`, and `govwire sync` rebuilds the state from it
        unsaved: set[str] = set()
        for site, st in list(self.states.items()):
            try:
                if not st.save(self.spool):
                    self._spooled()
            except Exception as e:
                unsaved.add(site)
                self._storage_error(st.key, e)
        # 3. close and publish the WARCs
        for site, sw in self._site_writers.items():
            sw.close(finish=site not in unsaved)
        self._site_writers.clear()
        if self._builder is not None:
            self._builder.close()
        for site, w in self.writers.items():
            if not w.abandoned and site not in unsaved:
                w.close()  # no-op when its thread closed it
        if self._objects is not None:
            self._objects.close()
        if self._io is not None:
            self._io.shutdown(wait=True)
        for lock in self.locks.values():
            try:
                if not lock.release():
                    self._spooled()
            except Exception as e:
                self._error(f"could not release {lock.key}: {e}")

    def summary(self, **extra: Any) -> dict[str, Any]:
        c = self.counters
        d: dict[str, Any] = {"fetched": c.fetched, "new": c.new, "changed": c.changed,
                             "unchanged": c.unchanged, "archived_only": c.archived_only,
                             "failed": c.failed, "bytes": c.bytes, "spooled": c.spooled,
                             "recovered": c.recovered, "deferred": c.deferred,
                             "store_trips": self.store.trips,
                             "store": self.store.uri, "seconds": round(time.time() - self.started, 2)}
        if self.lock_busy:
            d["lock_held"] = self.lock_busy
        if self.store_error:
            d["store_error"] = self.store_error
        if self.stopped:
            d["stopped"] = self.stopped
        if self.errors:
            d["write_errors"] = len(self.errors)
            d["store_error"] = d.get("store_error") or self.errors[0]
        if c.spooled or self.store_error or self.errors:
            d["spool"] = str(self.spool.dir)
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
