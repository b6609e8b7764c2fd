"""Politeness downloader middlewares Scrapy lacks: robots.txt Crawl-delay and Retry-After.

Enable them in crawler/settings.py (owned by the lead):

    DOWNLOADER_MIDDLEWARES = {
        # after RobotsTxtMiddleware (100), whose robots_parsed signal feeds it
        "crawler.middlewares.CrawlDelayMiddleware": 120,
        # process_response runs high-to-low: it must see a 429/503 before Scrapy's
        # RetryMiddleware (550) retries it at once without waiting
        "crawler.middlewares.RetryAfterMiddleware": 560,
    }
    # Longest Retry-After we wait; longer ones give up with "HTTP 429 (Retry-After N)".
    GOVWIRE_RETRY_AFTER_MAX = 300
    # How many times one request is retried after a Retry-After (shares Scrapy's retry_times).
    GOVWIRE_RETRY_AFTER_TIMES = 3
    # Longest robots.txt Crawl-delay we honour (a site asking for more still gets this much).
    GOVWIRE_CRAWL_DELAY_MAX = 60

Both act on the downloader *slot* (one per host), the unit Scrapy paces requests by, so a
Crawl-delay or a Retry-After slows every request to that host, not just the one that asked.
"""
from __future__ import annotations

import logging
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from time import monotonic
from typing import Any

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.utils.httpobj import urlparse_cached

logger = logging.getLogger(__name__)


def _downloader(crawler: Crawler) -> Any:
    engine = getattr(crawler, "engine", None)
    return getattr(engine, "downloader", None)


class CrawlDelayMiddleware:
    """Honours robots.txt `Crawl-delay` for our user agent, which Scrapy parses but ignores.

    Scrapy's RobotsTxtMiddleware sends `robots_parsed` with its parser (Protego by default,
    whose `crawl_delay()` we call) before it lets the first request to that host through, so the
    host's slot is slowed before any page is fetched. AutoThrottle lowers slot delays after each
    response; we raise them back to the floor on every request and response, and pin the slot to
    one request at a time without jitter, because Crawl-delay means "this long between hits".
    """

    def __init__(self, crawler: Crawler) -> None:
        if not crawler.settings.getbool("ROBOTSTXT_OBEY"):
            raise NotConfigured
        self.crawler = crawler
        self.max_delay = crawler.settings.getfloat("GOVWIRE_CRAWL_DELAY_MAX", 60.0)
        self.user_agent: str = (crawler.settings.get("ROBOTSTXT_USER_AGENT")
                                or crawler.settings.get("USER_AGENT") or "*")
        self.delays: dict[str, float] = {}   # netloc -> Crawl-delay seconds
        crawler.signals.connect(self.robots_parsed, signal=signals.robots_parsed)
        crawler.signals.connect(self.response_downloaded, signal=signals.response_downloaded)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlDelayMiddleware:
        return cls(crawler)

    def robots_parsed(self, robotparser: Any, request: Request) -> None:
        try:
            delay = robotparser.crawl_delay(self.user_agent)
        except (AttributeError, NotImplementedError, TypeError, ValueError):
            delay = None
        if not delay or delay <= 0:
            return
        delay = min(float(delay), self.max_delay)
        netloc = urlparse_cached(request).netloc
        self.delays[netloc] = delay
        self.crawler.stats.set_value(f"govwire/crawl_delay/{netloc}", delay)
        logger.info("robots.txt Crawl-delay for %s: %.1f s", netloc, delay)
        downloader = _downloader(self.crawler)
        if downloader is not None:
            # new slots (or slots re-made after Scrapy's idle-slot cleanup) start paced
            downloader.per_slot_settings.setdefault(netloc, {}).update(
                {"delay": delay, "concurrency": 1, "jitter": 0.0})

    def _floor(self, request: Request) -> None:
        netloc = urlparse_cached(request).netloc
        delay = self.delays.get(netloc)
        downloader = _downloader(self.crawler)
        if not delay or downloader is None:
            return
        slot = downloader.slots.get(request.meta.get("download_slot", netloc))
        if slot is None:
            return
        if slot.delay < delay:
            slot.delay = delay
        slot.jitter = 0.0
        slot.concurrency = 1

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        netloc = urlparse_cached(request).netloc
        if netloc in self.delays:
            # A slot of its own, keyed like robots.txt is (scheme-less netloc): Scrapy keys slots
            # by hostname alone, so two sites on one host (the fixture web) would share a delay.
            if request.meta.get("download_slot") in (None, urlparse_cached(request).hostname):
                request.meta["download_slot"] = netloc
            self._floor(request)
        return None

    def response_downloaded(self, response: Response, request: Request, spider: Spider) -> None:
        # runs after AutoThrottle's handler (extensions connect first): undo any lowering
        self._floor(request)


