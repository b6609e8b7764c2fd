"""Helper processes that keep CPU and syscall-heavy archive work off the crawl's GIL.

The crawl's reactor thread is its bottleneck and holds the GIL most of the time. Two jobs used
to take it away on other threads, each time they wanted the GIL back (every record, every
syscall) making the reactor wait for the switch interval:
- building a WARC record (warcio's header block, the block digest, gzip, the SURT key for the
  index): ~0.7 ms of GIL a page on the WARC thread;
- writing each capture record (and document) into a local store: a thread-pool hand-off and
  ~8 syscalls per small file. Measured with bench/crawl.py: archive-only ran ~17% faster
  with both of those stubbed out.
So the WARC thread ships each exchange to a `RecordBuilder` helper and only appends and fsyncs
what comes back: the file, its group commit, its rollover and every pointer stay in
crawler/session.py, so durability does not change. And `ObjectWriter` batches the small
objects of a local store on one thread and has a helper run `Spool.put_bytes` on each, the very
call the threads made, so spooling and create-only conflicts behave as before.

Helpers are forkserver children, like the cleaning workers, that die with the crawl. Both jobs
are pure or idempotent (records are built by `archive.warc.serialize_exchange`; object writes
are create-only), so whenever a helper is unusable (it died, hung, or could not start) the
same call runs in-thread: slower, never lossy. GOVWIRE_HELPER_PROCESSES=0 keeps both in-thread.
"""
from __future__ import annotations

import logging
import multiprocessing
import os
import pickle
import queue
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from archive.errors import StoreConflict
from archive.warc import Exchange, PriorCapture, SerializedExchange, serialize_exchange
from crawler.clean_pool import tie_to_crawl

logger = logging.getLogger(__name__)

__all__ = ["RecordBuilder", "ObjectWriter", "put_object", "STORED", "SPOOLED", "EXISTS"]

REPLY_TIMEOUT = 60.0  # seconds; a helper that takes longer is taken for hung and replaced by the thread
STORED, SPOOLED, EXISTS = "stored", "spooled", "exists"


# -- in the helper ----------------------------------------------------------------------------

def _build(msg: Any, _ctx: Any) -> SerializedExchange | None:
    return serialize_exchange(*msg)


def put_object(spool: Any, key: str, data: bytes, if_absent: bool) -> str:
    """STORED, SPOOLED or EXISTS for a document or capture record; other errors raise. The
    session's store threads and the object helper both write through this."""
    try:
        stored = spool.put_bytes(key, data, content_type="application/json", if_absent=if_absent)
    except StoreConflict:
        return EXISTS
    return STORED if stored else SPOOLED


def _put_many(msg: list[tuple[str, bytes, bool]], spool: Any) -> list[str | None]:
    out: list[str | None] = []
    for key, data, if_absent in msg:
        try:
            out.append(put_object(spool, key, data, if_absent))
        except Exception:  # the crawl process retries it in-thread and reports what it gets
            out.append(None)
    return out


def _local_spool(root: str) -> Any:
    from archive.spool import Spool
    from archive.storage import LocalStore

    return Spool(LocalStore(root))


_JOBS: dict[str, tuple[Callable[[Any, Any], Any], Callable[..., Any] | None]] = {
    "build": (_build, None), "put": (_put_many, _local_spool)}


def _serve(conn: Any, crawl_pid: int, job: str, init_args: tuple[Any, ...]) -> None:
    """The helper's loop: a request in, its reply out; exits when the crawl's end closes."""
    tie_to_crawl(crawl_pid)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the crawl, which then closes us
    fn, init = _JOBS[job]
    ctx = init(*init_args) if init else None
    while True:
        try:
            data = conn.recv_bytes()
        except (EOFError, OSError):
            return
        try:
            res = fn(pickle.loads(data), ctx)
        except Exception:  # the caller redoes it in-thread and gets the same error there
            res = None
        conn.send_bytes(pickle.dumps(res, protocol=pickle.HIGHEST_PROTOCOL))


# -- in the crawl -----------------------------------------------------------------------------

