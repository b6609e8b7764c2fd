"""A Scrapy scheduler on scrapy-redis whose requests are leased, not just popped.

Why: scrapy-redis pops a request and forgets it, so a killed worker loses everything it had
taken, and a worker whose queue is momentarily empty closes while others still produce work.
Here a popped request stays in the worker's lease hash in Redis until the engine is completely
done with it (downloaded, WARC record on disk, items through the pipeline, follow-up requests
queued); only then is it acknowledged. A worker's heartbeat keeps its leases; when it stops,
any other worker re-queues them. Workers keep waiting while anything is queued, leased or still
being read from a spider's start(); the run ends for everyone when none of that is left.

Serialisation and the Redis connection are scrapy-redis's; queue, duplicate filter, leases and
run registry are Lua scripts (crawler/distributed/scripts.py) so that each step is atomic.
"""
from __future__ import annotations

import json
import logging
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import asdict
from datetime import datetime, timezone
from typing import Any

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.http import Response
from twisted.internet import task

from crawler.distributed.run import Run, merge_figures
from crawler.spiders.base import META_DIGEST, META_REVISIT, META_WARC

logger = logging.getLogger(__name__)

STATS_EXTRA = "govwire/summary_extra"  # read by crawler/runner.py into the site's summary
QUALITY_KEY = "govwire/quality"        # crawler/quality_hooks.py STATS_KEY: the telemetry record
RUN_ATTR = "govwire_scheduler"         # the crawler's LeasedScheduler, for the start() tracker
META_START = "govwire_start"  # from start(): every worker yields it, so one copy is fetched
PER_RESPONSE_META = {META_WARC, META_DIGEST, META_REVISIT, "govwire_fetched_at"}


