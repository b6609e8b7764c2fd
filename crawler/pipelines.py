"""The archive pipeline: clean each fetched page off the reactor and store its document.

The WARC records were written when the bytes arrived (crawler/warc_capture.py); here we only
turn an article into its clean-text document. Cleaning runs in worker processes so extraction
never blocks downloads (stack-notes: trafilatura inline caps a crawl at ~90 pages/s).
"""
from __future__ import annotations

import asyncio
import hashlib
import logging
import multiprocessing
import re
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import datetime, timezone
from typing import Any

from scrapy.crawler import Crawler

from archive.keys import capture_key, doc_key
from crawler.items import PageItem
from crawler.session import ArchiveSession, Outcome, dumps

logger = logging.getLogger(__name__)

DOCUMENT_TYPES = ("text/html", "application/xhtml+xml", "text/plain", "")
_CANONICAL = re.compile(rb"""<link[^>]+rel=["']?canonical["']?[^>]*href=["']([^"'>\s]+)""", re.I)


def clean_page(body: bytes, encoding: str | None, url: str, captured: str | None,
               site: str | None = None) -> dict[str, Any]:
    """Runs in a worker: bytes in, document dict (or {'error': ...}) out.

    `site` is the cleaner the outlet's seed names; without one the URL picks it."""
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


def _preload() -> None:
    import cleaners  # noqa: F401  (warm trafilatura and the site registry once per worker)


class ArchivePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.session = ArchiveSession.for_crawler(crawler)
        self.workers = crawler.settings.getint("GOVWIRE_CLEAN_WORKERS", 2)
        self.keep_outcomes = crawler.settings.getbool("GOVWIRE_KEEP_OUTCOMES", False)
        self.pool: Executor | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchivePipeline:
        return cls(crawler)

    def open_spider(self, spider: Any = None) -> None:
        if self.workers > 0:
            ctx = multiprocessing.get_context("forkserver")
            ctx.set_forkserver_preload(["cleaners"])
            self.pool = ProcessPoolExecutor(self.workers, mp_context=ctx, initializer=_preload)

    def close_spider(self, spider: Any = None) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True)

    async def _clean(self, item: PageItem, url: str) -> dict[str, Any]:
        args = (item.body, item.encoding, url, item.fetched_at, item.cleaner)
        if self.pool is None:
            return clean_page(*args)
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self.pool, clean_page, *args)
        except BrokenProcessPool:
            # a worker died (OOM killer, a C-level crash in lxml): start a fresh pool for the
            # pages to come and clean this one in a thread, so no page loses its document
            logger.warning("cleaning worker died; restarting the pool (page %s)", item.url)
            self.pool.shutdown(wait=False, cancel_futures=False)
            self.open_spider()
            return await asyncio.to_thread(clean_page, *args)

    async def process_item(self, item: PageItem, spider: Any = None) -> PageItem:
        if isinstance(item.warc, Future):  # written on the WARC thread; wait for the pointer
            item.warc = (await asyncio.wrap_future(item.warc)).to_dict()
        sess = self.session
        if item.failed:  # counted and reported as a failure by the spider; list the capture only
            await self._record_capture(item, Outcome(url=item.url, ok=False, reason=item.failed))
            return item
        c = sess.counters
        ctype = item.content_type.split(";")[0].strip().lower()
        outcome = Outcome(url=item.url, ok=True, site=item.site, stored=(item.warc or {}).get("file", ""))
        if item.revisit:
            c.unchanged += 1
            outcome.reason = "unchanged"
        elif not item.make_document or item.status >= 300 or ctype not in DOCUMENT_TYPES:
            c.archived_only += 1
            outcome.reason = "archived (no document: %s)" % (
                "not an article" if not item.make_document else f"HTTP {item.status}"
                if item.status >= 300 else ctype)
        else:
            meta = dict(item.metadata)
            cleaner_url = meta.pop("cleaner_url", None) or item.final_url
            doc = await self._clean(item, cleaner_url)
            if "error" in doc:
                c.archived_only += 1
                outcome.reason = f"archived (not cleaned: {doc['error']})"
            else:
                doc = self._document(item, doc, meta)
                key = doc_key(item.site, doc["canonical_url"] or item.final_url,
                              datetime.now(timezone.utc), item.payload_digest or "")
                sess.put_object(key, dumps(doc))
                if item.url in sess.changed_urls or item.final_url in sess.changed_urls:
                    c.changed += 1
                else:
                    c.new += 1
                outcome = Outcome(url=item.url, ok=True, site=item.site, title=doc["title"],
                                  words=doc["word_count"], stored=key, document=doc)
        await self._record_capture(item, outcome)
        # per-URL outcomes serve `govwire archive`'s report; a crawl of 10k pages must not keep
        # 10k documents in memory for nobody
        if self.keep_outcomes and (item.make_document or item.url not in sess.outcomes):
            sess.outcomes[item.url] = outcome
        return item

    def _document(self, item: PageItem, doc: dict[str, Any], meta: dict[str, Any]) -> dict[str, Any]:
        doc["metadata"] = {**doc.get("metadata", {}), **meta}
        # GOV.UK's Content API knows the publication dates better than the page does
        doc["published"] = meta.get("first_published_at") or doc.get("published")
        doc["modified"] = meta.get("public_updated_at") or doc.get("modified")
        doc["url"] = item.url
        doc["final_url"] = item.final_url
        doc["canonical_url"] = doc.get("canonical_url") or item.final_url
        doc["site"] = item.site
        doc["content_digest"] = "sha256:" + hashlib.sha256(doc["text"].encode("utf-8")).hexdigest()
        doc["id"] = hashlib.sha256(f"{doc['canonical_url']}\n{item.payload_digest}".encode()).hexdigest()[:32]
        doc["warc"] = item.warc
        doc["payload_digest"] = item.payload_digest
        doc["fetched_at"] = item.fetched_at
        doc["status"] = item.status
        return doc

    async def _record_capture(self, item: PageItem, outcome: Outcome) -> None:
        if not item.warc:
            return
        rec = {"url": item.url, "final_url": item.final_url, "site": item.site, "status": item.status,
               "fetched_at": item.fetched_at, "warc": item.warc, "payload_digest": item.payload_digest,
               "revisit": item.revisit, "document": outcome.stored if outcome.document else None}
        when = datetime.fromisoformat(item.fetched_at) if item.fetched_at else datetime.now(timezone.utc)
        self.session.put_object(capture_key(item.final_url, when, item.warc["record_id"]), dumps(rec))
        for hop in item.hops:  # each redirect hop is listed with its own status and record
            warc = hop["warc"]
            if isinstance(warc, Future):
                warc = (await asyncio.wrap_future(warc)).to_dict()
            hop_rec = {**rec, "url": hop["url"], "status": hop["status"], "warc": warc,
                       "fetched_at": hop["fetched_at"], "payload_digest": hop["payload_digest"],
                       "revisit": False, "redirect_to": item.final_url}
            self.session.put_object(capture_key(hop["url"], datetime.fromisoformat(hop["fetched_at"]),
                                                warc["record_id"]), dumps(hop_rec))
