"""Per-site run locks in the store, so two scheduled runs of one site never overlap.

A lock is a small JSON object created with a conditional write (create-only), refreshed by a
heartbeat (a conditional overwrite) while its run lives. It is stale — and taken over with a
conditional delete, so two contenders cannot both win — when its heartbeat is older than
`stale_minutes`, or at once when it names this host and a pid that is gone. Heartbeats make
staleness independent of hostnames, so a run killed in a Kubernetes pod (a new hostname every
time) blocks its site for minutes, not hours.

A release that cannot reach the store (outage) is left in the spool as
`locks/<site>.lock.release`; `govwire sync` (or the site's next run) carries it out, deleting
the lock only if it still carries this run's token.
"""
from __future__ import annotations

import json
import os
import secrets
import socket
import time
from typing import Any

from archive.errors import NotFound, StoreConflict, StoreUnavailable
from archive.keys import lock_key
from archive.storage import Store

__all__ = ["LockBusy", "LockLost", "SiteLock", "DEFAULT_STALE_MINUTES", "lock_status", "break_lock"]

DEFAULT_STALE_MINUTES = 15.0
RELEASE = ".release"


class LockBusy(StoreConflict):
    """A live run holds the lock."""


class LockLost(StoreConflict):
    """Our lock was taken over (we looked dead) or removed by an operator."""


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def lock_status(owner: dict[str, Any], stale_minutes: float, now: float | None = None) -> tuple[bool, str]:
    """(live?, why) for a lock's JSON body."""
    now = time.time() if now is None else now
    age = now - float(owner.get("heartbeat", 0) or 0)
    if owner.get("host") == socket.gethostname() and not _pid_alive(int(owner.get("pid", 0) or 0)):
        return False, f"pid {owner.get('pid')} on this host ({owner.get('host')}) is gone"
    if age > stale_minutes * 60:
        return False, f"no heartbeat for {age / 60:.1f} min (stale after {stale_minutes:g} min)"
    return True, f"heartbeat {age:.0f} s ago"


def describe(owner: dict[str, Any]) -> str:
    return f"pid {owner.get('pid')} on {owner.get('host')}"


class SiteLock:
    def __init__(self, store: Store, site: str, *, stale_minutes: float = DEFAULT_STALE_MINUTES,
                 spool: Any = None) -> None:
        self.store = store
        self.site = site
        self.key = lock_key(site)
        self.stale_minutes = stale_minutes
        self.spool = spool
        self.token = secrets.token_hex(8)
        self._etag: str | None = None
        self.took_over: dict[str, Any] | None = None

    @property
    def held(self) -> bool:
        return self._etag is not None

    def heartbeat_interval(self) -> float:
        """Seconds between heartbeats: several per staleness period, at most one a minute."""
        return max(1.0, min(60.0, self.stale_minutes * 60 / 5))

    def _body(self) -> bytes:
        return json.dumps({"site": self.site, "host": socket.gethostname(), "pid": os.getpid(),
                           "token": self.token, "heartbeat": time.time(),
                           "stale_minutes": self.stale_minutes}).encode()

    def _finish_pending_release(self) -> None:
        """A release an earlier run of ours left in the spool (store was down): do it now."""
        if self.spool is None or self.spool.spooled(self.key + RELEASE) is None:
            return
        self.spool.publish(self.key + RELEASE)

    def acquire(self) -> None:
        self._finish_pending_release()
        for _ in range(4):
            try:
                self._etag = self.store.put_bytes(self.key, self._body(), if_absent=True,
                                                  content_type="application/json")
                return
            except StoreConflict:
                try:
                    data, etag = self.store.get_with_etag(self.key)
                except NotFound:
                    continue
                try:
                    owner = json.loads(data or b"{}")
                except ValueError:
                    owner = {}
                if owner.get("token") == self.token:
                    self._etag = etag  # our own create landed but its answer was lost
                    return
                live, _why = lock_status(owner, self.stale_minutes)
                if live:
                    raise LockBusy(f"site {self.site!r} is locked by {describe(owner)} "
                                   f"(lock {self.key}; `govwire unlock {self.site}` if that run is dead)"
                                   ) from None
                try:
                    self.store.delete(self.key, if_match=etag)
                    self.took_over = owner
                except (StoreConflict, NotFound):
                    continue
        raise LockBusy(f"could not take the lock {self.key}")

    def heartbeat(self) -> None:
        """Refresh the lock; LockLost if it is no longer ours."""
        if self._etag is None:
            return
        try:
            self._etag = self.store.put_bytes(self.key, self._body(), if_match=self._etag,
                                              content_type="application/json")
        except StoreConflict:
            self._etag = None
            raise LockLost(f"lost the lock {self.key}: taken over or removed while this run "
                           "was silent") from None

    def release(self) -> bool:
        """Delete the lock; False if the store was down and the release waits in the spool."""
        if self._etag is None:
            return True
        try:
            self.store.delete(self.key, if_match=self._etag)
        except (StoreConflict, NotFound):
            pass
        except StoreUnavailable:
            if self.spool is None:
                raise
            self.spool.keep(self.key + RELEASE, json.dumps(
                {"key": self.key, "token": self.token, "etag": self._etag}).encode())
            self._etag = None
            return False
        self._etag = None
        return True


def break_lock(store: Store, site: str, *, force: bool = False,
               stale_minutes: float = DEFAULT_STALE_MINUTES) -> tuple[bool, str]:
    """`govwire unlock`: delete a site's lock if its run is dead (or with force). (done, message)"""
    key = lock_key(site)
    try:
        data, etag = store.get_with_etag(key)
    except NotFound:
        return True, f"{site}: not locked"
    try:
        owner = json.loads(data or b"{}")
    except ValueError:
        owner = {}
    live, why = lock_status(owner, float(owner.get("stale_minutes") or stale_minutes))
    if live and not force:
        return False, (f"{site}: locked by a live run ({describe(owner)}, {why}); "
                       "not removed (use --force if you are sure it is dead)")
    try:
        store.delete(key, if_match=etag)
    except (StoreConflict, NotFound):
        return False, f"{site}: the lock changed while we looked; run unlock again"
    return True, f"{site}: removed the lock of {describe(owner)} ({'forced; ' if live else ''}{why})"


def sweep_dead_locks(store: Store, *, stale_minutes: float = DEFAULT_STALE_MINUTES) -> list[str]:
    """Delete every lock whose run is provably dead (this host, pid gone) or silent for longer
    than its staleness period; `govwire sync` runs this so a killed run's lock is gone before
    the next scheduled crawl. Live locks are never touched. Returns the sites unlocked."""
    done = []
    for key in store.list("locks/"):
        if not key.endswith(".lock"):
            continue
        site = key.removeprefix("locks/").removesuffix(".lock")
        try:
            data, etag = store.get_with_etag(key)
            owner = json.loads(data or b"{}")
        except (NotFound, ValueError):
            continue
        live, _why = lock_status(owner, float(owner.get("stale_minutes") or stale_minutes))
        if live:
            continue
        try:
            store.delete(key, if_match=etag)
            done.append(site)
        except (StoreConflict, NotFound):
            pass
    return done
