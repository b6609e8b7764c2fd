"""The archive pipeline: clean each fetched page off the reactor and store its document.

The WARC records were written when the bytes arrived (crawler/warc_capture.py); here we only
turn an article into its clean-text document. Cleaning runs in worker processes so extraction
never blocks downloads (stack-notes: trafilatura inline caps a crawl at ~90 pages/s).
"""
from __future__ import annotations

import asyncio
import functools
import logging
from concurrent.futures import Executor, Future
from concurrent.futures.process import BrokenProcessPool
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urldefrag

from scrapy.crawler import Crawler

from archive.documents import (DOCUMENT_TYPES, build_document, capture_bytes, clean_page, document_key,
                               wants_document)
from archive.keys import capture_key
from archive.state import UrlState
from crawler.clean_pool import start_pool
from crawler.items import PageItem
from crawler.quality_hooks import QualityHooks
from crawler.offload import EXISTS
from crawler.session import ArchiveSession, Outcome, dumps

logger = logging.getLogger(__name__)

__all__ = ["ArchivePipeline", "DOCUMENT_TYPES", "clean_page", "capture_record"]


def capture_record(item: PageItem, document: str | None) -> dict[str, Any]:
    """What `captures/…json` keeps of a capture: enough to re-derive its document from the WARC
    (`govwire reclean`): the spider's metadata, the seed's cleaner, the encoding Scrapy saw."""
    return {"url": item.url, "final_url": item.final_url, "site": item.site, "status": item.status,
            "fetched_at": item.fetched_at, "warc": item.warc, "payload_digest": item.payload_digest,
            "revisit": item.revisit, "document": document, "make_document": item.make_document,
            "content_type": item.content_type, "encoding": item.encoding, "cleaner": item.cleaner,
            "metadata": item.metadata}


class ArchivePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.session = ArchiveSession.for_crawler(crawler)
        self.workers = crawler.settings.getint("GOVWIRE_CLEAN_WORKERS", 2)
        self.keep_outcomes = crawler.settings.getbool("GOVWIRE_KEEP_OUTCOMES", False)
        # archive only (fetch + WARC + capture records); `govwire reclean` makes the documents
        self.defer_clean = crawler.settings.getbool("GOVWIRE_DEFER_CLEAN", False)
        self.pool: Executor | None = None
        self.quality = QualityHooks(crawler, self.session)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchivePipeline:
        return cls(crawler)

    def open_spider(self, spider: Any = None) -> None:
        self.quality.open()
        self._open_pool()

    def _open_pool(self) -> None:
        if self.workers > 0 and not self.defer_clean:
            self.pool = start_pool(self.workers)

    async def close_spider(self, spider: Any = None) -> None:
        if self.pool is not None:
            pool, self.pool = self.pool, None
            await asyncio.to_thread(pool.shutdown, wait=True)  # never block the shared reactor
        self.quality.close()

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
            self._open_pool()
            return await asyncio.to_thread(clean_page, *args)

    def _wants_document(self, item: PageItem) -> str | None:
        """None if the page gets a document, else why not (the rule reclean applies too)."""
        return wants_document(make_document=item.make_document, status=item.status,
                              content_type=item.content_type, revisit=False)

    async def _store_document(self, item: PageItem, warc: dict[str, Any], digest: str, fetched_at: str
                              ) -> tuple[str, dict[str, Any] | None, str]:
        """Clean and store the page's document (create-only). (result, doc, key or error)."""
        cleaner_url = item.metadata.get("cleaner_url") or item.final_url
        doc = await self._clean(item, cleaner_url)
        if "error" in doc:
            return "error", None, str(doc["error"])
        self.quality.boilerplate(doc, item.site)
        doc = build_document(doc, {**capture_record(item, None), "warc": warc, "payload_digest": digest,
                                   "fetched_at": fetched_at})
        key = document_key(doc)
        try:
            result = await asyncio.wrap_future(self.session.put_object(key, dumps(doc)))
        except Exception as e:  # disk full, a refused write: the session reports it once
            return "failed", None, f"document not stored: {e}"
        return result, doc, key

    async def process_item(self, item: PageItem, spider: Any = None) -> PageItem:
        sess = self.session
        c = sess.counters
        if isinstance(item.warc, Future):  # written on the WARC thread; wait until it is durable
            try:
                item.warc = (await asyncio.wrap_future(item.warc)).to_dict()
            except Exception as e:  # disk full / I/O error: reported once by the session
                c.failed += 1
                if self.keep_outcomes:
                    sess.outcomes[item.url] = Outcome(url=item.url, ok=False, site=item.site,
                                                      reason=f"not archived: {e}")
                return item
        if item.failed:  # counted and reported as a failure by the spider; list the capture only
            await self._record_capture(item, Outcome(url=item.url, ok=False, reason=item.failed))
            return item
        outcome = Outcome(url=item.url, ok=True, site=item.site, stored=(item.warc or {}).get("file", ""))
        why_not = self._wants_document(item)
        if item.revisit:
            c.unchanged += 1
            outcome.reason = "unchanged"
            if item.make_document:
                self.quality.unchanged(item)
            prev = (sess.recovering.pop(urldefrag(item.url)[0], None)
                    or sess.recovering.pop(urldefrag(item.final_url)[0], None))
            if prev is not None and prev.warc:
                await self._recover(item, prev, why_not)
        elif why_not is not None:
            if item.metadata.get("skipped"):
                self.quality.rejected(item, str(item.metadata["skipped"]))
            c.archived_only += 1
            outcome.reason = f"archived (no document: {why_not})"
        elif self.defer_clean:
            self.quality.deferred(item)
            c.deferred += 1
            outcome.reason = "archived (cleaning deferred: govwire reclean)"
        else:
            result, doc, key = await self._store_document(item, item.warc or {}, item.payload_digest or "",
                                                          item.fetched_at)
            if doc is None and result == "failed":
                c.failed += 1
                outcome = Outcome(url=item.url, ok=False, site=item.site, reason=key)
                # no capture record either: the state entry stays unpublished, so the next crawl
                # fetches the page in full and stores the document (pointing at this record)
                if self.keep_outcomes:
                    sess.outcomes[item.url] = outcome
                return item
            elif doc is None:
                c.archived_only += 1
                outcome.reason = f"archived (not cleaned: {key})"
            else:
                if result == EXISTS:
                    c.unchanged += 1  # this URL's content is stored already (URL variant, re-fetch)
                    self.quality.unchanged(item)
                elif item.url in sess.changed_urls or item.final_url in sess.changed_urls:
                    c.changed += 1
                    self.quality.document(doc)
                else:
                    c.new += 1
                    self.quality.document(doc)
                outcome = Outcome(url=item.url, ok=True, site=item.site, title=doc["title"],
                                  words=doc["word_count"], stored=key, document=doc,
                                  reason="same content stored before" if result == EXISTS else "")
        await self._record_capture(item, outcome)
        # per-URL outcomes serve `govwire archive`'s report; a crawl of 10k pages must not keep
        # 10k documents in memory for nobody
        if self.keep_outcomes and (item.make_document or item.url not in sess.outcomes):
            sess.outcomes[item.url] = outcome
        return item

    async def _recover(self, item: PageItem, prev: UrlState, why_not: str | None) -> None:
        """Complete what a killed run left undone for its capture `prev` of this payload."""
        sess = self.session
        warc = dict(prev.warc or {})
        doc_key_ = None
        if why_not is None:
            result, doc, key = await self._store_document(item, warc, prev.payload_digest, prev.date)
            if result == "failed":
                return  # still unpublished: the next crawl tries again
            if doc is not None:
                doc_key_ = key
                if result != EXISTS:
                    sess.counters.recovered += 1
        rec = {"url": prev.url, "final_url": prev.url, "site": item.site, "status": prev.status,
               "fetched_at": prev.date, "warc": warc, "payload_digest": prev.payload_digest,
               "revisit": False, "document": doc_key_}
        when = datetime.fromisoformat(prev.date.replace("Z", "+00:00"))
        sess.put_object(capture_key(prev.url, when, prev.record_id), capture_bytes(rec),
                        then=lambda: sess.mark_published(item.site, prev.url, prev.record_id))

    async def _record_capture(self, item: PageItem, outcome: Outcome) -> None:
        if not item.warc:
            return
        rec = capture_record(item, outcome.stored if outcome.document else None)
        rid = item.warc["record_id"]
        sess = self.session
        when = datetime.fromisoformat(item.fetched_at) if item.fetched_at else datetime.now(timezone.utc)
        # the state entry counts as published once its capture record is safe (store or spool)
        sess.put_object(capture_key(item.final_url, when, rid), capture_bytes(rec),
                        then=functools.partial(sess.mark_published, item.site, urldefrag(item.final_url)[0], rid))
        for hop in item.hops:  # each redirect hop is listed with its own status and record
            warc = hop["warc"]
            if isinstance(warc, Future):
                try:
                    warc = (await asyncio.wrap_future(warc)).to_dict()
                except Exception:  # its record was lost with the WARC file (reported by the session)
                    continue
            hop_rec = {**rec, "url": hop["url"], "status": hop["status"], "warc": warc,
                       "fetched_at": hop["fetched_at"], "payload_digest": hop["payload_digest"],
                       "revisit": False, "redirect_to": item.final_url}
            sess.put_object(capture_key(hop["url"], datetime.fromisoformat(hop["fetched_at"]),
                                        warc["record_id"]), capture_bytes(hop_rec))
