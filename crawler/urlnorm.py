"""A URL as the user typed it, as we request it, and as we may print it.

Fragments are never sent, so they are not part of what we archive (WARC-Target-URI, CDXJ,
state, documents); non-ASCII paths and backslashes become what Scrapy requests (WHATWG rules:
UTF-8 percent-encoding, `\\` is `/`). URLs with a user:password part are refused, and every
message shows them with the credentials masked.
"""
from __future__ import annotations

import re
from urllib.parse import urldefrag, urlsplit

from w3lib.url import safe_url_string

__all__ = ["redact_url", "request_url", "credentials_problem"]

_USERINFO = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*://)[^/?#]*@")


def redact_url(url: str) -> str:
    """`url` with any `user:password@` replaced by `***@`, safe to print or log."""
    return _USERINFO.sub(r"\1***@", url, count=1)


def request_url(url: str) -> str:
    """The URL Scrapy would request for `url`, without its fragment."""
    try:
        return urldefrag(safe_url_string(url.strip()))[0]
    except ValueError:
        return url


def credentials_problem(url: str) -> str | None:
    """Why a URL with embedded credentials is refused (they would end up in logs and WARCs)."""
    try:
        parts = urlsplit(url)
        has = parts.username is not None or parts.password is not None
    except ValueError:
        has = "@" in url.split("/", 3)[2] if url.count("/") >= 2 else False
    if has:
        return "bad URL (credentials in URLs are not supported)"
    return None
