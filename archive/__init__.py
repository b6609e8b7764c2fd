"""WARC writing, stores, indexes and the dataset; usable without Scrapy."""
from __future__ import annotations

from archive.errors import ArchiveError, NotFound, StoreConflict, StoreUnavailable
from archive.spool import Spool, SyncReport
from archive.storage import LocalStore, Store, open_store

__all__ = ["ArchiveError", "NotFound", "StoreConflict", "StoreUnavailable", "LocalStore", "Store",
           "open_store", "Spool", "SyncReport"]
