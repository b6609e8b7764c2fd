"""GOV.UK news (press releases, news stories, government responses, ...): the originals.

Discovery is the Search API (`/api/search.json`, sites.md §1c): the seed's organisations and
document types, the `since`/`until` window as `filter_public_timestamp`, newest first, paged
with count/start until the results run out, leave the window or hit `max_pages`. If the API
answers anything but 200 (or cannot be reached), the organisations' Atom feeds (§1d) stand in.

Each item costs two requests: the Content API JSON (`/api/content/<path>`, archived as a
non-document capture) for its metadata, then the HTML page, whose item carries that metadata.
GOV.UK promises clients 10 requests/s; we stay far below (≤ 2 in flight, seed delay ≥ 0.5 s).
"""
from __future__ import annotations

import json
from typing import Any, AsyncIterator, Iterator
from urllib.parse import urlencode, urlsplit

import scrapy
from scrapy.http import Response

from crawler.spiders.base import (
    FeedError,
    GovwireSpider,
    describe_failure,
    parse_date,
    parse_feed,
    permits,
)

META_SEARCH = "govwire_search"   # the Search API result that led to a Content API request
DEFAULT_TYPES = ("press_release", "news_story", "government_response", "world_news_story")
DEFAULT_FIELDS = ("title", "link", "description", "public_timestamp", "content_store_document_type",
                  "display_type", "organisations", "content_id", "government_name")


def content_metadata(data: dict[str, Any]) -> dict[str, Any]:
    """The Content API fields we keep with the page (sites.md §1b)."""
    details = data.get("details") or {}
    links = data.get("links") or {}
    orgs = [{"slug": (o.get("base_path") or "").rsplit("/", 1)[-1], "title": o.get("title", ""),
             "content_id": o.get("content_id", "")} for o in links.get("organisations", [])]
    people = [{"slug": (p.get("base_path") or "").rsplit("/", 1)[-1], "title": p.get("title", "")}
              for p in links.get("people", [])]
    return {
        "content_id": data.get("content_id"),
        "base_path": data.get("base_path"),
        "title": data.get("title"),
        "description": data.get("description"),
        "document_type": data.get("document_type"),
        "schema_name": data.get("schema_name"),
        "locale": data.get("locale"),
        "organisations": orgs,
        "people": people,
        # the frontend prefers the deprecated details.first_public_at (sites.md §1b)
        "first_published_at": details.get("first_public_at") or data.get("first_published_at"),
        "public_updated_at": data.get("public_updated_at"),
        "change_history": details.get("change_history") or [],
        "withdrawn_notice": data.get("withdrawn_notice") or {},
        "government": details.get("government") or {},
        "political": details.get("political"),
    }


