"""Incremental crawl state per site, kept in the store: URL -> what we last captured.

Loaded when a crawl starts, checkpointed while it runs and saved when it ends. A save is a
conditional write (two writers never silently overwrite each other: the loser merges and
retries); when the store is down the snapshot goes to the spool instead and `govwire sync`
merges it into the store's copy. Merging is per URL, newest capture wins, so merging is
order-free and a stale snapshot can never roll a URL back.

An entry is added only once the WARC record it names is durable (crawler/session.py), so a
revisit written from the state never refers to a record that a crash lost. `published` says
whether the capture record (and document) for that record reached the store or spool; an entry
left unpublished by a crash is fetched in full again and its document completed (never a new
response record: the payload is the same, so it becomes a revisit).
"""
from __future__ import annotations

import json
import threading
from dataclasses import dataclass, fields
from typing import Any

from archive.errors import NotFound, StoreConflict, StoreUnavailable
from archive.keys import state_key
from archive.storage import Store

__all__ = ["UrlState", "CrawlState", "merge_urls", "merge_state_bytes", "parse_state"]


@dataclass
class UrlState:
    payload_digest: str
    record_id: str        # WARC-Record-ID of the last full response record
    date: str             # its WARC-Date
    url: str              # its WARC-Target-URI
    etag: str | None = None
    last_modified: str | None = None
    status: int = 200
    warc: dict[str, Any] | None = None  # where that record is: {"file","offset","length","record_id"}
    published: bool = True  # its capture record (and document) reached the store or the spool

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> UrlState:
        return cls(**{k: v for k, v in d.items() if k in _FIELD_SET})


# a state is dumped whole at every checkpoint: dataclasses.asdict's deep copy per URL was most
# of that time, while json.dumps copies nothing and gives the same text
_FIELDS = tuple(f.name for f in fields(UrlState))
_FIELD_SET = frozenset(_FIELDS)


def merge_urls(a: dict[str, UrlState], b: dict[str, UrlState]) -> dict[str, UrlState]:
    """Per URL, the newer capture; for the same record, published if either copy says so."""
    out = dict(a)
    for url, theirs in b.items():
        mine = out.get(url)
        if mine is None:
            out[url] = theirs
        elif mine.record_id == theirs.record_id:
            if theirs.published and not mine.published:
                out[url] = theirs
            # conditional-request validators may have been refreshed by a 304 on either side
            out[url].etag = out[url].etag or mine.etag or theirs.etag
        elif (theirs.date or "") > (mine.date or ""):
            out[url] = theirs
    return out


def parse_state(data: bytes) -> dict[str, UrlState]:
    raw = json.loads(data.decode("utf-8")) if data else {}
    return {u: UrlState.from_dict(v) for u, v in (raw.get("urls") or {}).items()}


def _dump(site: str, urls: dict[str, UrlState]) -> bytes:
    body: dict[str, Any] = {"site": site, "version": 2,
                            "urls": {u: {k: getattr(s, k) for k in _FIELDS} for u, s in sorted(urls.items())}}
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def merge_state_bytes(site: str, *blobs: bytes) -> bytes:
    """One state object from several copies of it (store's, spooled snapshots)."""
    urls: dict[str, UrlState] = {}
    for blob in blobs:
        urls = merge_urls(urls, parse_state(blob))
    return _dump(site, urls)


class CrawlState:
    """A dict-like view of one site's state with optimistic-concurrency saves.

    Thread-safe: entries are added on the WARC thread, read on the reactor and snapshotted on
    a store thread.
    """

    def __init__(self, store: Store, site: str) -> None:
        self.store = store
        self.site = site
        self.key = state_key(site)
        self.urls: dict[str, UrlState] = {}
        self._etag: str | None = None
        self._base_unknown = False  # the store could not be read: never create over its copy
        self.dirty = False
        self._lock = threading.RLock()
        self._save_lock = threading.Lock()

    def load(self, spooled: bytes | None = None) -> CrawlState:
        """Read the store's copy and merge a snapshot still waiting in the spool, if any.

        If the store cannot be read, start from the spooled snapshot alone (StoreUnavailable
        is not raised): later saves then go to the spool and are merged by `govwire sync`.
        """
        try:
            data, etag = self.store.get_with_etag(self.key)
        except NotFound:
            data, etag = b"", None
        except StoreUnavailable:
            data, etag = b"", None
            self._base_unknown = True
        with self._lock:
            self._etag = etag
            self.urls = parse_state(data)
            if spooled:
                self.urls = merge_urls(self.urls, parse_state(spooled))
                self.dirty = True
        return self

    @property
    def base_unknown(self) -> bool:
        return self._base_unknown

    def get(self, url: str) -> UrlState | None:
        return self.urls.get(url)

    def put(self, url: str, st: UrlState) -> None:
        with self._lock:
            self.urls[url] = st
            self.dirty = True

    def mark_published(self, url: str, record_id: str) -> None:
        with self._lock:
            st = self.urls.get(url)
            if st is not None and st.record_id == record_id and not st.published:
                st.published = True
                self.dirty = True

    def to_bytes(self) -> bytes:
        with self._lock:
            return _dump(self.site, self.urls)

    def save(self, spool: Any = None) -> bool:
        """Write back; True if the store has it, False if the snapshot waits in `spool`.

        If someone else saved meanwhile, merge their entries with ours and retry. Without a
        spool, StoreUnavailable propagates.
        """
        with self._save_lock:
            with self._lock:
                if not self.dirty:
                    return True
                self.dirty = False
            try:
                if self._base_unknown:
                    raise StoreUnavailable(f"{self.key}: the store's copy could not be read")
                self._save_to_store()
            except StoreUnavailable:
                with self._lock:
                    self.dirty = True
                if spool is None:
                    raise
                spool.keep(self.key, self.to_bytes())
                return False
            except BaseException:
                with self._lock:
                    self.dirty = True
                raise
            if spool is not None:
                spool.discard(self.key)  # an older snapshot of ours is contained in this one
            return True

    def _save_to_store(self) -> None:
        for _ in range(5):
            data = self.to_bytes()
            try:
                if self._etag is None:
                    self._etag = self.store.put_bytes(self.key, data, if_absent=True,
                                                      content_type="application/json")
                else:
                    self._etag = self.store.put_bytes(self.key, data, if_match=self._etag,
                                                      content_type="application/json")
                return
            except StoreConflict:
                try:
                    theirs, etag = self.store.get_with_etag(self.key)
                except NotFound:
                    theirs, etag = b"", None
                with self._lock:
                    self.urls = merge_urls(self.urls, parse_state(theirs))
                    self._etag = etag
        raise StoreConflict(f"{self.key}: kept changing under us; state not saved")
