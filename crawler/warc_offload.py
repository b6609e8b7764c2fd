"""Build WARC records in a helper process, off the crawl's GIL.

The crawl's reactor thread is its bottleneck and holds the GIL most of the time; building a
record (warcio's header block, the block digest, gzip, the SURT key for the index) on the WARC
thread took the GIL from it for ~0.7 ms a page and made it wait for the switch interval each
time the WARC thread wanted the GIL back. So the WARC thread ships each exchange to one helper
process (a forkserver child, like the cleaning workers, that dies with the crawl), gets the
finished gzip members back and only appends them: the file, its fsyncs, its rollover and every
pointer stay where they were (crawler/session.py SiteWriter), so durability does not change.

`archive.warc.serialize_exchange` is pure, so whenever the helper is unusable (it died, hung,
or could not start) the same function runs in-thread: slower, never lossy. A record the helper
built for a file that rolled over meanwhile is rebuilt by `RotatingWarcWriter.append`.
"""
from __future__ import annotations

import logging
import multiprocessing
import os
import pickle
import signal
import threading
from typing import Any

from archive.warc import Exchange, PriorCapture, SerializedExchange, serialize_exchange
from crawler.clean_pool import _die_with_parent, _watch

logger = logging.getLogger(__name__)

__all__ = ["RecordBuilder"]

REPLY_TIMEOUT = 60.0  # seconds; a helper that takes longer is taken for hung and replaced by the thread


def _serve(conn: Any, crawl_pid: int) -> None:
    """The helper's loop: an exchange in, its records out; exits when the crawl's end closes."""
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the crawl, which then closes us
    threading.Thread(target=_watch, args=(crawl_pid,), name="govwire-parent-watch", daemon=True).start()
    while True:
        try:
            data = conn.recv_bytes()
        except (EOFError, OSError):
            return
        try:
            res: SerializedExchange | None = serialize_exchange(*pickle.loads(data))
        except Exception:  # the caller rebuilds it in-thread and gets the same error there
            res = None
        conn.send_bytes(pickle.dumps(res, protocol=pickle.HIGHEST_PROTOCOL))


class RecordBuilder:
    """One helper process shared by a session's WARC threads (one call at a time, under a lock)."""

    def __init__(self, *, timeout: float = REPLY_TIMEOUT) -> None:
        self.timeout = timeout
        self.failed: str | None = None
        self._lock = threading.Lock()
        self._conn: Any = None
        self._proc: Any = None
        try:
            ctx = multiprocessing.get_context("forkserver")
            self._conn, child = ctx.Pipe()
            self._proc = ctx.Process(target=_serve, args=(child, os.getpid()), daemon=True,
                                     name="govwire-warc-builder")
            self._proc.start()
            child.close()
        except (OSError, ValueError) as e:
            self._broke(f"could not start: {e}")

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def build(self, ex: Exchange, prior: PriorCapture | None, warcinfo_id: str,
              gzip_level: int) -> SerializedExchange:
        if self.failed is None:
            with self._lock:
                res = self._ask(ex, prior, warcinfo_id, gzip_level)
            if res is not None:
                return res
        return serialize_exchange(ex, prior, warcinfo_id, gzip_level)

    def _ask(self, ex: Exchange, prior: PriorCapture | None, warcinfo_id: str,
             gzip_level: int) -> SerializedExchange | None:
        if self.failed is not None:
            return None
        try:
            self._conn.send_bytes(pickle.dumps((ex, prior, warcinfo_id, gzip_level),
                                               protocol=pickle.HIGHEST_PROTOCOL))
            if not self._conn.poll(self.timeout):
                self._broke(f"no reply in {self.timeout:g} s")
                return None
            res = pickle.loads(self._conn.recv_bytes())
        except (OSError, EOFError, pickle.PickleError) as e:
            self._broke(f"{type(e).__name__}: {e}" if str(e) else type(e).__name__)
            return None
        return res if isinstance(res, SerializedExchange) else None

    def _broke(self, why: str) -> None:
        self.failed = why
        logger.warning("WARC record builder process unusable (%s): building records in the crawl "
                       "process from now on (slower, nothing lost)", why)
        self._shut(kill=True)

    def close(self) -> None:
        with self._lock:
            self.failed = self.failed or "closed"
            self._shut(kill=False)

    def _shut(self, *, kill: bool) -> None:
        conn, proc, self._conn, self._proc = self._conn, self._proc, None, None
        if conn is not None:
            try:
                conn.close()  # the helper reads EOF and exits
            except OSError:
                pass
        if proc is not None:
            if kill:
                proc.kill()
            proc.join(5)
            if proc.is_alive():
                proc.kill()
                proc.join(5)
