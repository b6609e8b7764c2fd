"""Benchmark `govwire dataset build` on synthetic stores, plain and boilerplate-heavy.

    .venv/bin/python bench/dataset.py                          # 50k: plain, then boilerplate
    .venv/bin/python bench/dataset.py --sizes 50000,200000 --variants boilerplate
    .venv/bin/python bench/dataset.py --sizes 2000
    .venv/bin/python bench/dataset.py --sizes 20000 --variants plain --runs 1,local:2,dask:2

`--runs` builds the same store once per entry (`1`: in one process; `local:N`: a pool of N
worker processes; `dask:N`: a dask LocalCluster of N workers) and prints wall time, CPU time of
the build and its workers (RUSAGE_SELF + RUSAGE_CHILDREN of the build's process), documents
per second, per second per worker and per CPU-second, the speedup over the first entry and the
cores the run got (CPU / wall: on a shared machine, what bounds the speedup);
it checks that every run wrote the same files. CPU time of the build and all its descendants:
reaped ones through RUSAGE_CHILDREN, live ones (the pool's forkserver, which reaps the pool's
workers) through psutil.

Each build runs in its own process so peak RSS (ru_maxrss) belongs to that build alone; the
line for the boilerplate variant prints its time as a ratio to the plain variant of the same
size measured in the same run. The plain store mixes GOV.UK releases (35 %), near-verbatim
copies (25 %), PA-style partial rewrites (20 %), exact duplicates (5 %) and unrelated stories
(15 %). The boilerplate variant is the same mix where every release of each of 20 departments
carries its department's 3 standard paragraphs and a government-wide "notes to editors"
paragraph, and the near-verbatim copies are verbatim reprints (standard paragraphs included):
the case that used to make every release a candidate for every copy.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections import deque
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# bench/distributed.py would shadow the `distributed` package dask imports
sys.path = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(ROOT))

from archive.keys import doc_key  # noqa: E402


def _vocab(rng: random.Random) -> list[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    return ["".join(rng.choice(letters) for _ in range(rng.randint(3, 9))) for _ in range(20000)]


def _para(rng: random.Random, vocab: list[str], n: int) -> str:
    return " ".join(rng.choices(vocab, k=n)).capitalize() + "."


def _doc(site: str, outlet: str, url: str, text: str, published: str, i: int,
         meta: dict[str, object] | None = None) -> dict[str, object]:
    payload = "sha1:" + hashlib.sha1(f"{url}{text}".encode()).hexdigest()
    return {"id": hashlib.sha256(f"{url}\n{payload}".encode()).hexdigest()[:32], "url": url,
            "final_url": url, "canonical_url": url, "site": site, "outlet": outlet,
            "cleaner": site, "cleaner_version": "bench", "title": text.split("\n\n")[0][:80],
            "authors": [], "published": published, "modified": None, "language": "en",
            "description": None, "text": text, "word_count": len(text.split()),
            "content_digest": "sha256:" + hashlib.sha256(text.encode()).hexdigest(),
            "removed": [], "metadata": meta or {},
            "warc": {"file": f"warcs/{site}/x.warc.gz", "offset": i * 1000, "length": 999,
                     "record_id": f"<urn:uuid:{i}>"},
            "payload_digest": payload, "fetched_at": published, "status": 200}


def generate(root: Path, n: int, seed: int = 6, boilerplate: bool = False, days: int = 365) -> None:
    """Write n synthetic documents under docs/ (plain file writes: a fixture, not the pipeline)."""
    rng = random.Random(seed)
    vocab = _vocab(rng)
    depts = [f"department-{d}" for d in range(20)]
    standard = {d: [_para(rng, vocab, rng.randint(30, 50)) for _ in range(3)] for d in depts}
    notes = _para(rng, vocab, 40)
    recent: deque[tuple[str, list[str]]] = deque(maxlen=200)
    last_copy: tuple[str, str] | None = None
    for i in range(n):
        # `days` days, in order: a copy follows its source by hours to days
        published = (datetime(2025, 1, 1, tzinfo=timezone.utc)
                     + timedelta(seconds=i * days * 86400 // n)).isoformat()
        r = rng.random()
        if r < 0.35 or not recent:
            paras = [_para(rng, vocab, rng.randint(30, 70)) for _ in range(rng.randint(8, 16))]
            dept = depts[i % len(depts)]
            if boilerplate:
                paras = paras + standard[dept] + [notes]
            url = f"https://www.gov.uk/government/news/release-{i}"
            recent.append((url, paras))
            doc = _doc("govuk", "GOV.UK", url, "\n\n".join(paras), published, i,
                       {"organisations": [{"slug": dept, "title": dept}]})
        elif r < 0.60:
            src, paras = rng.choice(recent)
            cut = paras if boilerplate else paras[: max(3, len(paras) - rng.randint(0, 4))]
            text = "\n\n".join(p.replace("a", "a", 1) for p in cut).upper().lower()
            url = f"https://www.wired-gov.net/wg/news.nsf/articles/{i}"
            doc = _doc("wiredgov", "Wired-Gov", url, text, published, i, {"source_url": src})
            last_copy = (url, text)
        elif r < 0.80:
            _, paras = rng.choice(recent)
            quoted = rng.sample(paras, k=min(4, len(paras)))
            own = [_para(rng, vocab, rng.randint(20, 50)) for _ in range(rng.randint(4, 9))]
            text = "\n\n".join(own[:2] + quoted + own[2:])
            url = f"https://www.independent.co.uk/news/{i}.html"
            doc = _doc("independent", "The Independent", url, text, published, i)
        elif r < 0.85 and last_copy:
            url = f"{last_copy[0]}?amp={i}"
            doc = _doc("wiredgov", "Wired-Gov", url, last_copy[1], published, i)
        else:
            text = "\n\n".join(_para(rng, vocab, rng.randint(30, 60)) for _ in range(rng.randint(5, 12)))
            url = f"https://www.miragenews.com/story-{i}/"
            doc = _doc("mirage", "Mirage News", url, text, published, i)
        key = doc_key(str(doc["site"]), url, str(doc["payload_digest"]))
        path = root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(doc), encoding="utf-8")


def _cpu() -> float:
    """CPU seconds of this process and every descendant: reaped ones (RUSAGE_CHILDREN) and live
    ones with what they reaped (the pool's forkserver outlives the build and reaps its workers)."""
    import psutil
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    total = own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime
    for p in psutil.Process().children(recursive=True):
        try:
            t = p.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += t.user + t.system + t.children_user + t.children_system
    return total


def run_one(store: str, out: str, runner: str = "1") -> None:
    """One build in this process; prints a JSON line with time and peak RSS."""
    import gc
    gc.collect()
    from archive.dataset import BuildOptions, build_dataset
    from archive.dataset.build import Runner
    from archive.storage import LocalStore
    engine, _, n = runner.rpartition(":")
    r = Runner(engine=engine or "local", workers=int(n))
    t0, c0 = time.perf_counter(), _cpu()
    s = build_dataset(LocalStore(store), LocalStore(out), BuildOptions(), runner=r)
    secs, cpu = time.perf_counter() - t0, _cpu() - c0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"docs": s.documents_read, "rows": s.rows_total, "links": s.links,
                      "candidates": s.candidates, "common": s.common_shingles,
                      "not_archived": s.source_not_archived, "blocks": s.peak_window_blocks,
                      "shards": s.shards_total, "seconds": round(secs, 2), "cpu_seconds": round(cpu, 2),
                      "docs_per_s": round(s.documents_read / secs), "peak_rss_mb": round(rss)}))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="50000")
    ap.add_argument("--variants", default="plain,boilerplate")
    ap.add_argument("--days", type=int, default=365,
                    help="days the documents' dates span (small stores: use a few days, so copies "
                    "stay near their sources as they do in a real archive)")
    ap.add_argument("--runs", help="compare runners on one store: e.g. 1,local:2,dask:2")
    ap.add_argument("--run-one", nargs="+", metavar="STORE OUT [RUNNER]", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.run_one:
        run_one(*args.run_one)
        return 0
    if args.runs:
        return compare_runs(args)
    for n in (int(x) for x in args.sizes.split(",")):
        plain_secs = None
        for variant in args.variants.split(","):
            with tempfile.TemporaryDirectory(prefix="govwire-bench-") as tmp:
                t0 = time.perf_counter()
                generate(Path(tmp, "store"), n, boilerplate=variant == "boilerplate", days=args.days)
                gen = time.perf_counter() - t0
                res = subprocess.run([sys.executable, __file__, "--run-one", f"{tmp}/store", f"{tmp}/out"],
                                     check=True, capture_output=True, text=True)
                r = json.loads(res.stdout.strip().splitlines()[-1])
            if variant == "plain":
                plain_secs = r["seconds"], r["cpu_seconds"]
            ratio = (f" ({r['seconds'] / plain_secs[0]:.2f}x plain; CPU {r['cpu_seconds'] / plain_secs[1]:.2f}x)"
                     if plain_secs and variant != "plain" else "")
            print(f"{n:>7} documents, {variant:<11}: build {r['seconds']}s, CPU {r['cpu_seconds']}s"
                  f"{ratio} = {r['docs_per_s']} docs/s, peak RSS {r['peak_rss_mb']} MB, {r['rows']} rows, {r['links']} links "
                  f"({r['candidates']} candidates, {r['not_archived']} source not archived), "
                  f"{r['common']} common shingles, {r['blocks']} window blocks at most, "
                  f"{r['shards']} shards (generated in {gen:.0f}s)", flush=True)
    return 0


def _tree(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and ".spool" not in p.parts}


def compare_runs(args: argparse.Namespace) -> int:
    """The same store built by each runner of --runs, each in its own process."""
    import os
    for n in (int(x) for x in args.sizes.split(",")):
        for variant in args.variants.split(","):
            with tempfile.TemporaryDirectory(prefix="govwire-bench-") as tmp:
                generate(Path(tmp, "store"), n, boilerplate=variant == "boilerplate", days=args.days)
                first: tuple[float, dict[str, str]] | None = None
                for runner in args.runs.split(","):
                    out = Path(tmp, f"out-{runner.replace(':', '-')}")
                    load = os.getloadavg()[0]
                    res = subprocess.run([sys.executable, __file__, "--run-one", f"{tmp}/store", str(out),
                                          runner if ":" in runner else f"local:{runner}"],
                                         check=True, capture_output=True, text=True)
                    r = json.loads(res.stdout.strip().splitlines()[-1])
                    workers = int(runner.rpartition(":")[2])
                    tree = _tree(out)
                    if first is None:
                        first = (r["seconds"], tree)
                    same = "same files" if tree == first[1] else "FILES DIFFER"
                    print(f"{n:>7} documents, {variant}, {runner:<8}: wall {r['seconds']:7.1f} s, "
                          f"CPU {r['cpu_seconds']:7.1f} s, {r['docs_per_s']:5d} docs/s, "
                          f"{r['docs_per_s'] / workers:6.1f} docs/s per worker, "
                          f"{r['docs'] / r['cpu_seconds']:6.1f} docs per CPU-second, "
                          f"speedup {first[0] / r['seconds']:.2f}x, cores used (CPU/wall) "
                          f"{r['cpu_seconds'] / r['seconds']:.2f}, peak RSS (main) {r['peak_rss_mb']} MB, "
                          f"{r['links']} links, {same} (load before {load:.2f})", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
