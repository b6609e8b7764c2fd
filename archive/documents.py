"""From an archived capture to its clean-text document: the one path the crawl and reclean share.

The crawl's pipeline and `govwire reclean` both call `clean_page()` and `build_document()`, so a
document re-derived from the WARC later is byte-identical to the one the crawl wrote, as long as
the rules did not change. Everything they need besides the response body is in the capture record
(`captures/…json`): the spider's metadata, the cleaner the seed names, the encoding Scrapy saw.
No Scrapy here (archive/ works without it).
"""
from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime
from typing import Any

from archive.keys import doc_key

__all__ = ["DOCUMENT_TYPES", "clean_page", "build_document", "wants_document", "document_key"]

DOCUMENT_TYPES = ("text/html", "application/xhtml+xml", "text/plain", "")
_CANONICAL = re.compile(rb"""<link[^>]+rel=["']?canonical["']?[^>]*href=["']([^"'>\s]+)""", re.I)


def capture_bytes(rec: dict[str, Any]) -> bytes:
    """A capture record as stored: compact sorted JSON. One per fetched page, written on the
    crawl's reactor thread, where json's indenting encoder (pure Python) cost 0.1 ms a page."""
    return json.dumps(rec, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def wants_document(*, make_document: bool, status: int, content_type: str, revisit: bool) -> str | None:
    """Why a capture gets no document (None when it does get one)."""
    ctype = content_type.split(";")[0].strip().lower()
    if revisit:
        return "unchanged"
    if not make_document:
        return "not an article"
    if status >= 300:
        return f"HTTP {status}"
    if ctype not in DOCUMENT_TYPES:
        return ctype
    return None


def clean_page(body: bytes, encoding: str | None, url: str, captured: str | None,
               site: str | None = None) -> dict[str, Any]:
    """Bytes in, document dict (or {'error': ...}) out. Runs in worker processes.

    `captured` (ISO 8601, the WARC-Date) picks the rule version; `site` is the cleaner the
    outlet's seed names, else the URL picks it."""
    from cleaners import clean, cleaner_for_url
    from cleaners.errors import CleanerInputError

    try:
        html: str | bytes = body.decode(encoding) if encoding else body
    except (LookupError, UnicodeDecodeError):
        html = body
    when = datetime.fromisoformat(captured) if captured else None
    if site is None and cleaner_for_url(url) is None:
        # a mirror, proxy or local copy of a known site: its canonical link names the site whose
        # rules apply (only rule choice; the document keeps the URLs it was fetched from)
        m = _CANONICAL.search(body[:65536])
        if m and cleaner_for_url(m.group(1).decode("latin-1")) is not None:
            url = m.group(1).decode("latin-1")
    try:
        return clean(html, url, captured=when, site=site).to_dict()
    except CleanerInputError as e:
        return {"error": str(e)}


def build_document(doc: dict[str, Any], capture: dict[str, Any]) -> dict[str, Any]:
    """The stored document: the cleaned dict plus the capture's provenance and spider metadata.

    `capture` holds url, final_url, site, status, fetched_at, warc, payload_digest and metadata
    (the capture record's fields)."""
    meta = {k: v for k, v in (capture.get("metadata") or {}).items() if k != "cleaner_url"}
    doc["metadata"] = {**doc.get("metadata", {}), **meta}
    # GOV.UK's Content API knows the publication dates better than the page does
    doc["published"] = meta.get("first_published_at") or doc.get("published")
    doc["modified"] = meta.get("public_updated_at") or doc.get("modified")
    doc["url"] = capture["url"]
    doc["final_url"] = capture["final_url"]
    doc["canonical_url"] = doc.get("canonical_url") or capture["final_url"]
    # an ad-hoc page (`govwire archive`, the urls spider) belongs to the site whose cleaner ran
    doc["site"] = (doc.get("site") or capture["site"]) if capture["site"] == "urls" else capture["site"]
    doc["content_digest"] = "sha256:" + hashlib.sha256(doc["text"].encode("utf-8")).hexdigest()
    digest = capture.get("payload_digest")
    doc["id"] = hashlib.sha256(f"{doc['canonical_url']}\n{digest}".encode()).hexdigest()[:32]
    doc["warc"] = capture.get("warc")
    doc["payload_digest"] = digest
    doc["fetched_at"] = capture.get("fetched_at")
    doc["status"] = capture.get("status")
    return doc


def document_key(doc: dict[str, Any]) -> str:
    """Where a document lives: by site, URL and payload digest (archive/keys.py), so re-cleaning
    a capture writes the same key (a new revision of that document), never a second copy."""
    return doc_key(doc["site"], doc["canonical_url"] or doc["final_url"], doc.get("payload_digest") or "")