class LeasedScheduler:
    """SCHEDULER for GOVWIRE_REDIS_URL crawls (set by crawler.addons.RedisDistribution)."""

    def __init__(self, crawler: Crawler) -> None:
        from scrapy_redis import connection, picklecompat  # type: ignore[import-untyped]

        s = crawler.settings
        self.crawler = crawler
        self.server = connection.from_settings(s)
        self.serializer = picklecompat
        self.lease_ttl = s.getfloat("GOVWIRE_LEASE_TTL", 30.0)
        # a worker holds at most this many requests (downloading or in its pipeline): the rest
        # stay queued for the others. Twice the site's concurrency keeps the downloader busy
        # while pages are cleaned (1x measured 0.66 of a plain crawl's pages/s in bench/).
        self.prefetch = s.getint("GOVWIRE_PREFETCH") or 2 * max(1, s.getint("CONCURRENT_REQUESTS_PER_DOMAIN"))
        self.run: Run | None = None
        self.spider: Spider | None = None
        self.site = ""
        self.refused: str | None = None     # locked / already finished: fetch nothing
        self.redis_error: str | None = None
        self._inflight: dict[int, tuple[Request, str]] = {}
        self._finished: list[tuple[Request, str]] = []
        self._fetched: set[str] = set()
        self._status_at = 0.0
        self._status_done = False
        self._loop: task.LoopingCall | None = None
        # pushes and acknowledgements go to Redis from one thread, in order (a page's follow-up
        # requests are queued before the page is acknowledged) and off the reactor (a Redis
        # round trip on a loaded machine took ms; bench/distributed.py)
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="govwire-redis")
        self._writes = 0
        self._writes_lock = threading.Lock()
        self._ack_lock = threading.Lock()
        self.leased = self.acked = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> LeasedScheduler:
        return cls(crawler)

    # -- lifecycle ---------------------------------------------------------------------------
    def open(self, spider: Spider) -> None:
        from crawler.session import ArchiveSession
        from crawler.warc_capture import site_of

        self.spider = spider
        self.site = site_of(spider)
        s = self.crawler.settings
        self.run = Run(self.server, self.site, wanted_id=s.get("GOVWIRE_RUN_ID") or "",
                       lease_ttl=self.lease_ttl)
        setattr(self.crawler, RUN_ATTR, self)
        try:
            verdict = self.run.join()
        except Exception as e:
            self._redis_failed(e)
            return
        sess = ArchiveSession.for_crawler(self.crawler)
        if verdict == "locked":
            self.refused = (f"another distributed run ({self.run.id}) holds {self.site}; "
                            f"GOVWIRE_RUN_ID={self.run.wanted_id} must wait")
            sess.lock_busy = self.refused
            logger.error("%s", self.refused)
            return
        if verdict == "finished":
            self.refused = f"run {self.run.id} of {self.site} already finished; nothing to do"
            logger.warning("%s", self.refused)
            return
        logger.info("%s run %s of %s as worker %s", verdict, self.run.id, self.site, self.run.worker)
        try:
            self._hook_engine()
        except RuntimeError as e:  # a Scrapy whose engine changed: take no work at all
            self.redis_error = str(e)
            logger.error("%s", e)
            return
        self.crawler.signals.connect(self._downloaded, signal=signals.response_downloaded)
        self._loop = task.LoopingCall(self._tick)
        self._loop.start(0.25, now=False)

    def _hook_engine(self) -> None:
        # the engine's slot forgets a request once download, callback, item pipelines and
        # follow-up scheduling are all done with it: exactly when a lease may be acknowledged
        slot = getattr(self.crawler.engine, "_slot", None)
        if slot is None or not hasattr(slot, "remove_request"):
            raise RuntimeError("distributed crawl: this Scrapy has no engine slot to hook leases into "
                               "(see docs/distributed.md, Scrapy internals)")
        original = slot.remove_request

        def remove_request(request: Request) -> None:
            original(request)
            got = self._inflight.pop(id(request), None)
            if got is not None:
                self._finished.append(got)

        slot.remove_request = remove_request

    def _downloaded(self, response: Response, request: Request, spider: Spider) -> None:
        self._fetched.add(request.url)

    # -- queue -------------------------------------------------------------------------------
    def enqueue_request(self, request: Request) -> bool:
        if self.run is None or self.refused or self.redis_error:
            return False
        fp = self.crawler.request_fingerprinter.fingerprint(request).hex()  # type: ignore[union-attr]
        d = request.to_dict(spider=self.spider)
        # what the capture attached to the previous hop (a redirect copies meta) is no message
        d["meta"] = {k: v for k, v in (d.get("meta") or {}).items() if k not in PER_RESPONSE_META}
        data = self.serializer.dumps(d)
        self._write(self._push, fp, request.priority, data,
                    request.dont_filter and not request.meta.get(META_START))
        return True  # the duplicate filter answers in Redis; stats count what it dropped

    def start_done(self) -> None:
        """After the pushes start() made: only then may the others see this worker idle."""
        if self.run is not None and self.run.id and not self.refused:
            self._write(self.run.finished_reading)

    def _push(self, fp: str, priority: int, data: bytes, dont_filter: bool) -> None:
        assert self.run is not None
        added = self.run.push(fp, priority, data, dont_filter=dont_filter)
        stats = self.crawler.stats
        if stats is not None:
            stats.inc_value("scheduler/enqueued/redis" if added else "dupefilter/filtered")

    def _write(self, fn: Any, *args: Any) -> None:
        with self._writes_lock:
            self._writes += 1
        try:
            self._writer.submit(self._run_write, fn, *args)
        except RuntimeError:  # closed already (a refused or stopped worker): nothing to tell
            with self._writes_lock:
                self._writes -= 1

    def _run_write(self, fn: Any, *args: Any) -> None:
        try:
            if not self.redis_error:
                fn(*args)
        except Exception as e:
            self._redis_failed(e)
        finally:
            with self._writes_lock:
                self._writes -= 1

    def next_request(self) -> Request | None:
        if self.run is None or self.refused or self.redis_error or len(self._inflight) >= self.prefetch:
            return None
        try:
            got = self.run.pop()
        except Exception as e:
            self._redis_failed(e)
            return None
        if got is None:
            return None
        field, data = got
        from scrapy.utils.request import request_from_dict

        request = request_from_dict(self.serializer.loads(data), spider=self.spider)
        request.meta.pop(META_START, None)  # a retry of it must not be filtered as a duplicate
        self._inflight[id(request)] = (request, field)
        self.leased += 1
        self._status_done = False
        return request

    def has_pending_requests(self) -> bool:
        if self.run is None or self.refused or self.redis_error:
            return False
        if self._inflight or self._finished or self._writes:
            return True
        now = time.monotonic()
        if now - self._status_at > 0.2:
            self._status_at = now
            try:
                self._status_done = self.run.status().done
            except Exception as e:
                self._redis_failed(e)
                return False
        return not self._status_done

    def _redis_failed(self, e: Exception) -> None:
        if self.redis_error is None:
            self.redis_error = f"Redis unavailable: {e}"
            logger.error("%s; this worker stops taking work", self.redis_error)
            if self.run is not None:
                self.run.stop_beating(wait=False)

    # -- acknowledgements --------------------------------------------------------------------
    def _tick(self) -> None:
        if self._finished:
            batch, self._finished = self._finished, []
            self._write(self._ack, batch, self._writes_so_far())
        # a waiting worker asks again soon rather than at the engine's 5 s heartbeat
        slot = getattr(self.crawler.engine, "_slot", None)
        if slot is not None and not self._inflight:
            slot.nextcall.schedule()

    def _writes_so_far(self) -> list[Future[Any]]:
        """The session's store writes queued so far (taken on the reactor thread, which owns them)."""
        from crawler.session import ArchiveSession

        sess = ArchiveSession.of(self.crawler)
        return list(getattr(sess, "_pending", ())) if sess is not None else []

    def _ack(self, batch: list[tuple[Request, str]], writes: list[Future[Any]]) -> None:
        """Acknowledge once the pages are safe: WARC record and document writes finished."""
        with self._ack_lock:
            self._ack_locked(batch, writes)

    def _ack_locked(self, batch: list[tuple[Request, str]], writes: list[Future[Any]]) -> None:
        assert self.run is not None
        futures: list[Future[Any]] = [r.meta[META_WARC] for r, _ in batch
                                      if isinstance(r.meta.get(META_WARC), Future)]
        wait(futures + writes, timeout=120)
        self.run.ack([f for _, f in batch], self._state_of({r.url for r, _ in batch}))
        self.acked += len(batch)

    def _state_of(self, urls: set[str]) -> dict[str, str]:
        from crawler.session import ArchiveSession

        sess = ArchiveSession.of(self.crawler)
        st = sess.states.get(self.site) if sess is not None else None
        if st is None:
            return {}
        out = {}
        for url in urls:
            entry = st.get(url)
            if entry is not None:
                out[url] = json.dumps(asdict(entry))
        return out

    # -- the end -----------------------------------------------------------------------------
    def close(self, reason: str) -> Any:
        """Leave the run off the reactor thread: flushing to Redis, merging the run's state and
        telemetry into the store are blocking calls, and other sites' crawlers share the
        reactor (`crawl --all`). The engine waits for the returned Deferred."""
        from twisted.internet import threads

        if self._loop is not None and self._loop.running:
            self._loop.stop()
        return threads.deferToThread(self._close, reason)

    def _close(self, reason: str) -> None:
        from crawler.session import ArchiveSession

        run = self.run
        sess = ArchiveSession.of(self.crawler)
        extra: dict[str, Any] = {}
        if run is None or not run.id or self.refused:
            if self.refused and "finished" in self.refused:
                extra["distributed"] = {"run_id": run.id if run else "", "note": self.refused}
            if self.redis_error:
                extra["distributed_error"] = self.redis_error
            self._put_extra(extra)
            if run is not None:
                run.stop_beating()
            return
        self._writer.submit(lambda: None).result()  # every queued push and ack is in Redis
        self._writer.shutdown(wait=True)
        try:
            if self._finished:
                self._ack(self._finished, self._writes_so_far())
                self._finished = []
            # every state entry this worker wrote goes to the run; the workers' own sessions
            # must not save it: the run's finaliser merges it into the store once
            fetched = sorted(self._fetched)
            for i in range(0, len(fetched), 1000):  # bounded commands on a big crawl
                run.ack([], self._state_of(set(fetched[i:i + 1000])))
            final = run.close(self._figures(sess))
            if sess is not None:
                for st in sess.states.values():
                    st.dirty = False
            extra["distributed"] = {"run_id": run.id, "worker": run.worker,
                                    "role": "finaliser" if final else "worker",
                                    "leased": self.leased, "acked": self.acked}
            if final:
                extra["distributed"]["run"] = self._finalise(sess)
        except Exception as e:
            self._redis_failed(e)
            run.stop_beating()
        if self.redis_error:
            extra["distributed_error"] = self.redis_error
        self._put_extra(extra)

    @property
    def shares_run(self) -> bool:
        """This worker crawls a share of a cluster run (read by the quality hooks)."""
        return self.run is not None and bool(self.run.id) and not self.refused

    def _figures(self, sess: Any) -> dict[str, Any]:
        c = sess.summary() if sess is not None else {}
        failed = len(getattr(self.spider, "failures", []) or [])
        out = {k: c.get(k, 0) for k in ("fetched", "new", "changed", "unchanged", "archived_only",
                                        "bytes", "spooled")} | {"failed": failed, "leased": self.leased}
        part = self.crawler.stats.get_value(QUALITY_KEY) if self.crawler.stats is not None else None
        if part and part.get("partial"):
            out["quality"] = part  # merged into the run's one telemetry record by the finaliser
        return out

    def _telemetry(self, sess: Any, parts: list[dict[str, Any]], merged: dict[str, Any]) -> None:
        """The run's one telemetry record, judged against the site's history (docs/quality.md)."""
        from crawler.seeds import Quality
        from crawler.telemetry import history_summary, judge, merge_parts, recent_runs, telemetry_key

        assert self.run is not None
        if not parts or not self.crawler.settings.getbool("GOVWIRE_TELEMETRY", True):
            return
        quality = getattr(getattr(self.spider, "seed", None), "quality", None) or Quality()
        rec = merge_parts(parts, self.run.id)
        try:
            history = recent_runs(sess.store, self.site, quality.history_runs)
        except Exception as e:  # noqa: BLE001 -- history is a comparison, not the crawl
            logger.warning("telemetry history for %s not readable: %s", self.site, e)
            history = []
        rec["history"] = history_summary(history)
        rec["alarms"] = judge(rec, history, quality)
        key = telemetry_key(self.site, datetime.now(timezone.utc), self.run.id)
        sess.put_object(key, json.dumps(rec, sort_keys=True).encode("utf-8"))
        merged["telemetry_key"] = key
        for alarm in rec["alarms"]:
            logger.error("quality alarm: %s: %s", self.site, alarm)
        if self.crawler.stats is not None:
            self.crawler.stats.set_value(QUALITY_KEY, rec)  # the finaliser's summary: the run's

    def _finalise(self, sess: Any) -> dict[str, Any]:
        """The last worker: state into the store once, dead workers' spool, one summary."""
        from archive.state import CrawlState, UrlState

        assert self.run is not None
        run = self.run
        status = run.status()  # not done when the last worker was stopped early (SIGTERM)
        lost = run.lost()
        workers = run.worker_figures()
        parts = [q for q in (w.pop("quality", None) for w in workers.values()) if q]
        merged = merge_figures(run.id, workers, lost)
        if not status.done:
            merged["unfinished"] = {"queued": status.queued}
        if sess is not None:
            entries = run.state_entries()
            try:
                st = CrawlState(sess.store, self.site).load()
                for url, raw in entries.items():
                    st.put(url, UrlState(**raw))
                st.save()
                merged["state_entries_merged"] = len(entries)
            except Exception as e:  # the store is down: the entries stay in Redis (7 days)
                logger.error("could not merge the run's crawl state into the store: %s", e)
                sess.store_error = sess.store_error or f"could not save crawl state: {e}"
                merged["state_error"] = str(e)
            if lost:
                # a killed worker's WARC is an unfinished .open file in the spool; when the
                # spool is shared (one machine, or one volume) mend and publish it now
                try:
                    report = sess.spool.sync()
                    merged["spool_sync"] = {"uploaded": report.uploaded, "repaired": report.repaired,
                                            "pending": report.pending}
                except Exception as e:  # `govwire sync` later publishes it
                    logger.error("could not publish the spool of dead workers: %s", e)
                    merged["spool_sync"] = {"error": str(e)}
            if status.done:
                try:
                    self._telemetry(sess, parts, merged)
                except Exception as e:  # the store is down: say so, keep the run's summary
                    logger.error("could not record the run's telemetry: %s", e)
                    merged["telemetry_error"] = str(e)
            key = f"runs/{self.site}/{run.id}.json"
            sess.put_object(key, json.dumps(merged, sort_keys=True, indent=1).encode("utf-8"))
            merged["summary_key"] = key
        if status.done and "state_error" not in merged:
            run.forget(merged)
        elif status.done:
            run.server.delete(run.prefix + "final")  # keys kept: the state is still in Redis
        else:
            # keep queue and seen-set: a worker started with the same GOVWIRE_RUN_ID resumes
            run.server.delete(run.prefix + "final")
            logger.warning("run %s of %s stopped with %d requests queued; start a worker with "
                           "GOVWIRE_RUN_ID=%s to finish it", run.id, self.site, status.queued, run.id)
        return merged

    def _put_extra(self, extra: dict[str, Any]) -> None:
        if extra and self.crawler.stats is not None:
            self.crawler.stats.set_value(STATS_EXTRA, extra)


class StartTracker:
    """Spider middleware: tells the run when this worker's start() is exhausted, because until
    then the worker may still produce requests and nobody may call the run finished."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StartTracker:
        return cls(crawler)

    async def process_start(self, start: Any) -> Any:
        try:
            async for item_or_request in start:
                if isinstance(item_or_request, Request):
                    item_or_request.meta[META_START] = True
                yield item_or_request
        finally:
            scheduler = getattr(self.crawler, RUN_ATTR, None)
            if scheduler is not None:
                scheduler.start_done()