class GovukSpider(GovwireSpider):
    name = "govuk"
    max_concurrency = 2
    # Floors in case the seed is silent; the seed's [politeness] applies over these.
    custom_settings = {
        "CONCURRENT_REQUESTS_PER_DOMAIN": 2,
        "DOWNLOAD_DELAY": 0.5,
        "AUTOTHROTTLE_TARGET_CONCURRENCY": 1.0,
    }

    def __init__(self, *args: Any, page_size: str | int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.page_size_arg = int(page_size) if page_size else None
        self.pages_fetched = 0
        self.fell_back = False

    # -- configuration ---------------------------------------------------------------------
    @property
    def search_cfg(self) -> Any:
        return self.seed.search

    @property
    def doc_types(self) -> tuple[str, ...]:
        cfg = self.search_cfg
        return tuple(cfg.document_types) if cfg and cfg.document_types else DEFAULT_TYPES

    def search_url(self, start: int) -> str:
        cfg = self.search_cfg
        params: list[tuple[str, str]] = []
        for org in (cfg.organisations if cfg else ()):
            params.append(("filter_organisations", org))
        for t in self.doc_types:
            params.append(("filter_content_store_document_type", t))
        window = []
        if self.since:
            window.append(f"from:{self.since.date().isoformat()}")
        if self.until:
            window.append(f"to:{self.until.date().isoformat()}")
        if window:
            params.append(("filter_public_timestamp", ",".join(window)))
        params.append(("order", cfg.order if cfg else "-public_timestamp"))
        params.append(("count", str(self.page_size)))
        params.append(("start", str(start)))
        params.append(("fields", ",".join(cfg.fields if cfg and cfg.fields else DEFAULT_FIELDS)))
        api = cfg.api_path if cfg else "api/search.json"
        return self.seed.url(api) + "?" + urlencode(params)

    @property
    def page_size(self) -> int:
        if self.page_size_arg:
            return self.page_size_arg
        cfg = self.search_cfg
        size = cfg.page_size if cfg else 50
        if self.max_items:  # no point asking for 50 results to use 3
            size = min(size, self.max_items)
        return size

    def content_url(self, path: str) -> str:
        cfg = self.search_cfg
        return self.seed.url((cfg.content_api_path if cfg else "api/content").rstrip("/") + path)

    # -- discovery: Search API ---------------------------------------------------------------
    async def start(self) -> AsyncIterator[Any]:
        if self.search_cfg is None:
            for req in self.feed_requests():
                yield req
            return
        yield self.search_request(0)

    def search_request(self, start: int) -> scrapy.Request:
        return scrapy.Request(self.search_url(start), callback=self.parse_search,
                              errback=self.search_failed, cb_kwargs={"start": start},
                              meta={"handle_httpstatus_all": True}, dont_filter=start == 0)

    def parse_search(self, response: Response, start: int) -> Iterator[Any]:
        yield self.page_item(response, make_document=False)
        if response.status != 200:
            self.logger.warning("Search API answered HTTP %d; using the Atom feeds",
                                response.status)
            yield from self.fall_back(f"HTTP {response.status}")
            return
        try:
            data = json.loads(response.text)
            results = list(data["results"])
            total = int(data.get("total", 0))
        except (ValueError, KeyError, TypeError) as e:
            self.logger.warning("Search API answer unreadable (%s); using the Atom feeds", e)
            yield from self.fall_back("unreadable answer")
            return
        self.pages_fetched += 1
        self.crawler.stats.inc_value("govwire/govuk/search_pages")
        past_window = False
        for r in results:
            when = parse_date(r.get("public_timestamp"))
            if self.since and when and when < self.since:
                past_window = True  # newest first: everything after this is older
                break
            if not self.in_window(when):
                continue
            self.crawler.stats.inc_value("govwire/entries")
            yield from self.item_requests(r.get("link") or "", r)
            if self.exhausted:
                return
        nxt = start + len(results)
        cfg = self.search_cfg
        max_pages = cfg.max_pages if cfg else 20
        if results and not past_window and nxt < total and self.pages_fetched < max_pages:
            yield self.search_request(nxt)

    def search_failed(self, failure: Any) -> Iterator[Any]:
        why = describe_failure(failure)
        self.logger.warning("Search API failed (%s); using the Atom feeds", why)
        yield from self.fall_back(why)

    # -- discovery: Atom feeds (fallback) ----------------------------------------------------
    def fall_back(self, why: str) -> Iterator[scrapy.Request]:
        if self.fell_back:
            return
        self.fell_back = True
        self.crawler.stats.set_value("govwire/govuk/search_fallback", why)
        yield from self.feed_requests()

    def feed_requests(self) -> Iterator[scrapy.Request]:
        for url in self.seed.as_source().feed_urls:
            yield self.aux_request(url, self.parse_atom)

    def parse_atom(self, response: Response) -> Iterator[Any]:
        yield self.page_item(response, make_document=False)
        wanted_labels = {s.lower() for s in self.seed.filters.sections}
        try:
            entries = parse_feed(response.body, response.url)
        except FeedError as err:
            self.record_failure(response.url, str(err))
            return
        for e in entries:
            if not self.in_window(e.published):
                continue
            self.crawler.stats.inc_value("govwire/entries")
            if wanted_labels and not ({c.lower() for c in e.categories} & wanted_labels):
                # org feeds carry guidance, statistics, ... too (sites.md §1d)
                self.crawler.stats.inc_value("govwire/rejected/not a news format")
                continue
            result = {"title": e.title, "description": e.summary,
                      "display_type": ", ".join(e.categories),
                      "public_timestamp": e.published.isoformat() if e.published else None}
            yield from self.item_requests(urlsplit(e.url).path, result)
            if self.exhausted:
                return

    # -- items: Content API JSON, then the page ---------------------------------------------
    def item_requests(self, link: str, result: dict[str, Any]) -> Iterator[scrapy.Request]:
        if not link.startswith("/"):
            link = urlsplit(link).path
        page_url = self.seed.url(link)
        if not link or not permits(self.seed, page_url) or self.exhausted:
            return
        if not self.first_sight(page_url):
            return
        self.requested += 1
        yield scrapy.Request(self.content_url(link), callback=self.parse_content,
                             errback=self.content_failed,
                             cb_kwargs={"page_url": page_url},
                             meta={META_SEARCH: result, "govwire_conditional": True,
                                   "handle_httpstatus_list": [304]})

    def parse_content(self, response: Response, page_url: str) -> Iterator[Any]:
        yield self.page_item(response, make_document=False)
        if response.status == 304:
            # unchanged since the last capture: the page is asked for conditionally too
            yield self.page_request(page_url, self.search_metadata(response.meta.get(META_SEARCH)))
            return
        try:
            data = json.loads(response.text)
        except ValueError:
            self.record_failure(response.url, "Content API answer is not JSON")
            yield self.page_request(page_url, self.search_metadata(response.meta.get(META_SEARCH)))
            return
        meta = content_metadata(data)
        if data.get("schema_name") == "redirect" or data.get("document_type") == "redirect":
            self.logger.info("GOV.UK item is a redirect, not an article: %s", response.url)
            return
        if meta["document_type"] and meta["document_type"] not in self.doc_types:
            self.crawler.stats.inc_value("govwire/filtered/document_type")
            return
        meta["content_api_url"] = response.url
        yield self.page_request(page_url, meta)

    def content_failed(self, failure: Any) -> Iterator[Any]:
        """Without the JSON the page is still worth archiving, with the search metadata."""
        self.on_error(failure)
        request = failure.request
        page_url = request.cb_kwargs.get("page_url") if request is not None else None
        if page_url:
            yield self.page_request(page_url, self.search_metadata(request.meta.get(META_SEARCH)))

    def search_metadata(self, result: dict[str, Any] | None) -> dict[str, Any]:
        r = result or {}
        return {k: v for k, v in {
            "title": r.get("title"), "description": r.get("description"),
            "document_type": r.get("content_store_document_type"),
            "content_id": r.get("content_id"),
            "public_updated_at": r.get("public_timestamp"),
            "organisations": [{"slug": o.get("slug", ""), "title": o.get("title", "")}
                              for o in r.get("organisations", []) if isinstance(o, dict)],
        }.items() if v}

    def page_request(self, url: str, metadata: dict[str, Any]) -> scrapy.Request:
        req = super().article_request(url, govwire_govuk=metadata)
        self.requested -= 1  # counted once per item, when its Content API request was made
        return req

    def parse_article(self, response: Response, **_: Any) -> Iterator[Any]:
        yield self.page_item(response, **dict(response.meta.get("govwire_govuk") or {}))