def retry_after_seconds(value: bytes | str | None, *, now: datetime | None = None) -> float | None:
    """Seconds a `Retry-After` header asks us to wait (delta-seconds or HTTP-date), or None."""
    if value is None:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if not text:
        return None
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())


class RetryAfterMiddleware:
    """On 429/503 with `Retry-After`, pause the host's slot that long, then retry.

    Scrapy's RetryMiddleware retries 429/503 at once, which is what gets a crawler banned. Here the
    whole slot waits (its delay is raised and its clock restarted), up to GOVWIRE_RETRY_AFTER_MAX
    seconds and GOVWIRE_RETRY_AFTER_TIMES retries; a longer wait or too many retries gives up and
    hands the response on with `dont_retry`, so the errback reports "HTTP 429 (Retry-After N)".
    Responses without Retry-After are left to RetryMiddleware.
    """

    CODES = (429, 503)

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        s = crawler.settings
        self.max_wait = s.getfloat("GOVWIRE_RETRY_AFTER_MAX", 300.0)
        self.max_times = s.getint("GOVWIRE_RETRY_AFTER_TIMES", 3)
        self.paused: dict[str, tuple[float, float, float]] = {}  # key -> (until, delay, jitter)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RetryAfterMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response,
                         spider: Spider | None = None) -> Request | Response:
        downloader = _downloader(self.crawler)
        key = downloader.get_slot_key(request) if downloader is not None else ""
        if response.status not in self.CODES or request.meta.get("dont_retry"):
            self._resume(key)
            return response
        wait = retry_after_seconds(response.headers.get(b"Retry-After"))
        if wait is None:
            return response
        stats = self.crawler.stats
        if wait > self.max_wait:
            logger.warning("giving up on %s: Retry-After %.0f s is over "
                           "GOVWIRE_RETRY_AFTER_MAX %.0f s",
                           request.url, wait, self.max_wait)
            stats.inc_value("govwire/retry_after/gave_up")
            request.meta["dont_retry"] = True
            return response
        retry = get_retry_request(request, spider=self.crawler.spider,  # type: ignore[arg-type]
                                  reason=f"retry_after_{response.status}",
                                  max_retry_times=self.max_times)
        if retry is None:
            request.meta["dont_retry"] = True
            stats.inc_value("govwire/retry_after/gave_up")
            return response
        self._pause(key, wait)
        stats.inc_value("govwire/retry_after/count")
        logger.info("%s answered %d, Retry-After %.1f s: pausing %s", request.url, response.status,
                    wait, key)
        return retry

    def _pause(self, key: str, wait: float) -> None:
        downloader = _downloader(self.crawler)
        slot = downloader.slots.get(key) if downloader is not None else None
        if slot is None:
            return
        until = monotonic() + wait
        prev = self.paused.get(key)
        base_delay, base_jitter = (prev[1], prev[2]) if prev else (slot.delay, slot.jitter)
        self.paused[key] = (max(until, prev[0]) if prev else until, base_delay, base_jitter)
        # Scrapy starts the next request of a slot once `delay` has passed since `lastseen`
        slot.delay = max(slot.delay, wait)
        slot.jitter = 0.0
        slot.lastseen = monotonic()

    def _resume(self, key: str) -> None:
        paused = self.paused.get(key)
        if paused is None or monotonic() < paused[0]:
            return
        del self.paused[key]
        downloader = _downloader(self.crawler)
        slot = downloader.slots.get(key) if downloader is not None else None
        if slot is not None:
            slot.delay, slot.jitter = paused[1], paused[2]
