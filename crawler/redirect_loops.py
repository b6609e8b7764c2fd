"""A redirect chain that comes back to a URL it already visited is a loop, and says so.

Without this, `A -> A` or `A -> B -> A` is dropped silently by Scrapy's duplicate filter and
`govwire archive A` can only report "no response". The loop's responses are still archived (the
WARC capture sees them first); only the request is given up, with a one-line reason.
"""
from __future__ import annotations

from typing import Any
from urllib.parse import urljoin

from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response

from crawler.urlnorm import request_url


class RedirectLoop(IgnoreRequest):
    """A redirect back into its own chain; str() is the one-line reason (describe_failure)."""


class RedirectLoopMiddleware:
    def process_response(self, request: Request, response: Response, spider: Any = None) -> Response:
        raw = response.headers.get(b"Location")
        if response.status not in (301, 302, 303, 307, 308) or not raw:
            return response
        location = raw.decode("latin-1")
        target = request_url(urljoin(request.url, location))
        seen = [*request.meta.get("redirect_urls", []), request.url]
        if target in seen:
            short = target if len(target) <= 120 else target[:119] + "…"
            raise RedirectLoop(f"redirect loop (back to {short} after {len(seen)} hop(s))")
        return response
