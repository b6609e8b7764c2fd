"""Scrapy add-ons for optional machinery, switched on by settings (style rule 20).

RedisDistribution: several govwire processes, on one machine or many, share one crawl through
scrapy-redis — a shared request queue and a shared duplicate filter in Redis — instead of a
home-made coordinator. Each worker writes its own WARC files; documents and state go to the one
store, whose conditional writes merge the state safely.
"""
from __future__ import annotations

import time
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.settings import BaseSettings


class RedisDistribution:
    """On when GOVWIRE_REDIS_URL is set (e.g. redis://redis.internal:6379/0)."""

    def __init__(self, crawler: Crawler) -> None:
        self.url = crawler.settings.get("GOVWIRE_REDIS_URL")
        # every worker of one run must use the same id (e.g. the cron job's timestamp)
        self.run_id = crawler.settings.get("GOVWIRE_RUN_ID") or time.strftime("%Y%m%d", time.gmtime())
        if not self.url:
            raise NotConfigured("GOVWIRE_REDIS_URL not set")
        try:
            import scrapy_redis  # noqa: F401
        except ImportError:
            raise NotConfigured("GOVWIRE_REDIS_URL is set but scrapy-redis is not installed "
                                "(pip install 'govwire[redis]')") from None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedisDistribution:
        return cls(crawler)

    def update_settings(self, settings: BaseSettings) -> None:
        values: dict[str, Any] = {
            "SCHEDULER": "scrapy_redis.scheduler.Scheduler",
            "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
            "REDIS_URL": self.url,
            # the first worker to finish must not wipe the queue the others still work on
            "SCHEDULER_PERSIST": True,
            # one queue and one seen-set per run: the next scheduled run must fetch again
            "SCHEDULER_QUEUE_KEY": f"govwire:{self.run_id}:%(spider)s:requests",
            "SCHEDULER_DUPEFILTER_KEY": f"govwire:{self.run_id}:%(spider)s:dupefilter",
        }
        for name, value in values.items():
            settings.set(name, value, priority="addon")
