"""A progress line on stderr while a crawl runs, so long jobs never look hung."""
from __future__ import annotations

import sys

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from twisted.internet import task

from crawler.session import ArchiveSession


class ProgressExtension:
    def __init__(self, crawler: Crawler, interval: float) -> None:
        self.crawler = crawler
        self.interval = interval
        self.loop: task.LoopingCall | None = None
        crawler.signals.connect(self.opened, signal=signals.spider_opened)
        crawler.signals.connect(self.closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ProgressExtension:
        interval = crawler.settings.getfloat("GOVWIRE_PROGRESS_INTERVAL", 10)
        if interval <= 0:
            raise NotConfigured
        return cls(crawler, interval)

    def opened(self, spider: Spider) -> None:
        self.name = spider.name
        self.loop = task.LoopingCall(self.tick)
        self.loop.start(self.interval, now=False)

    def tick(self) -> None:
        sess = ArchiveSession.of(self.crawler)
        if sess is None:
            return
        c = sess.counters
        print(f"govwire: {self.name}: {c.fetched} fetched, {c.new} new, {c.changed} changed, "
              f"{c.unchanged} unchanged, {c.failed} failed, {c.bytes / 1e6:.1f} MB", file=sys.stderr,
              flush=True)

    def closed(self, spider: Spider) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
