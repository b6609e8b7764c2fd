"""A dask scheduler and two single-threaded workers on loopback, started the way
docs/scaling.md starts a cluster by hand (the `dask` CLI), for the cluster-run tests."""
from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


@contextmanager
def dask_cluster(env: dict[str, str]) -> Iterator[str]:
    """Yield the scheduler's address; both processes are stopped on the way out."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    dask = str(Path(sys.executable).parent / "dask")
    quiet = {"env": env, "cwd": REPO, "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    procs = [subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
                              **quiet)]  # type: ignore[call-overload]
    try:
        procs.append(subprocess.Popen([dask, "worker", f"tcp://127.0.0.1:{port}", "--host", "127.0.0.1",
                                       "--nworkers", "2", "--nthreads", "1", "--no-dashboard"],
                                      **quiet))  # type: ignore[call-overload]
        yield f"tcp://127.0.0.1:{port}"
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            p.wait(timeout=30)
