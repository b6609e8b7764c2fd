"""Engine spike: the same reclean shards (one WARC each) on the local process pool, Dask, Ray and
datatrove, in their local modes on this machine, against bare trafilatura on the same pages.

    GOVWIRE_WARC_MAX_SIZE=12000 govwire demo --store /tmp/spike-store   # many small WARCs
    python bench/engines.py --store /tmp/spike-store [--workers 2] [--engines local,dask,ray,datatrove]

Each engine re-cleans every shard (restart: markers ignored, so every run does the full work)
and reports start-up time (cluster up), run time, pages/s and pages/s/core; the baseline is
`trafilatura.extract()` on the same response bodies in one process (pages/s on one core).
Engines that are not installed are reported as such (pip install dask[distributed] ray datatrove).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
# bench/distributed.py would shadow the `distributed` package dask imports
sys.path = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(REPO))

from archive.reclean import RecleanOptions, list_shards, run_local, run_shard  # noqa: E402
from archive.storage import open_store  # noqa: E402


def _bodies(store_uri: str, shards: list[str]) -> list[bytes]:
    from warcio.archiveiterator import ArchiveIterator

    store = open_store(store_uri)
    out = []
    for key in shards:
        with open(store.local_path(key), "rb") as f:  # type: ignore[arg-type]
            for rec in ArchiveIterator(f):
                ctype = rec.http_headers.get_header("Content-Type") if rec.http_headers else ""
                if rec.rec_type == "response" and ctype and "html" in ctype:
                    out.append(rec.content_stream().read())
    return out


def trafilatura_baseline(bodies: list[bytes]) -> dict[str, Any]:
    import trafilatura

    trafilatura.extract(bodies[0].decode("utf-8", "replace"))
    t = time.process_time()
    for b in bodies:
        trafilatura.extract(b.decode("utf-8", "replace"))
    secs = time.process_time() - t
    return {"pages": len(bodies), "cpu_s": round(secs, 2), "pages_per_s_core": round(len(bodies) / secs, 1)}


def _collect() -> tuple[list[dict[str, Any]], Any]:
    results: list[dict[str, Any]] = []
    return results, results.append


def run_engine(name: str, store: str, shards: list[str], workers: int) -> dict[str, Any]:
    opts = RecleanOptions(restart=True)
    results, add = _collect()
    t0 = time.perf_counter()
    up = 0.0
    if name == "local":
        run_local(store, {}, shards, opts, workers, add)
    elif name == "dask":
        from dask.distributed import Client, LocalCluster, as_completed

        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                               host="127.0.0.1")
        client = Client(cluster)
        up = time.perf_counter() - t0
        futs = client.map(run_shard, [store] * len(shards), [{}] * len(shards), shards, [opts] * len(shards),
                          pure=False)
        for f in as_completed(futs):
            add(f.result())
        client.close()
        cluster.close()
    elif name == "ray":
        import ray

        ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False, _node_ip_address="127.0.0.1")
        task = ray.remote(run_shard)
        up = time.perf_counter() - t0
        for r in ray.get([task.remote(store, {}, k, opts) for k in shards]):
            add(r)
        ray.shutdown()
    elif name == "datatrove":
        from datatrove.executor import LocalPipelineExecutor
        from datatrove.pipeline.base import PipelineStep

        class Reclean(PipelineStep):
            name = "reclean"

            def run(self, data: Any, rank: int = 0, world_size: int = 1) -> Any:
                for key in shards[rank::world_size]:
                    r = run_shard(store, {}, key, opts)
                    Path(logs, f"r-{rank}-{abs(hash(key))}.json").write_text(json.dumps(r))
                yield from ()

        logs = Path(store).parent / "datatrove-results"
        logs.mkdir(exist_ok=True)
        ex = LocalPipelineExecutor(pipeline=[Reclean()], tasks=workers, workers=workers,
                                   logging_dir=str(Path(store).parent / "datatrove-logs"), skip_completed=False)
        up = time.perf_counter() - t0
        ex.run()
        for p in logs.glob("r-*.json"):
            add(json.loads(p.read_text()))
            p.unlink()
    secs = time.perf_counter() - t0
    docs = sum(r["documents"] for r in results)
    cpu = sum(r.get("cpu_seconds", 0.0) for r in results)
    return {"engine": name, "shards": len(results), "documents": docs, "startup_s": round(up, 2),
            "worker_cpu_s": round(cpu, 2), "pages_per_cpu_s": round(docs / cpu, 1) if cpu else 0.0,
            "wall_s": round(secs, 2), "pages_per_s": round(docs / secs, 1),
            "pages_per_s_core": round(docs / secs / workers, 1)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--store", required=True)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--engines", default="local,dask,ray,datatrove")
    a = ap.parse_args()
    store = str(Path(a.store).resolve())
    shards = list_shards(open_store(store), RecleanOptions())
    out: dict[str, Any] = {"shards": len(shards), "workers": a.workers, "cores": os.cpu_count()}
    out["trafilatura"] = trafilatura_baseline(_bodies(store, shards))
    for name in [e.strip() for e in a.engines.split(",") if e.strip()]:
        try:
            out[name] = run_engine(name, store, shards, a.workers)
        except ImportError as e:
            out[name] = {"engine": name, "error": f"not installed ({e.name}): {e}"}
        print(json.dumps(out[name]), file=sys.stderr)
    base = out["trafilatura"]["pages_per_s_core"]
    for name in ("local", "dask", "ray", "datatrove"):
        if name in out and "pages_per_s_core" in out[name]:
            out[name]["vs_trafilatura_per_core"] = round(out[name]["pages_per_s_core"] / base, 2)
            if out[name].get("pages_per_cpu_s"):
                out[name]["cpu_vs_trafilatura"] = round(out[name]["pages_per_cpu_s"] / base, 2)
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
