"""Politeness for the whole cluster: one site's download delay and concurrency hold across
every worker, not per worker.

Why in the download handler: Scrapy applies its own (per-process) delay after the downloader
middlewares, so a gate there could be overtaken; the handler is the last step before the
request goes out. Each send first takes one of the site's concurrency slots (a Redis zset
whose entries expire, so a killed worker cannot hold a slot for ever), then waits until Redis
grants the site's next send time. Redis's clock is the only clock.
"""
from __future__ import annotations

import asyncio
import logging
import secrets
from typing import Any
from urllib.parse import urlsplit

from scrapy.http import Request, Response
from scrapy.utils.misc import build_from_crawler, load_object

from crawler.distributed import scripts

logger = logging.getLogger(__name__)

DEFAULT_HANDLERS = {"http": "scrapy.core.downloader.handlers.http11.HTTP11DownloadHandler",
                    "https": "scrapy.core.downloader.handlers.http11.HTTP11DownloadHandler"}
INNER_SETTING = "GOVWIRE_PACED_INNER_HANDLERS"


class SharedPace:
    """A site's cluster-wide send slots and send times, in Redis."""

    def __init__(self, server: Any, *, delay: float, concurrency: int, slot_ttl: float) -> None:
        self.server = server
        self.delay_ms = max(0, int(delay * 1000))
        self.concurrency = max(1, concurrency)
        self.slot_ttl_ms = int(slot_ttl * 1000)
        self._pace = server.register_script(scripts.PACE)
        self._acquire = server.register_script(scripts.ACQUIRE)
        self.redis_down = False

    @staticmethod
    def host_of(url: str) -> str:
        return (urlsplit(url).netloc or "").lower()

    async def acquire(self, host: str) -> str:
        """Wait for a free slot and the site's turn to send; return the slot's token."""
        from redis.exceptions import RedisError

        token = secrets.token_hex(8)
        key = f"govwire:pace:{host}"
        wait = 0.01
        try:
            # Redis calls in a thread: the reactor keeps downloading during the round trip
            while not await asyncio.to_thread(self._acquire, keys=[key + ":slots"],
                                              args=[token, self.concurrency, self.slot_ttl_ms]):
                await asyncio.sleep(wait)
                wait = min(0.2, wait * 2)
            if self.delay_ms:
                # on the reactor, not in a thread: the grant must be followed by the send at
                # once, or a late sender squeezes the next worker's turn
                while (ms := int(self._pace(keys=[key + ":next"], args=[self.delay_ms]))) > 0:
                    await asyncio.sleep(ms / 1000)
        except RedisError as e:
            # Redis gone: the worker is finishing what it holds (the scheduler gives it no
            # more); Scrapy's own per-worker delay still applies to those few requests
            if not self.redis_down:
                logger.warning("shared pace unavailable (%s); finishing with this worker's own delay", e)
            self.redis_down = True
            return ""
        return token

    def release(self, host: str, token: str) -> None:
        if token:
            asyncio.get_running_loop().run_in_executor(None, self._release, host, token)

    def _release(self, host: str, token: str) -> None:
        try:
            self.server.zrem(f"govwire:pace:{host}:slots", token)
        except Exception as e:  # the slot expires on its own
            logger.warning("could not release a send slot of %s: %s", host, e)


class PacedDownloadHandler:
    """Wraps the real HTTP handler (named in GOVWIRE_PACED_INNER_HANDLERS) with SharedPace."""

    lazy = False

    @classmethod
    def from_crawler(cls, crawler: Any) -> PacedDownloadHandler:
        return cls(crawler)

    def __init__(self, crawler: Any) -> None:
        from scrapy_redis import connection  # type: ignore[import-untyped]

        s = crawler.settings
        self.crawler = crawler
        inner = {**DEFAULT_HANDLERS, **s.getdict(INNER_SETTING)}
        # one inner instance per class (http and https share Scrapy's)
        self._inner: dict[str, Any] = {}
        self._by_scheme: dict[str, Any] = {}
        for scheme, path in inner.items():
            if path not in self._inner:
                self._inner[path] = build_from_crawler(load_object(path), crawler)
            self._by_scheme[scheme] = self._inner[path]
        self.pace: SharedPace | None = None
        self._server = connection.from_settings(s)

    def _shared(self) -> SharedPace:
        # read on first use: the spider's seed politeness is applied after handlers are built
        if self.pace is None:
            s = self.crawler.settings
            self.pace = SharedPace(self._server, delay=s.getfloat("DOWNLOAD_DELAY"),
                                   concurrency=s.getint("CONCURRENT_REQUESTS_PER_DOMAIN") or 1,
                                   slot_ttl=s.getfloat("DOWNLOAD_TIMEOUT", 180) + 30)
        return self.pace

    async def download_request(self, request: Request) -> Response:
        scheme = urlsplit(request.url).scheme
        inner = self._by_scheme.get(scheme) or self._by_scheme["http"]
        pace = self._shared()
        host = pace.host_of(request.url)
        token = await pace.acquire(host)
        try:
            result: Response = await inner.download_request(request)
            return result
        finally:
            pace.release(host, token)

    async def close(self) -> None:
        for h in self._inner.values():
            close = getattr(h, "close", None)
            if close is not None:
                res = close()
                if asyncio.iscoroutine(res):
                    await res
                elif hasattr(res, "addCallback"):
                    from scrapy.utils.defer import maybe_deferred_to_future

                    await maybe_deferred_to_future(res)
