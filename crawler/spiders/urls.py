"""Archive given URLs, or a sitemap's, for sites we have no spider for; `govwire archive` uses it.

    scrapy crawl urls -a urls=https://a/1,https://a/2
    scrapy crawl urls -a url_file=list.txt          # one URL a line, '#' comments
    scrapy crawl urls -a sitemap=https://a/sitemap.xml [-a since=2d] [-a max_items=50]
    scrapy crawl urls -a urls=https://a/ -a follow=1  # also same-site links, 1 hop deep

Every URL ends up either as an item or in `self.failures` with a one-line reason.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, AsyncIterator, Iterator
from urllib.parse import urldefrag, urljoin, urlsplit

import scrapy
from scrapy.http import Response, TextResponse

from crawler.spiders.base import FeedError, GovwireSpider, parse_sitemap, url_problem
from crawler.urlnorm import request_url

META_DEPTH = "govwire_depth"


class UrlsSpider(GovwireSpider):
    name = "urls"
    needs_seed = False

    def __init__(self, *args: Any, urls: str | None = None, url_file: str | None = None,
                 sitemap: str | None = None, follow: str | int | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.start_urls_given: list[str] = []
        if urls:
            self.start_urls_given += [u.strip() for u in urls.split(",") if u.strip()]
        if url_file:
            for line in Path(url_file).read_text(encoding="utf-8").splitlines():
                line = line.strip()
                if line and not line.startswith("#"):
                    self.start_urls_given.append(line)
        self.sitemaps = [u.strip() for u in (sitemap or "").split(",") if u.strip()]
        self.follow = int(follow or 0)
        if not self.start_urls_given and not self.sitemaps:
            raise ValueError("urls spider needs -a urls=…, -a url_file=PATH or -a sitemap=URL")

    async def start(self) -> AsyncIterator[Any]:
        for url in self.sitemaps:
            reason = url_problem(url)
            if reason:
                self.record_failure(url, reason)
                continue
            yield self.aux_request(url, self.parse_sitemap)
        limit = self.settings.getint("URLLENGTH_LIMIT") if hasattr(self, "settings") else 0
        for given in self.start_urls_given:
            reason = url_problem(given)
            if reason:
                self.record_failure(given, reason)
                continue
            url = request_url(given)  # fragments are never sent nor archived
            if limit and len(url) > limit:
                # Scrapy's UrlLengthMiddleware would drop it without a word
                self.record_failure(url, f"URL longer than {limit} characters (URLLENGTH_LIMIT)")
                continue
            if self.exhausted:
                break
            if self.first_sight(url):
                req = self.article_request(url, meta_depth=0)
                # given URLs are unique already; without this, one that redirects to another
                # given URL would be dropped by the duplicate filter and never reported
                yield req.replace(dont_filter=True)

    def article_request(self, url: str, callback: Any = None, meta_depth: int = 0,
                        **meta: Any) -> scrapy.Request:
        return super().article_request(url, callback, **{META_DEPTH: meta_depth, **meta})

    def parse_sitemap(self, response: Response) -> Iterator[Any]:
        yield self.page_item(response, make_document=False)
        try:
            kind, entries = parse_sitemap(response.body, response.url)
        except FeedError as err:
            self.record_failure(response.url, str(err))
            return
        for entry in entries:
            if not self.in_window(entry.published):
                continue
            if kind == "index":
                if self.first_sight(entry.url):
                    yield self.aux_request(entry.url, self.parse_sitemap)
            elif self.exhausted:
                return
            elif self.first_sight(entry.url):
                yield self.article_request(entry.url)

    def parse_article(self, response: Response, **_: Any) -> Iterator[Any]:
        yield self.page_item(response)
        depth = int(response.meta.get(META_DEPTH, 0))
        if depth >= self.follow or not isinstance(response, TextResponse) or response.status != 200:
            return
        here = urlsplit(response.url).netloc
        links: list[str] = []
        for href in response.xpath("//a/@href").getall():
            url = urldefrag(urljoin(response.url, href.strip()))[0]
            parts = urlsplit(url)
            if parts.scheme in ("http", "https") and parts.netloc == here:
                links.append(url)
        # de-duplicate before yielding: each Request costs far more than a set lookup
        for url in self.fresh(dict.fromkeys(links)):
            yield self.article_request(url, meta_depth=depth + 1)
