"""Incremental crawl state per site, kept in the store: URL -> what we last captured.

Loaded once when a crawl starts and written back (conditionally, so two writers cannot silently
overwrite each other) when it ends and at checkpoints.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from archive.errors import NotFound, StoreConflict
from archive.keys import state_key
from archive.storage import Store


@dataclass
class UrlState:
    payload_digest: str
    record_id: str        # WARC-Record-ID of the last full response record
    date: str             # its WARC-Date
    url: str              # its WARC-Target-URI
    etag: str | None = None
    last_modified: str | None = None
    status: int = 200


class CrawlState:
    """A dict-like view of one site's state with optimistic-concurrency saves."""

    def __init__(self, store: Store, site: str) -> None:
        self.store = store
        self.site = site
        self.key = state_key(site)
        self.urls: dict[str, UrlState] = {}
        self._etag: str | None = None
        self.dirty = False

    def load(self) -> CrawlState:
        try:
            data, self._etag = self.store.get_with_etag(self.key)
        except NotFound:
            return self
        raw = json.loads(data.decode("utf-8"))
        self.urls = {u: UrlState(**v) for u, v in raw.get("urls", {}).items()}
        return self

    def get(self, url: str) -> UrlState | None:
        return self.urls.get(url)

    def put(self, url: str, st: UrlState) -> None:
        self.urls[url] = st
        self.dirty = True

    def to_bytes(self) -> bytes:
        body: dict[str, Any] = {"site": self.site, "version": 1,
                                "urls": {u: asdict(s) for u, s in sorted(self.urls.items())}}
        return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    def save(self) -> None:
        """Write back; if someone else saved meanwhile, merge their entries under ours and retry."""
        if not self.dirty:
            return
        for _ in range(5):
            try:
                if self._etag is None:
                    self._etag = self.store.put_bytes(self.key, self.to_bytes(), if_absent=True,
                                                      content_type="application/json")
                else:
                    self._etag = self.store.put_bytes(self.key, self.to_bytes(), if_match=self._etag,
                                                      content_type="application/json")
                self.dirty = False
                return
            except StoreConflict:
                mine = self.urls
                self.urls, self._etag = {}, None
                self.load()
                self.urls.update(mine)
        raise StoreConflict(f"{self.key}: kept changing under us; state not saved")
