"""Capture every HTTP exchange into WARC the moment its bytes arrive.

`response_downloaded` fires before any downloader middleware's process_response: the body is
still Content-Encoded, redirects and error pages are visible, and the request carries the
headers that were actually sent. Archive first, clean second (style rule 19).
"""
from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urldefrag

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.utils.defer import deferred_from_coro, maybe_deferred_to_future
from twisted.internet import task, threads
from twisted.internet.defer import Deferred
from twisted.python.failure import Failure

from archive.errors import ArchiveError
from archive.locks import LockBusy, LockLost, SiteLock
from archive.state import UrlState
from archive.warc import Exchange, PriorCapture, new_record_id, payload_digest
from warcio.timeutils import datetime_to_iso_date
from crawler.download_handler import take_raw_heads
from crawler.session import ArchiveSession, Outcome
from crawler.spiders.base import META_DIGEST, META_HOPS, META_REVISIT, META_TRUNCATED, META_WARC

logger = logging.getLogger(__name__)


def site_of(spider: Spider) -> str:
    return getattr(spider, "site", "") or spider.name


def _headers(h: Any) -> list[tuple[bytes, bytes]]:
    out: list[tuple[bytes, bytes]] = []
    for name, values in h.items():
        for v in values:
            out.append((bytes(name), bytes(v)))
    return out


def _protocol(response: Response) -> str:
    p = getattr(response, "protocol", None) or "HTTP/1.1"
    return p if p.upper().startswith("HTTP/") else "HTTP/1.1"


