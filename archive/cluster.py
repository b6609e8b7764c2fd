"""Run reclean shards (one WARC file each) on an established engine instead of the local pool.

The shard function is the same everywhere (`archive.reclean.run_shard`: store URI, options,
WARC key in; a dict out), so an engine only has to map it over the shard list:

- `local` (default): a process pool on this machine (archive/reclean.py `run_local`);
- `dask`: a dask.distributed cluster. `scheduler=None` starts a LocalCluster on this machine
  (what the tests use); `tcp://host:8786` joins a running cluster (dask-jobqueue on Slurm,
  dask-kubernetes, `dask scheduler` + `dask worker` by hand). Chosen by the spike in
  bench/engines.py and docs/scaling.md: lowest start-up and per-task overhead of the three
  measured, a small pure-Python install, and cluster managers for Slurm, Kubernetes and YARN.

Dask is an optional extra (`pip install -e '.[cluster]'`), never a core dependency; the workers
need govwire installed and the store's credentials (the usual AWS environment or profile).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from archive.reclean import RecleanOptions, run_local, run_shard

__all__ = ["ENGINES", "run_shards"]

ENGINES = ("local", "dask")


class EngineUnavailable(RuntimeError):
    """The engine's package is not installed."""


def _run_dask(store_uri: str, store_options: dict[str, Any], shards: list[str], options: RecleanOptions,
              workers: int, on_result: Callable[[dict[str, Any]], None], scheduler: str | None) -> None:
    try:
        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise EngineUnavailable("the dask engine needs dask.distributed: pip install -e '.[cluster]'") from None
    cluster = None
    if scheduler:
        client = Client(scheduler, timeout="30s")
    else:
        cluster = LocalCluster(n_workers=max(1, workers), threads_per_worker=1, processes=True,
                               dashboard_address=None, host="127.0.0.1")
        client = Client(cluster)
    try:
        futures = client.map(run_shard, [store_uri] * len(shards), [store_options] * len(shards), shards,
                             [options] * len(shards), pure=False)
        for fut in as_completed(futures):
            on_result(fut.result())
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def run_shards(engine: str, store_uri: str, store_options: dict[str, Any], shards: list[str],
               options: RecleanOptions, workers: int, on_result: Callable[[dict[str, Any]], None],
               scheduler: str | None = None) -> None:
    """Map the shard function over `shards` on `engine`, calling `on_result` per finished shard."""
    if engine == "local":
        run_local(store_uri, store_options, shards, options, workers, on_result)
    elif engine == "dask":
        _run_dask(store_uri, store_options, shards, options, workers, on_result, scheduler)
    else:
        raise ValueError(f"unknown engine {engine!r} (known: {', '.join(ENGINES)})")
