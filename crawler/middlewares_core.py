"""Downloader middlewares of the archive core: conditional requests, a robots.txt fix."""
from __future__ import annotations

from typing import Any

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware as _ScrapyRobotsTxtMiddleware
from scrapy.utils.httpobj import urlparse_cached
from scrapy.exceptions import IgnoreRequest
from twisted.internet.defer import Deferred

from archive.errors import ArchiveError
from crawler.session import ArchiveSession
from crawler.spiders.base import META_CONDITIONAL


class ConditionalRequestMiddleware:
    """Adds If-None-Match / If-Modified-Since for pages captured before, so an unchanged page
    costs the site a 304 and us a revisit record."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ConditionalRequestMiddleware:
        return cls(crawler)

    def process_request(self, request: Request, spider: Spider | None = None) -> Any:
        if not request.meta.get(META_CONDITIONAL):
            return None
        sess = ArchiveSession.of(self.crawler)
        if sess is None:
            return None
        spider = spider or self.crawler.spider  # Scrapy 2.19 no longer passes it
        if spider is None:
            return None
        site = getattr(spider, "site", "") or spider.name
        try:
            prev = sess.state(site).get(request.url)
        except ArchiveError:
            return None
        if prev is None or not prev.published:
            return None  # never captured, or a killed run's capture to complete: fetch in full
        if prev.etag and b"If-None-Match" not in request.headers:
            request.headers[b"If-None-Match"] = prev.etag.encode("latin-1")
        if prev.last_modified and b"If-Modified-Since" not in request.headers:
            request.headers[b"If-Modified-Since"] = prev.last_modified.encode("latin-1")
        return None


class RobotsTxtMiddleware(_ScrapyRobotsTxtMiddleware):
    """Scrapy's robots.txt middleware with one fix: in Scrapy 2.19 only the first two requests
    waiting for a host's robots.txt get its parser — later ones get None and are let through,
    disallowed or not (seen on our fixture web). The parsed result is cached on the
    middleware, so we read it from there."""

    async def process_request(self, request: Request, spider: Spider | None = None) -> None:
        sess = ArchiveSession.of(self.crawler)
        if sess is not None and (sess.lock_busy or sess.halted):
            # another run owns this site: not even robots.txt may be fetched
            raise IgnoreRequest(sess.lock_busy or "run halted")
        return await super().process_request(request)

    async def robot_parser(self, request: Request) -> Any:
        rp = await super().robot_parser(request)
        cached = self._parsers.get(urlparse_cached(request).netloc)
        return rp if cached is None or isinstance(cached, Deferred) else cached