class _Helper:
    """One helper process and its pipe; one request at a time, under a lock."""

    def __init__(self, job: str, init_args: tuple[Any, ...] = (), *, timeout: float = REPLY_TIMEOUT) -> None:
        self.job = job
        self.timeout = timeout
        self.failed: str | None = None
        self._lock = threading.Lock()
        self._conn: Any = None
        self._proc: Any = None
        try:
            ctx = multiprocessing.get_context("forkserver")
            self._conn, child = ctx.Pipe()
            self._proc = ctx.Process(target=_serve, args=(child, os.getpid(), job, init_args), daemon=True,
                                     name=f"govwire-{job}-helper")
            self._proc.start()
            child.close()
        except (OSError, ValueError) as e:
            self._broke(f"could not start: {e}")

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def ask(self, msg: Any) -> Any:
        """The helper's reply, or None when it is unusable (the caller then does the work)."""
        with self._lock:
            if self.failed is not None:
                return None
            try:
                self._conn.send_bytes(pickle.dumps(msg, protocol=pickle.HIGHEST_PROTOCOL))
                if not self._conn.poll(self.timeout):
                    self._broke(f"no reply in {self.timeout:g} s")
                    return None
                return pickle.loads(self._conn.recv_bytes())
            except (OSError, EOFError, pickle.PickleError) as e:
                self._broke(f"{type(e).__name__}: {e}" if str(e) else type(e).__name__)
                return None

    def _broke(self, why: str) -> None:
        self.failed = why
        logger.warning("govwire %s helper process unusable (%s): doing its work in the crawl process "
                       "from now on (slower, nothing lost)", self.job, why)
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


class RecordBuilder(_Helper):
    """Builds WARC records for a session's WARC threads."""

    def __init__(self, *, timeout: float = REPLY_TIMEOUT) -> None:
        super().__init__("build", timeout=timeout)

    def build(self, ex: Exchange, prior: PriorCapture | None, warcinfo_id: str,
              gzip_level: int) -> SerializedExchange:
        res = self.ask((ex, prior, warcinfo_id, gzip_level))
        if isinstance(res, SerializedExchange):
            return res
        return serialize_exchange(ex, prior, warcinfo_id, gzip_level)


class _Put:
    __slots__ = ("key", "data", "if_absent", "then", "future")

    def __init__(self, key: str, data: bytes, if_absent: bool, then: Callable[[], None] | None) -> None:
        self.key, self.data, self.if_absent, self.then = key, data, if_absent, then
        self.future: Future[str] = Future()


class ObjectWriter:
    """Writes small objects into a local store in batches: one thread, one helper process.

    `put_in_thread(key, data, if_absent, then)` is the session's own write (the fallback, and
    what every object the helper could not write goes through, so its errors and spooling are
    reported exactly as before). `on_spooled` counts an object the helper had to spool."""

    _STOP = object()

    def __init__(self, root: str, put_in_thread: Callable[[str, bytes, bool, Callable[[], None] | None], str],
                 on_spooled: Callable[[], None], *, batch: int = 128, linger: float = 0.02,
                 timeout: float = REPLY_TIMEOUT) -> None:
        self.put_in_thread = put_in_thread
        self.linger = linger  # gather a batch for this long: one hand-off per batch, not per object
        self.on_spooled = on_spooled
        self.batch = batch
        self.helper = _Helper("put", (root,), timeout=timeout)
        self._q: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="govwire-objects", daemon=True)
        self._thread.start()

    def submit(self, key: str, data: bytes, if_absent: bool, then: Callable[[], None] | None) -> Future[str]:
        item = _Put(key, data, if_absent, then)
        self._q.put(item)
        return item.future

    def close(self) -> None:
        """Write what is queued, then stop the thread and the helper."""
        self._q.put(self._STOP)
        self._thread.join()
        self.helper.close()

    def _run(self) -> None:
        stop = False
        while not stop:
            items: list[_Put] = []
            deadline = None
            while len(items) < self.batch:
                try:
                    if deadline is None:
                        it = self._q.get()
                        deadline = time.monotonic() + self.linger
                    else:
                        it = self._q.get(timeout=max(0.0, deadline - time.monotonic()))
                except queue.Empty:
                    break
                if it is self._STOP:
                    stop = True
                    break
                items.append(it)
            if items:
                self._write(items)

    def _write(self, items: list[_Put]) -> None:
        res = self.helper.ask([(it.key, it.data, it.if_absent) for it in items])
        if not isinstance(res, list) or len(res) != len(items):
            res = [None] * len(items)
        for it, got in zip(items, res):
            try:
                if got is None:  # the helper could not: the session's own path, errors and all
                    it.future.set_result(self.put_in_thread(it.key, it.data, it.if_absent, it.then))
                    continue
                if got == SPOOLED:
                    self.on_spooled()
                if it.then is not None:
                    it.then()
                it.future.set_result(got)
            except BaseException as e:  # reported by the session's done-callback
                if not it.future.done():
                    it.future.set_exception(e)
