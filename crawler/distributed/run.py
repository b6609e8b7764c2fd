"""One distributed run of one site: joining it, beating for it, knowing when it is over,
and finishing it exactly once.

Why a run registry in Redis: every worker of a scheduled run must share one queue and one
duplicate filter, and the next scheduled run (even on the same day) must start afresh. The
site's run lock names the live run; the first worker starts one (a fresh id), later workers
join it, and a worker asked for a different explicit run id is refused while it lives. The
last worker to close merges the run's state into the store once and deletes the run's keys.
"""
from __future__ import annotations

import json
import logging
import os
import secrets
import socket
import threading
import time
from dataclasses import dataclass
from typing import Any

from crawler.distributed import scripts

logger = logging.getLogger(__name__)

RUN_KEYS = ("queue", "seen", "lease_seq", "workers", "starting", "state", "summary", "lost", "final")
KEY_EXPIRY = 7 * 86400  # an abandoned run's keys (every worker gone) vanish after a week


@dataclass
class RunStatus:
    queued: int
    leased: int
    starting: int
    requeued: int
    live: int

    @property
    def done(self) -> bool:
        return self.queued == 0 and self.leased == 0 and self.starting == 0


def new_worker_id() -> str:
    host = socket.gethostname().split(".")[0][:20] or "host"
    return f"{host}-{os.getpid()}-{secrets.token_hex(2)}"


def new_run_id() -> str:
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + "-" + secrets.token_hex(3)


