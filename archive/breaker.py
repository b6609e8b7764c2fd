"""One circuit breaker in front of a store, shared by every caller of one run.

Documents, capture records, state, locks and WARC uploads all go through the same breaker, so
the first call that finds the store down (refused, timed out, 5xx after retries) opens it and
every later call fails at once with StoreDown instead of paying its own timeout. The callers
then keep their object in the spool (archive.spool). After `retry_after` seconds one call is
let through to see whether the store is back.

With the S3 timeouts (connect and read, never retried on a timeout) this bounds a run against
a hung store: the calls in flight when it hung end after one timeout, everything after that is
spooled without waiting.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from archive.errors import StoreUnavailable
from archive.storage import Store

__all__ = ["BreakerStore", "StoreDown", "guarded"]


class StoreDown(StoreUnavailable):
    """Not even tried: the breaker is open after an earlier failure."""


class BreakerStore:
    """A Store wrapper with the same interface; see the module docstring."""

    def __init__(self, store: Store, *, retry_after: float = 30.0) -> None:
        self.inner = store
        self.uri = store.uri
        self.retry_after = retry_after
        self.last_error: str | None = None
        self.trips = 0
        self._down_until = 0.0
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"BreakerStore({self.inner!r})"

    @property
    def spool_dir(self) -> Path:
        return self.inner.spool_dir

    # -- breaker ---------------------------------------------------------------------------
    def is_down(self) -> bool:
        return time.monotonic() < self._down_until

    def trip(self, error: StoreUnavailable | str) -> None:
        with self._lock:
            self.last_error = str(error)
            self._down_until = time.monotonic() + self.retry_after
            self.trips += 1

    def reset(self) -> None:
        """Close the breaker (an explicit `govwire sync` always tries the store)."""
        with self._lock:
            self._down_until = 0.0

    def _enter(self) -> bool:
        """Raise StoreDown while open; True if this call is the half-open probe."""
        with self._lock:
            if time.monotonic() < self._down_until:
                raise StoreDown(self.last_error or f"store {self.uri} unavailable")
            if self._down_until:
                # half-open: this call probes, the others keep failing fast meanwhile
                self._down_until = time.monotonic() + self.retry_after
                return True
            return False

    def _call(self, fn: Any, *args: Any, **kw: Any) -> Any:
        probe = self._enter()
        try:
            result = fn(*args, **kw)
        except StoreDown:
            raise
        except StoreUnavailable as e:
            self.trip(e)
            raise
        if probe:
            with self._lock:
                self._down_until = 0.0  # the store answered: closed again
        return result

    # -- Store protocol --------------------------------------------------------------------
    def put_bytes(self, key: str, data: bytes, *, if_absent: bool = False,
                  if_match: str | None = None, content_type: str | None = None) -> str:
        return str(self._call(self.inner.put_bytes, key, data, if_absent=if_absent, if_match=if_match,
                              content_type=content_type))

    def put_file(self, key: str, path: Path, *, content_type: str | None = None) -> None:
        self._call(self.inner.put_file, key, path, content_type=content_type)

    def get_bytes(self, key: str) -> bytes:
        return bytes(self._call(self.inner.get_bytes, key))

    def get_with_etag(self, key: str) -> tuple[bytes, str]:
        data, etag = self._call(self.inner.get_with_etag, key)
        return data, etag

    def get_range(self, key: str, offset: int, length: int) -> bytes:
        return bytes(self._call(self.inner.get_range, key, offset, length))

    def exists(self, key: str) -> bool:
        return bool(self._call(self.inner.exists, key))

    def list(self, prefix: str) -> Iterator[str]:
        return iter(list(self._call(self.inner.list, prefix)))

    def delete(self, key: str, *, if_match: str | None = None) -> None:
        self._call(self.inner.delete, key, if_match=if_match)

    def local_path(self, key: str) -> Path | None:
        return self.inner.local_path(key)


def guarded(store: Store | BreakerStore, *, retry_after: float = 30.0) -> BreakerStore:
    """The store behind a breaker (the same breaker if it already has one)."""
    if isinstance(store, BreakerStore):
        return store
    return BreakerStore(store, retry_after=retry_after)
