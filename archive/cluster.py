"""Run shards (reclean's WARC files, dataset build's key ranges and date slices) on an engine.

A shard is a call of one module-level function with picklable arguments; an engine only maps
that function over the shard list and hands the results back:

- `local` (default): a process pool on this machine (`workers` <= 1: in this process);
- `dask`: a dask.distributed cluster. `scheduler=None` starts a LocalCluster on this machine
  (what the tests use); `tcp://host:8786` joins a running cluster (dask-jobqueue on Slurm,
  dask-kubernetes, `dask scheduler` + `dask worker` by hand). Chosen by the spike in
  bench/engines.py and docs/scaling.md: lowest start-up and per-task overhead of the three
  measured, a small pure-Python install, and cluster managers for Slurm, Kubernetes and YARN.

At most `inflight` shards are out at once (submitted, running, or finished but not yet handed
back), so the caller can generate shard arguments lazily and memory stays bounded whatever
the number of shards; `ordered=True` hands results back in shard order (the dataset build
merges that way, so its output does not depend on which worker finished first).

Dask is an optional extra (`pip install -e '.[cluster]'`), never a core dependency; the workers
need govwire installed and the store's credentials (the usual AWS environment or profile).
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from archive.errors import ArchiveError

__all__ = ["ENGINES", "EngineUnavailable", "ShardFailed", "map_shards", "run_shards"]

ENGINES = ("local", "dask")
_ADDRESS = re.compile(r"^(tcp|tls|inproc|ucx|ws|wss)://[^\s/:]+(:\d+)?/?$")


class EngineUnavailable(ArchiveError):
    """The engine cannot be used: its package is not installed, or its scheduler is unreachable."""


class ShardFailed(ArchiveError):
    """A shard raised, or the worker running it died; the run stops (nothing is committed)."""


def _one_line(e: BaseException) -> str:
    text = " ".join(str(e).split()) or type(e).__name__
    return text if len(text) < 300 else text[:297] + "..."


def _local(fn: Callable[..., Any], tasks: Iterable[tuple[Any, ...]], workers: int, ordered: bool,
           preload: tuple[str, ...], inflight: int) -> Iterator[tuple[int, Any]]:
    if workers <= 1:
        for i, args in enumerate(tasks):
            yield i, fn(*args)
        return
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    ctx = multiprocessing.get_context("forkserver")
    if preload:
        ctx.set_forkserver_preload(list(preload))
    pool = ProcessPoolExecutor(workers, mp_context=ctx)
    it = enumerate(tasks)
    running: dict[Future[Any], int] = {}
    done: dict[int, Any] = {}
    nxt = 0
    exhausted = False
    try:
        while True:
            while not exhausted and len(running) + len(done) < inflight:
                try:
                    i, args = next(it)
                except StopIteration:
                    exhausted = True
                    break
                running[pool.submit(fn, *args)] = i
            if not running and not done:
                break
            if running:
                finished, _ = wait(list(running), return_when=FIRST_COMPLETED)
                for fut in sorted(finished, key=lambda f: running[f]):
                    i = running.pop(fut)
                    try:
                        done[i] = fut.result()
                    except BrokenProcessPool:
                        raise ShardFailed(f"a worker process died while running shard {i + 1} (killed, "
                                          "or out of memory); nothing was committed") from None
                    except Exception as e:
                        raise ShardFailed(f"shard {i + 1} failed: {type(e).__name__}: {_one_line(e)}") from None
            if ordered:
                while nxt in done:
                    yield nxt, done.pop(nxt)
                    nxt += 1
            else:
                for i in sorted(done):
                    yield i, done.pop(i)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _dask_client(workers: int, scheduler: str | None) -> tuple[Any, Any]:
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise EngineUnavailable("the dask engine needs dask.distributed: pip install -e '.[cluster]'") from None
    if scheduler:
        if not _ADDRESS.match(scheduler):
            raise EngineUnavailable(f"--scheduler {scheduler!r}: not a dask scheduler address "
                                    "(e.g. tcp://10.0.0.5:8786)")
        try:
            return Client(scheduler, timeout="20s"), None
        except (OSError, TimeoutError, ValueError) as e:
            raise EngineUnavailable(f"cannot reach the dask scheduler at {scheduler}: {_one_line(e)}") from None
    cluster = LocalCluster(n_workers=max(1, workers), threads_per_worker=1, processes=True,
                           dashboard_address=None, host="127.0.0.1")
    return Client(cluster), cluster


def _dask(fn: Callable[..., Any], tasks: Iterable[tuple[Any, ...]], workers: int, ordered: bool,
          scheduler: str | None, inflight: int) -> Iterator[tuple[int, Any]]:
    from dask.distributed import as_completed

    client, cluster = _dask_client(workers, scheduler)
    try:
        if scheduler:  # keep every thread of a running cluster busy, however many cores are here
            try:
                inflight = max(inflight, 2 * sum(client.nthreads().values()))
            except Exception:  # an old or odd scheduler: the caller's figure stands
                pass
        it = enumerate(tasks)
        index: dict[str, int] = {}
        done: dict[int, Any] = {}
        nxt = 0
        pending = as_completed([], with_results=False)
        out = 0

        def fill() -> None:
            nonlocal out
            while out + len(done) < inflight:
                try:
                    i, args = next(it)
                except StopIteration:
                    return
                fut = client.submit(fn, *args, pure=False)
                index[fut.key] = i
                pending.add(fut)
                out += 1

        fill()
        for fut in pending:
            i = index.pop(fut.key)
            out -= 1
            try:
                done[i] = fut.result()
            except Exception as e:
                raise ShardFailed(f"shard {i + 1} failed: {type(e).__name__}: {_one_line(e)}") from None
            if ordered:
                while nxt in done:
                    yield nxt, done.pop(nxt)
                    nxt += 1
            else:
                yield i, done.pop(i)
            fill()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def map_shards(engine: str, fn: Callable[..., Any], tasks: Iterable[tuple[Any, ...]], workers: int,
               scheduler: str | None = None, ordered: bool = False, preload: tuple[str, ...] = (),
               inflight: int | None = None) -> Iterator[tuple[int, Any]]:
    """`fn(*args)` for every args tuple of `tasks` on `engine`; yields (shard index, result).

    Raises EngineUnavailable (engine not installed, scheduler unreachable) and ShardFailed (a
    shard raised or its worker died: the remaining shards are cancelled)."""
    limit = max(1, inflight if inflight is not None else 2 * max(1, workers))
    if engine == "local":
        return _local(fn, tasks, workers, ordered, preload, limit)
    if engine == "dask":
        return _dask(fn, tasks, workers, ordered, scheduler, limit)
    raise ValueError(f"unknown engine {engine!r} (known: {', '.join(ENGINES)})")


def run_shards(engine: str, store_uri: str, store_options: dict[str, Any], shards: list[str],
               options: Any, workers: int, on_result: Callable[[dict[str, Any]], None],
               scheduler: str | None = None) -> None:
    """reclean: map `archive.reclean.run_shard` over the WARC keys, `on_result` per finished shard."""
    from archive.reclean import run_shard

    tasks = ((store_uri, store_options, key, options) for key in shards)
    for _, result in map_shards(engine, run_shard, tasks, workers, scheduler=scheduler,
                                preload=("cleaners",), inflight=len(shards) or 1):
        on_result(result)
