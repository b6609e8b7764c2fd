"""What every govwire spider shares: how to ask for an article and how to hand it to the pipeline."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import scrapy
from scrapy.http import Response

from crawler.items import PageItem

# Response meta keys set by the WARC capture extension (crawler/warc_capture.py).
META_WARC = "govwire_warc"              # {"file","offset","length","record_id"} of the response/revisit record
META_DIGEST = "govwire_payload_digest"  # "sha1:..." payload digest of the (decoded) body as received
META_REVISIT = "govwire_revisit"        # True when the payload is unchanged since the last capture
META_CONDITIONAL = "govwire_conditional"  # set on requests that may be sent conditionally
META_SITE = "govwire_site"


class GovwireSpider(scrapy.Spider):
    """Base spider: `article_request()` for pages to archive and clean, `page_item()` in callbacks."""

    site: str = ""  # seed name; defaults to the spider name

    def article_request(self, url: str, callback: Any = None, **meta: Any) -> scrapy.Request:
        """A request for a page we archive; conditional (ETag/Last-Modified) when we saw it before."""
        meta = {META_CONDITIONAL: True, "handle_httpstatus_list": [304], **meta}
        return scrapy.Request(url, callback=callback or self.parse_article, meta=meta,
                              errback=self.on_error)

    def parse_article(self, response: Response, **_: Any) -> Any:
        yield self.page_item(response)

    def page_item(self, response: Response, make_document: bool = True, **metadata: Any) -> PageItem:
        meta = response.meta
        first = meta.get("redirect_urls", [response.url])[0]
        ctype = response.headers.get(b"Content-Type", b"").decode("latin-1")
        return PageItem(
            url=first,
            final_url=response.url,
            site=self.site or self.name,
            status=response.status,
            body=response.body,
            encoding=getattr(response, "encoding", None),
            content_type=ctype,
            fetched_at=meta.get("govwire_fetched_at") or datetime.now(timezone.utc).isoformat(),
            warc=meta.get(META_WARC),
            payload_digest=meta.get(META_DIGEST),
            revisit=bool(meta.get(META_REVISIT)) or response.status == 304,
            metadata=metadata,
            make_document=make_document,
        )

    def on_error(self, failure: Any) -> None:
        """Failures are counted and reported by the outcome collector; nothing to do here."""
        self.logger.info("failed: %s: %s", failure.request.url if hasattr(failure, "request") else "?",
                         failure.getErrorMessage())