class WarcCaptureExtension:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        try:
            self.session = ArchiveSession.for_crawler(crawler)
        except ArchiveError as e:
            raise NotConfigured(str(e)) from e
        self._beats: list[task.LoopingCall] = []
        crawler.signals.connect(self.response_downloaded, signal=signals.response_downloaded)
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcCaptureExtension:
        return cls(crawler)

    async def spider_opened(self, spider: Spider) -> None:
        """Take the site lock and load its state on a thread (store calls never block the
        reactor, which other sites' crawlers share); requests start once this has finished."""
        from twisted.internet import reactor  # the one Scrapy installed

        site = site_of(spider)
        self.session.on_fatal = lambda msg: reactor.callFromThread(self._stop, msg)
        d: Deferred[SiteLock | None] = threads.deferToThread(self._open_site, site)
        self._start_heartbeat(site, await maybe_deferred_to_future(d))

    def _open_site(self, site: str) -> SiteLock | None:
        s = self.crawler.settings
        lock = None
        # in a distributed crawl the shared Redis queue, not a per-site lock, keeps workers apart
        if s.getbool("GOVWIRE_LOCK", True) and not s.get("GOVWIRE_REDIS_URL"):
            lock = SiteLock(self.session.store, site, stale_minutes=s.getfloat("GOVWIRE_LOCK_STALE_MINUTES", 15.0),
                            spool=self.session.spool)
            try:
                lock.acquire()
            except LockBusy as e:
                # every request is now refused before it leaves (see RobotsTxtMiddleware),
                # so the spider goes idle and closes without touching the site or the store
                self.session.lock_busy = str(e)
                logger.error("%s", e)
                return None
            except (ArchiveError, OSError) as e:
                self.session.store_error = f"cannot take the lock {lock.key}: {e}"
                self.session.halted = True
                logger.error("%s", self.session.store_error)
                return None
            if lock.took_over:
                logger.warning("took over a stale lock for %s from pid %s on %s", site,
                               lock.took_over.get("pid"), lock.took_over.get("host"))
            self.session.locks[site] = lock
        try:
            self.session.state(site)
        except (ArchiveError, OSError) as e:
            self.session.store_error = str(e)
        return lock

    def _start_heartbeat(self, site: str, lock: SiteLock | None) -> None:
        if lock is None:
            return
        # refresh the lock's heartbeat so a long crawl is never mistaken for a dead one

        def beat() -> None:
            d = threads.deferToThread(lock.heartbeat)
            d.addErrback(self._heartbeat_failed)

        loop = task.LoopingCall(beat)
        loop.start(lock.heartbeat_interval(), now=False)
        self._beats.append(loop)

    def _heartbeat_failed(self, failure: Failure) -> None:
        if failure.check(LockLost):
            self.session.fatal(failure.getErrorMessage())
        else:
            logger.warning("lock heartbeat failed: %s", failure.getErrorMessage())

    def _stop(self, reason: str) -> None:
        engine = self.crawler.engine
        if engine is None or engine.spider is None:
            return
        logger.error("stopping the crawl: %s", reason)
        deferred_from_coro(engine.close_spider_async(reason="govwire_fault"))

    def response_downloaded(self, response: Response, request: Request, spider: Spider) -> None:
        site = site_of(spider)
        sess = self.session
        if sess.lock_busy or sess.halted or sess.stopped:
            return
        fetched = datetime.now(timezone.utc)
        url = urldefrag(request.url)[0]  # a fragment is never sent, so it is not archived
        cap = request.meta.get(META_TRUNCATED)
        body = response.body[:cap] if cap else response.body  # what arrived, up to the cap
        raw_request, raw_response, sent_at = take_raw_heads(request, self.crawler.stats)
        ex = Exchange(
            url=url, method=request.method, request_headers=_headers(request.headers),
            request_body=request.body or b"", status=response.status,
            response_headers=_headers(response.headers), body=body,
            protocol=_protocol(response), ip_address=str(response.ip_address) if response.ip_address else None,
            date=fetched, raw_request_head=raw_request, raw_response_head=raw_response,
            request_date=sent_at, truncated="length" if cap else None)
        try:
            state = sess.state(site)
        except ArchiveError:
            state = None
        prev = state.get(url) if state else None
        prior = (PriorCapture(prev.url, prev.date, prev.record_id, prev.payload_digest)
                 if prev and response.status in (200, 304) and not cap else None)
        digest = payload_digest(body)
        revisit = prior is not None and (response.status == 304 or digest == prior.payload_digest)
        ex.record_id = new_record_id()
        ex.payload_digest = digest
        entry = None
        if cap:
            pass  # a cut body is no basis for revisits or conditional requests
        elif state is not None and response.status == 200 and not revisit:
            if prev is not None and prev.payload_digest != digest:
                sess.changed_urls.add(url)
            # joins the state only once its record is durable (SiteWriter), published=False
            # until the pipeline has stored its capture record
            entry = UrlState(
                payload_digest=digest, record_id=ex.record_id,
                date=datetime_to_iso_date(fetched.replace(tzinfo=None), use_micros=True), url=url,
                etag=_h(response, b"ETag"), last_modified=_h(response, b"Last-Modified"), published=False)
        elif state is not None and prev is not None and response.status == 304:
            prev.etag = _h(response, b"ETag") or prev.etag
            prev.last_modified = _h(response, b"Last-Modified") or prev.last_modified
        if revisit and prev is not None and not prev.published and response.status == 200 and not cap:
            # a killed run captured this payload but never stored its capture record or document:
            # the pipeline completes them from this response, pointing at that first record
            sess.recovering[url] = prev
        # the records are serialised, gzipped and fsynced on the site's WARC thread; the
        # pipeline awaits the pointer, everything else is decided here and now
        request.meta[META_WARC] = sess.write_warc(site, ex, prior, entry)
        request.meta[META_DIGEST] = prior.payload_digest if revisit and prior else digest
        request.meta[META_REVISIT] = revisit
        request.meta["govwire_fetched_at"] = fetched.isoformat()
        # every exchange of a redirect chain, in order (RedirectMiddleware copies meta onwards)
        request.meta.setdefault(META_HOPS, []).append(
            {"url": url, "status": response.status, "warc": request.meta[META_WARC],
             "fetched_at": fetched.isoformat(), "payload_digest": digest})
        sess.counters.fetched += 1
        sess.counters.bytes += len(body)

    async def spider_closed(self, spider: Spider, reason: str) -> None:
        """Finish writes, save state, release the lock — on a thread, so other sites'
        crawlers sharing this reactor keep running while uploads finish."""
        for beat in self._beats:
            if beat.running:
                beat.stop()
        if not (self.session.lock_busy or self.session.halted):
            for f in getattr(spider, "skipped", []) or []:  # robots.txt: not failed, but say so
                url = f.get("url", "")
                self.session.outcomes.setdefault(url, Outcome(url=url, ok=False,
                                                              reason=f.get("reason", "skipped"),
                                                              site=site_of(spider)))
            for f in getattr(spider, "failures", []) or []:
                url = f.get("url", "")
                self.session.counters.failed += 1
                self.session.outcomes.setdefault(url, Outcome(url=url, ok=False,
                                                              reason=f.get("reason", "failed"),
                                                              site=site_of(spider)))
        try:
            await maybe_deferred_to_future(threads.deferToThread(self.session.close))
        except Exception as e:  # a bug; the summary still reports what was written
            logger.error("closing the archive session failed: %s", e)
            self.session.store_error = self.session.store_error or f"closing the archive session failed: {e}"


def _h(response: Response, name: bytes) -> str | None:
    v = response.headers.get(name)
    return v.decode("latin-1") if v else None
