"""Items passed from spiders to the archive pipeline."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class PageItem:
    """A fetched page to clean and store. The WARC records were already written by the
    WARC capture extension when the bytes arrived; `warc` points at the response record."""

    url: str                      # URL first requested (before redirects)
    final_url: str                # URL of the response kept
    site: str                     # seed/spider name, e.g. "govuk", "independent", "urls" (also the store-key segment)
    status: int
    body: bytes                   # decoded (Content-Encoding removed) body
    encoding: str | None          # Scrapy's detected encoding for text responses
    content_type: str
    fetched_at: str               # ISO 8601 UTC
    warc: dict[str, Any] | None   # {"file","offset","length","record_id"} of the response/revisit record
    payload_digest: str | None    # "sha1:BASE32" as in WARC-Payload-Digest
    revisit: bool = False         # payload unchanged since the last capture: no new document
    metadata: dict[str, Any] = field(default_factory=dict)  # spider extras (GOV.UK Content API fields...)
    make_document: bool = True    # False for feeds, API JSON and other non-article captures
    cleaner: str | None = None    # the cleaner the seed names; None: chosen by URL
    hops: list[dict[str, Any]] = field(default_factory=list)  # redirect hops before final_url
    failed: str = ""              # why this capture counts as a failure (HTTP 404, body cut at the cap)
