"""Scrapy add-ons for optional machinery, switched on by settings (style rule 20).

RedisDistribution: several govwire processes, on one machine or many, share one crawl through
Redis and scrapy-redis instead of a home-made coordinator: a leased request queue that survives
a killed worker, one run per site at a time, and one politeness budget per site for the whole
cluster (crawler/distributed/, docs/distributed.md). Each worker writes its own WARC files;
documents go to the one store; the run's crawl state is merged into the store once, at the end.
"""
from __future__ import annotations

from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.settings import SETTINGS_PRIORITIES, BaseSettings

from crawler.distributed.pacing import DEFAULT_HANDLERS, INNER_SETTING


class RedisDistribution:
    """On when GOVWIRE_REDIS_URL is set (e.g. redis://redis.internal:6379/0)."""

    def __init__(self, crawler: Crawler) -> None:
        self.url = crawler.settings.get("GOVWIRE_REDIS_URL")
        if not self.url:
            raise NotConfigured  # off, and nothing to say about it (no "Disabled ..." warning)
        try:
            import scrapy_redis  # noqa: F401
        except ImportError:
            raise NotConfigured("GOVWIRE_REDIS_URL is set but scrapy-redis is not installed "
                                "(pip install 'govwire[redis]')") from None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedisDistribution:
        return cls(crawler)

    def update_settings(self, settings: BaseSettings) -> None:
        for name, value in {"SCHEDULER": "crawler.distributed.scheduler.LeasedScheduler",
                            "REDIS_URL": self.url,
                            # the Redis run lock keeps runs apart; the store's per-process site
                            # lock would keep the workers of one run apart too
                            "GOVWIRE_LOCK": False}.items():
            _put(settings, name, value)
        # every request goes out through the cluster-wide pace of its site
        handlers = settings.getdict("DOWNLOAD_HANDLERS")
        paced = "crawler.distributed.pacing.PacedDownloadHandler"
        inner = {scheme: handlers.get(scheme) or DEFAULT_HANDLERS[scheme] for scheme in ("http", "https")}
        if paced in inner.values():  # settings applied twice: keep the first wrapping
            return
        _put(settings, INNER_SETTING, inner)
        _put(settings, "DOWNLOAD_HANDLERS", {**handlers, **{
            scheme: paced for scheme in inner}})
        mws = settings.getdict("SPIDER_MIDDLEWARES")
        _put(settings, "SPIDER_MIDDLEWARES", {**mws, "crawler.distributed.scheduler.StartTracker": 10})


def _put(settings: BaseSettings, name: str, value: Any) -> None:
    # at least the priority the value already has: the project's settings.py outranks add-ons
    prio = max(settings.getpriority(name) or 0, SETTINGS_PRIORITIES["addon"])
    settings.set(name, value, priority=prio)