class Run:
    """A worker's handle on its site's distributed run (all Redis calls for the run go here)."""

    def __init__(self, server: Any, site: str, *, wanted_id: str = "", lease_ttl: float = 30.0,
                 worker: str | None = None) -> None:
        self.server = server
        self.site = site
        self.wanted_id = wanted_id
        self.lease_ttl = lease_ttl
        self.worker = worker or new_worker_id()
        self.site_prefix = f"govwire:{site}:"
        self.lock_key = f"{self.site_prefix}run"
        self.id = ""
        self.verdict = ""
        self._scripts = {name: server.register_script(getattr(scripts, name))
                         for name in ("JOIN", "PUSH", "POP", "STATUS", "HEARTBEAT", "CLOSE")}
        self._beat: threading.Thread | None = None
        self._stop = threading.Event()
        self.beat_errors = 0

    @property
    def prefix(self) -> str:
        return f"{self.site_prefix}{self.id}:"

    def done_key(self, run_id: str) -> str:
        return f"{self.site_prefix}done:{run_id}"

    # -- joining and beating ---------------------------------------------------------------
    def join(self) -> str:
        """'started', 'joined', 'locked' (another run holds the site) or 'finished'."""
        verdict, run_id = self._scripts["JOIN"](
            keys=[self.lock_key],
            args=[self.wanted_id, new_run_id(), int(self.lease_ttl * 1000),
                  f"{self.site_prefix}done:", self.site_prefix, self.worker])
        self.verdict, self.id = _s(verdict), _s(run_id)
        if self.verdict in ("started", "joined"):
            self._beat = threading.Thread(target=self._beat_loop, name="govwire-run-heartbeat",
                                          daemon=True)
            self._beat.start()
        return self.verdict

    def heartbeat(self) -> bool:
        return bool(self._scripts["HEARTBEAT"](
            keys=[self.lock_key],
            args=[self.prefix, self.worker, int(self.lease_ttl * 1000), self.id, KEY_EXPIRY,
                  *RUN_KEYS, f"leases:{self.worker}"]))

    def _beat_loop(self) -> None:
        # a thread, not a reactor timer: a reactor busy with a big page must not look dead
        while not self._stop.wait(self.lease_ttl / 4):
            try:
                if not self.heartbeat():
                    logger.error("run %s of %s lost its lock to another run", self.id, self.site)
            except Exception as e:  # Redis down: the next beat may work; the lease covers the gap
                self.beat_errors += 1
                if self.beat_errors == 1:
                    logger.warning("run heartbeat failed: %s", e)

    def stop_beating(self, wait: bool = True) -> None:
        self._stop.set()
        if wait and self._beat is not None:
            self._beat.join(5)

    def started_reading(self) -> None:
        self.server.sadd(self.prefix + "starting", self.worker)

    def finished_reading(self) -> None:
        self.server.srem(self.prefix + "starting", self.worker)

    # -- the queue -------------------------------------------------------------------------
    def push(self, fingerprint: str, priority: int, data: bytes, *, dont_filter: bool) -> bool:
        return bool(self._scripts["PUSH"](args=[self.prefix, fingerprint, -priority, data,
                                                "1" if dont_filter else "0"]))

    def pop(self) -> tuple[str, bytes] | None:
        got = self._scripts["POP"](args=[self.prefix, self.worker])
        if not got:
            return None
        return _s(got[0]), got[1]

    def ack(self, fields: list[str], state: dict[str, str]) -> None:
        """Drop finished leases; their crawl-state entries go to the run's state in the same step."""
        pipe = self.server.pipeline(transaction=True)
        if state:
            pipe.hset(self.prefix + "state", mapping=state)
        if fields:
            pipe.hdel(self.prefix + f"leases:{self.worker}", *fields)
        pipe.execute()

    def status(self) -> RunStatus:
        return RunStatus(*(int(x) for x in self._scripts["STATUS"](args=[self.prefix])))

    # -- the end ---------------------------------------------------------------------------
    def close(self, figures: dict[str, Any]) -> bool:
        """Leave the run with this worker's figures; True when this worker must finalise it."""
        self.stop_beating()
        return bool(self._scripts["CLOSE"](args=[self.prefix, self.worker,
                                                 json.dumps(figures, sort_keys=True)]))

    def state_entries(self) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        for url, raw in self.server.hscan_iter(self.prefix + "state", count=1000):
            out[_s(url)] = json.loads(raw)
        return out

    def worker_figures(self) -> dict[str, dict[str, Any]]:
        return {_s(w): json.loads(v) for w, v in self.server.hgetall(self.prefix + "summary").items()}

    def lost(self) -> dict[str, int]:
        return {_s(w): int(n) for w, n in self.server.hgetall(self.prefix + "lost").items()}

    def forget(self, merged: dict[str, Any]) -> None:
        """Mark the run finished (for a week) and delete its keys and the site's run lock."""
        keys = [self.prefix + k for k in RUN_KEYS]
        keys += [_s(k) for k in self.server.scan_iter(match=self.prefix + "leases:*", count=1000)]
        keys += [_s(k) for k in self.server.scan_iter(match=self.prefix + "alive:*", count=1000)]
        pipe = self.server.pipeline(transaction=True)
        pipe.set(self.done_key(self.id), json.dumps(merged, sort_keys=True), ex=KEY_EXPIRY)
        pipe.delete(*keys)
        pipe.execute()
        # the lock only if it is still ours (a new run may already have taken it)
        self.server.eval("if redis.call('GET', KEYS[1]) == ARGV[1] then "
                         "return redis.call('DEL', KEYS[1]) end return 0", 1, self.lock_key, self.id)


def _s(v: Any) -> str:
    return v.decode("utf-8") if isinstance(v, bytes) else str(v)


FIGURES = ("fetched", "new", "changed", "unchanged", "archived_only", "failed", "bytes", "spooled")


def merge_figures(run_id: str, workers: dict[str, dict[str, Any]], lost: dict[str, int]) -> dict[str, Any]:
    """One summary for the whole run: totals plus each worker's own figures."""
    totals = {k: sum(int(w.get(k, 0)) for w in workers.values()) for k in FIGURES}
    return {"run_id": run_id, **totals, "workers": workers,
            "dead_workers": {w: {"requeued": n} for w, n in lost.items() if w not in workers}}
