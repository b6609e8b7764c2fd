"""Per-site run locks in the store, so two cron runs of one site never overlap.

A lock is a small JSON object created with a conditional write (if-absent). A lock whose owner
is gone — same host and the pid is dead, or no heartbeat for `stale_after` seconds — is taken
over with a conditional delete, so a crashed run never blocks the schedule for long.
"""
from __future__ import annotations

import json
import os
import socket
import time
from typing import Any

from archive.errors import NotFound, StoreConflict
from archive.keys import lock_key
from archive.storage import Store


class LockBusy(StoreConflict):
    """A live run holds the lock."""


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class SiteLock:
    def __init__(self, store: Store, site: str, *, stale_after: float = 6 * 3600) -> None:
        self.store = store
        self.site = site
        self.key = lock_key(site)
        self.stale_after = stale_after
        self._etag: str | None = None
        self.took_over: dict[str, Any] | None = None

    def _body(self) -> bytes:
        return json.dumps({"site": self.site, "host": socket.gethostname(), "pid": os.getpid(),
                           "heartbeat": time.time()}).encode()

    def _is_stale(self, owner: dict[str, Any]) -> bool:
        if owner.get("host") == socket.gethostname() and not _pid_alive(int(owner.get("pid", 0))):
            return True
        return time.time() - float(owner.get("heartbeat", 0)) > self.stale_after

    def acquire(self) -> None:
        for _ in range(3):
            try:
                self._etag = self.store.put_bytes(self.key, self._body(), if_absent=True)
                return
            except StoreConflict:
                try:
                    data, etag = self.store.get_with_etag(self.key)
                except NotFound:
                    continue
                owner = json.loads(data or b"{}")
                if not self._is_stale(owner):
                    raise LockBusy(f"site {self.site!r} is locked by pid {owner.get('pid')} on "
                                   f"{owner.get('host')} (lock {self.key})") from None
                try:
                    self.store.delete(self.key, if_match=etag)
                    self.took_over = owner
                except StoreConflict:
                    continue
        raise LockBusy(f"could not take the lock {self.key}")

    def heartbeat(self) -> None:
        if self._etag is not None:
            self._etag = self.store.put_bytes(self.key, self._body(), if_match=self._etag)

    def release(self) -> None:
        if self._etag is not None:
            try:
                self.store.delete(self.key, if_match=self._etag)
            except (StoreConflict, NotFound):
                pass
            self._etag = None
