"""The cleaning worker pool, whose processes never outlive the crawl that started them.

Workers come from a forkserver, so they are its children, not the crawl's. Each worker asks
the kernel for SIGKILL when its parent dies (PR_SET_PDEATHSIG; the forkserver exits as soon
as the crawl's end of its pipe closes, whatever killed the crawl) and also watches the crawl's
pid from a thread, which covers kernels without prctl and re-parented workers. Measured: after
`kill -9` of a crawl no worker, forkserver or resource tracker is left (tests/test_faults.py).
"""
from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor

__all__ = ["start_pool", "tie_to_crawl"]

_PR_SET_PDEATHSIG = 1
WATCH_INTERVAL = 0.5  # seconds between checks that the crawl still lives


def _die_with_parent() -> None:
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def _watch(crawl_pid: int) -> None:
    while True:
        time.sleep(WATCH_INTERVAL)
        try:
            os.kill(crawl_pid, 0)
        except ProcessLookupError:
            os._exit(1)
        except PermissionError:
            pass
        if os.getppid() == 1:  # re-parented to init: our forkserver (and the crawl) are gone
            os._exit(1)


def tie_to_crawl(crawl_pid: int) -> None:
    """In a forkserver child (cleaning worker or helper): die when the crawl dies, however."""
    _die_with_parent()
    threading.Thread(target=_watch, args=(crawl_pid,), name="govwire-parent-watch", daemon=True).start()


def _init_worker(crawl_pid: int) -> None:
    tie_to_crawl(crawl_pid)
    import cleaners  # noqa: F401  (warm trafilatura and the site registry once per worker)


def start_pool(workers: int) -> ProcessPoolExecutor:
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["cleaners"])
    return ProcessPoolExecutor(workers, mp_context=ctx, initializer=_init_worker, initargs=(os.getpid(),))
