"""Crawl benchmark: the full govwire pipeline vs a bare Scrapy spider doing the same fetches.

    python bench/crawl.py                 # 2,000 pages: pages/s of both, ratio, peak RSS at 1k
    python bench/crawl.py --pages 10000   # the 10k case (slower): peak RSS at 1k and 10k
    python bench/crawl.py --keep DIR      # keep the generated site / store for inspection
    python bench/crawl.py --only bare,deferred,reclean,trafilatura   # a subset of the modes
    python bench/crawl.py --only bare,deferred --rounds 5   # alternate, report the median round

A synthetic site of realistic ~100 KB news pages (inline scripts and JSON hydration data, nav
and footer link lists, 20-40 paragraphs, a few de-duplicated links to other articles) is
generated in a temp dir, served by a separate process on 127.0.0.1 (so serving does not compete
with the crawler for the GIL), and listed in a sitemap. Each crawl runs in its own process
(one Twisted reactor per process) with identical downloader settings; both obey robots.txt.
(a) `urls` spider with `-a sitemap=…` through run_spiders(): WARC capture, conditional-request
middleware, archive pipeline with cleaning, local store. (b) a plain scrapy.Spider that parses the
sitemap and fetches every page, extracting only the title. RSS is sampled in the crawling process.
(c) `deferred`: (a) with `--defer-clean` (fetch + WARC + capture records, no cleaning).
(d) `reclean`: `govwire reclean --workers 1` over (c)'s store: documents from the WARCs, one core.
(e) `trafilatura`: bare `trafilatura.extract()` over the same pages on one core, read from disk,
the cost inline cleaning is compared with (issue 11: no more than bare trafilatura); the two
sides take turns of 50 pages, so load drift on a shared machine hits both.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
# the benchmark's pages are served on loopback, which govwire refuses unless allowed
os.environ.setdefault("GOVWIRE_ALLOW_ADDRESSES", "127.0.0.1")
_WORDS = ("government minister council funding report policy public service people local national "
          "health education transport housing energy security border police court data digital "
          "research industry business workers families children schools hospital review committee "
          "announced today said plans new million billion year week support agreement partners "
          "international region community rural urban climate investment growth trade export "
          "consultation response proposals evidence inquiry standards safety regulator independent "
          "spokesperson department office secretary chief executive director programme project "
          "figures analysis survey increase decrease record average percent across between under "
          "over after before during while because although however meanwhile further including").split()


# ---------------------------------------------------------------------------------------------
# The synthetic site

def _sentence(rng: random.Random) -> str:
    n = rng.randint(12, 28)
    w = [rng.choice(_WORDS) for _ in range(n)]
    return w[0].capitalize() + " " + " ".join(w[1:]) + rng.choice((".", ".", ".", ",", ";")).replace(",", ".").replace(";", ".")


def _page(i: int, n: int, rng: random.Random) -> str:
    title = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(6, 11))).capitalize()
    paras = "\n".join(f"<p>{' '.join(_sentence(rng) for _ in range(rng.randint(2, 5)))}</p>"
                      for _ in range(rng.randint(20, 40)))
    related = sorted({rng.randrange(n) for _ in range(6)} - {i})[:5]
    rel = "".join(f'<li><a href="/news/article-{j:05d}.html">Related story {j}</a></li>' for j in related)
    nav = "".join(f'<li><a href="/section/{w}">{w.title()}</a></li>' for w in _WORDS[:60])
    foot = "".join(f'<li><a href="/info/{w}">{w}</a></li>' for w in _WORDS[60:120])
    # News pages carry most of their weight in scripts and hydration JSON, not in elements.
    blob = json.dumps({"article": {"id": i, "title": title, "body": paras[:20000]},
                       "config": {f"k{k}": _sentence(rng) for k in range(120)}})
    script = "var a=" + json.dumps([_sentence(rng) for _ in range(150)]) + ";"
    html = f"""<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8"><title>{title} | Bench News</title>
<meta name="description" content="{_sentence(rng)}"><link rel="canonical" href="/news/article-{i:05d}.html">
<script>{script}</script><style>{'.c{margin:0;padding:0}' * 400}</style></head>
<body><header><nav><ul>{nav}</ul></nav></header><main><article><h1>{title}</h1>
<p class="byline">By Staff Reporter</p><time datetime="2025-10-09T10:00:00Z">9 October 2025</time>
<div class="body">{paras}</div></article><aside><h2>Related</h2><ul>{rel}</ul></aside></main>
<footer><ul>{foot}</ul></footer><script type="application/json" id="__DATA__">{blob}</script></body></html>
"""
    target = 100_000
    if len(html) < target:  # top up to ~100 KB with more hydration data, as real pages do
        html = html.replace("</body>", f"<script>var pad={json.dumps(_sentence(rng) * ((target - len(html)) // 60))};</script></body>")
    return html


def generate_site(root: Path, n: int) -> None:
    (root / "news").mkdir(parents=True, exist_ok=True)
    rng = random.Random(20251009)
    locs = []
    for i in range(n):
        (root / "news" / f"article-{i:05d}.html").write_text(_page(i, n, rng), encoding="utf-8")
        locs.append(f"<url><loc>{{base}}/news/article-{i:05d}.html</loc><lastmod>2025-10-09</lastmod></url>")
    (root / "sitemap.tmpl").write_text('<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/'
                                       'schemas/sitemap/0.9">\n' + "\n".join(locs) + "\n</urlset>\n", encoding="utf-8")
    (root / "robots.txt").write_text("User-agent: *\nDisallow: /private/\n", encoding="utf-8")


def serve(root: Path) -> None:
    """Child process: serve `root` on 127.0.0.1:0, print the base URL, run until killed."""
    class Handler(SimpleHTTPRequestHandler):
        def log_message(self, *a: Any) -> None:
            pass

        def do_GET(self) -> None:
            if self.path == "/sitemap.xml":
                body = (root / "sitemap.tmpl").read_text().replace("{base}", base).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            super().do_GET()

    class Server(ThreadingHTTPServer):
        # socketserver's listen backlog is 5: a burst of 16 connects overflowed it and the
        # dropped SYNs came back after TCP's 1 s retransmit timeout, stalls that said nothing
        # about the crawler (measured: 100 of 2,000 fetches took ~1 s). Real servers allow more.
        request_queue_size = 1024

    httpd = Server(("127.0.0.1", 0), partial(Handler, directory=str(root)))
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    print(base, flush=True)
    httpd.serve_forever()


# ---------------------------------------------------------------------------------------------
# Measuring inside the crawling process

def _rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


class BenchProbe:
    """Scrapy extension: counts page responses, samples RSS, writes a JSON result at close."""

    def __init__(self, crawler: Any) -> None:
        from scrapy import signals

        self.out = crawler.settings.get("BENCH_OUT")
        self.pages = 0
        self.t0 = self.t1 = 0.0
        self.peak = 0
        self.at: dict[str, int] = {}
        self._stop = threading.Event()
        crawler.signals.connect(self.opened, signal=signals.spider_opened)
        crawler.signals.connect(self.response, signal=signals.response_received)
        crawler.signals.connect(self.closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Any) -> BenchProbe:
        return cls(crawler)

    def _sample(self) -> None:
        while not self._stop.wait(0.2):
            self.peak = max(self.peak, _rss())

    def opened(self, spider: Any) -> None:
        self.t0 = time.perf_counter()
        threading.Thread(target=self._sample, daemon=True).start()

    def response(self, response: Any, request: Any, spider: Any) -> None:
        if "/news/" not in response.url:
            return
        self.pages += 1
        self.t1 = time.perf_counter()
        self.peak = max(self.peak, _rss())
        for mark in (1000, 10000):
            if self.pages == mark:
                self.at[str(mark)] = self.peak

    def closed(self, spider: Any, reason: str) -> None:
        self._stop.set()
        secs = (self.t1 or time.perf_counter()) - self.t0
        res = {"pages": self.pages, "seconds": round(secs, 2), "pages_per_s": round(self.pages / secs, 1) if secs else 0,
               "peak_rss_mb": round(max(self.peak, _rss()) / 2**20, 1),
               "rss_mb_at": {k: round(v / 2**20, 1) for k, v in self.at.items()},
               "ru_maxrss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
               "finish_reason": reason}
        Path(self.out).write_text(json.dumps(res))


COMMON = {"CONCURRENT_REQUESTS": 16, "CONCURRENT_REQUESTS_PER_DOMAIN": 16, "DOWNLOAD_DELAY": 0,
          "AUTOTHROTTLE_ENABLED": False, "ROBOTSTXT_OBEY": True, "LOG_LEVEL": "ERROR",
          "TELNETCONSOLE_ENABLED": False, "COOKIES_ENABLED": False, "RETRY_ENABLED": False,
          "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
          "DEFAULT_REQUEST_HEADERS": {"Accept-Encoding": "gzip, deflate"}}


def child_govwire(sitemap: str, store: str, out: str, defer: bool = False) -> None:
    sys.path.insert(0, str(REPO))
    from crawler.runner import project_settings, run_spiders

    ext = dict(project_settings(None).getdict("EXTENSIONS"))
    ext["__main__.BenchProbe"] = 900
    settings = {**COMMON, "EXTENSIONS": ext, "BENCH_OUT": out, "GOVWIRE_PROGRESS_INTERVAL": 0,
                "GOVWIRE_LOCK": False, "GOVWIRE_DEFER_CLEAN": defer, "GOVWIRE_TELEMETRY": False,
                "GOVWIRE_BOILERPLATE": False}
    summary = run_spiders([("urls", {"sitemap": sitemap})], store_uri=store, settings=settings)
    res = json.loads(Path(out).read_text())
    res["summary"] = {k: v for k, v in summary.to_dict().items() if k != "sites"}
    Path(out).write_text(json.dumps(res))


def child_bare(sitemap: str, out: str) -> None:
    import scrapy
    from scrapy.crawler import CrawlerProcess

    class Bare(scrapy.Spider):
        name = "bare"

        async def start(self) -> Any:
            yield scrapy.Request(sitemap, callback=self.parse_sitemap)

        def parse_sitemap(self, response: Any) -> Any:
            for u in dict.fromkeys(re.findall(r"<loc>([^<]+)</loc>", response.text)):
                yield scrapy.Request(u, callback=self.parse_page)

        def parse_page(self, response: Any) -> Any:
            yield {"url": response.url, "title": response.css("title::text").get()}

    process = CrawlerProcess({**COMMON, "EXTENSIONS": {"__main__.BenchProbe": 900}, "BENCH_OUT": out})
    process.crawl(Bare)
    process.start()


_BLOCK = 50  # pages per turn when the two sides alternate (see child_trafilatura)


def child_trafilatura(root: str, out: str) -> None:
    """Bare trafilatura on one core over the pages on disk, and govwire's clean() on the same.

    The two sides take turns, 50 pages each (which goes first alternates), and each side's CPU
    time is summed over its turns: on a shared machine the load drifts within a minute, and a
    run of all of one side and then all of the other gave ratios that moved by +-0.2 with it.
    """
    import trafilatura

    sys.path.insert(0, str(REPO))
    from cleaners import clean

    pages = [p.read_bytes() for p in sorted((Path(root) / "news").iterdir())]
    res: dict[str, Any] = {"pages": len(pages)}
    sides = (("trafilatura", lambda b: trafilatura.extract(b.decode("utf-8"))),
             ("clean", lambda b: clean(b, "http://127.0.0.1/news/x.html")))
    secs = {name: 0.0 for name, _ in sides}
    for _, fn in sides:
        fn(pages[0])  # warm up
    for turn, start in enumerate(range(0, len(pages), _BLOCK)):
        block = pages[start:start + _BLOCK]
        for name, fn in (sides if turn % 2 == 0 else sides[::-1]):
            t = time.process_time()
            for b in block:
                fn(b)
            secs[name] += time.process_time() - t
    for name, _ in sides:
        res[name] = {"cpu_s": round(secs[name], 2), "pages_per_s": round(len(pages) / secs[name], 1)}
    Path(out).write_text(json.dumps(res))


def run_reclean(store: str) -> dict[str, Any]:
    t = time.perf_counter()
    p = subprocess.run([sys.executable, "-m", "crawler.cli", "reclean", "--store", store, "--workers", "1",
                        "--progress-interval", "0"], capture_output=True, text=True, cwd=REPO, check=True)
    summary = json.loads(p.stdout.strip().splitlines()[-1])
    return {"pages": summary["documents"], "seconds": summary["seconds"], "pages_per_s": summary["pages_per_second"],
            "pages_per_cpu_s": summary.get("pages_per_cpu_second"),
            "wall_s": round(time.perf_counter() - t, 1)}


# ---------------------------------------------------------------------------------------------

def _proc_table() -> dict[int, tuple[int, float]]:
    """pid -> (parent pid, CPU seconds so far) of every process we can see."""
    hz = os.sysconf("SC_CLK_TCK")
    out: dict[int, tuple[int, float]] = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            out[int(d)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / hz)
    return out


class DescendantCpu(threading.Thread):
    """CPU of a child's descendants (cleaning workers, the WARC and object helpers): they are
    forkserver children, reaped by the forkserver, so RUSAGE_CHILDREN never sees them. Sampled
    every 0.1 s from /proc; the last sample of each counts (an undercount of <= 0.1 s each)."""

    def __init__(self, root: int) -> None:
        super().__init__(daemon=True)
        self.root = root
        self.seen: dict[int, float] = {}
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.1):
            table = _proc_table()
            tree = {self.root}
            grew = True
            while grew:
                grew = False
                for pid, (ppid, _) in table.items():
                    if ppid in tree and pid not in tree:
                        tree.add(pid)
                        grew = True
            for pid in tree - {self.root}:
                self.seen[pid] = table[pid][1]

    @property
    def cpu_s(self) -> float:
        return sum(self.seen.values())


def run_child(args: list[str]) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        out = f.name
    t = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.Popen([sys.executable, __file__, *args, "--out", out], cwd=REPO)
    helpers = DescendantCpu(proc.pid)
    helpers.start()
    if proc.wait() != 0:
        raise subprocess.CalledProcessError(proc.returncode, args)
    helpers.done.set()
    helpers.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    res = json.loads(Path(out).read_text())
    res["wall_s"] = round(time.perf_counter() - t, 1)
    # the child's whole CPU (all threads, start-up included) plus its helper processes':
    # steadier than pages/s under load, and what a loaded machine pays
    own = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    res["cpu_s"] = round(own + helpers.cpu_s, 2)
    res["helper_cpu_s"] = round(helpers.cpu_s, 2)
    os.unlink(out)
    return res


def _median_round(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """Each mode's median round, and the median of the within-round ratios to bare."""
    out: dict[str, Any] = {}
    for mode in rounds[0]:
        ranked = sorted(rounds, key=lambda r: r[mode]["pages_per_s"])
        out[mode] = ranked[len(ranked) // 2][mode]
    for side in ("govwire", "deferred"):
        if side in rounds[0] and "bare" in rounds[0]:
            ratios = sorted(r[side]["pages_per_s"] / r["bare"]["pages_per_s"] for r in rounds)
            out[f"ratio_{side}"] = round(ratios[len(ratios) // 2], 2)
            out[f"ratio_{side}_rounds"] = [round(x, 2) for x in ratios]
            out[f"cpu_per_page_{side}_vs_bare"] = round(
                sorted(r[side]["cpu_s"] / r["bare"]["cpu_s"] for r in rounds)[len(rounds) // 2], 2)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--pages", type=int, default=2000, help="pages in the synthetic site (default 2000; 10000 for the RSS case)")
    ap.add_argument("--keep", metavar="DIR", help="generate into DIR and keep it (site/ and store/)")
    ap.add_argument("--only", default="bare,govwire,deferred,reclean,trafilatura",
                    help="comma-separated modes (default: all): bare, govwire, deferred, reclean, trafilatura")
    ap.add_argument("--json", action="store_true", help="print the results as JSON")
    ap.add_argument("--rounds", type=int, default=1,
                    help="run the crawl modes this many times, alternating their order; report the "
                         "median round (ratios are taken within each round, then the median)")
    ap.add_argument("--child", choices=("govwire", "deferred", "bare", "serve", "trafilatura"), help=argparse.SUPPRESS)
    ap.add_argument("--sitemap", help=argparse.SUPPRESS)
    ap.add_argument("--store", help=argparse.SUPPRESS)
    ap.add_argument("--root", help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.child == "serve":
        serve(Path(a.root))
        return 0
    if a.child in ("govwire", "deferred"):
        child_govwire(a.sitemap, a.store, a.out, defer=a.child == "deferred")
        return 0
    if a.child == "trafilatura":
        child_trafilatura(a.root, a.out)
        return 0
    if a.child == "bare":
        child_bare(a.sitemap, a.out)
        return 0

    work = Path(a.keep) if a.keep else Path(tempfile.mkdtemp(prefix="govwire-bench-"))
    site = work / "site"
    t = time.perf_counter()
    generate_site(site, a.pages)
    size = sum(p.stat().st_size for p in (site / "news").iterdir())
    print(f"generated {a.pages} pages, {size / a.pages / 1000:.0f} KB average, in {time.perf_counter() - t:.1f}s",
          file=sys.stderr)
    server = subprocess.Popen([sys.executable, __file__, "--child", "serve", "--root", str(site)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        base = server.stdout.readline().strip()
        sitemap = f"{base}/sitemap.xml"
        results: dict[str, Any] = {"pages": a.pages, "avg_page_kb": round(size / a.pages / 1000),
                                   "cores": os.cpu_count()}
        modes = [m.strip() for m in a.only.split(",") if m.strip()]
        crawls = [m for m in ("bare", "govwire", "deferred") if m in modes or (m == "deferred" and "reclean" in modes)]
        rounds: list[dict[str, Any]] = []
        for n in range(max(1, a.rounds)):
            got: dict[str, Any] = {}
            for mode in (crawls if n % 2 == 0 else crawls[::-1]):  # alternate: drift hits both sides
                store = work / ("store" if mode == "govwire" else "store-deferred")
                shutil.rmtree(store, ignore_errors=True)
                extra = [] if mode == "bare" else ["--store", str(store)]
                got[mode] = run_child(["--child", mode, "--sitemap", sitemap, *extra])
            rounds.append(got)
        results.update(_median_round(rounds))
        if len(rounds) > 1:
            results["rounds"] = [{m: r[m]["pages_per_s"] for m in r} for r in rounds]
    finally:
        server.terminate()
        server.wait()
    if "reclean" in modes:
        results["reclean"] = run_reclean(str(work / "store-deferred"))
    if "trafilatura" in modes:
        results["extract"] = run_child(["--child", "trafilatura", "--root", str(site)])
    if "ratio_govwire" in results:
        results["ratio"] = results["ratio_govwire"]
    if "extract" in results:
        ex = results["extract"]
        results["clean_vs_trafilatura_cpu"] = round(ex["clean"]["cpu_s"] / ex["trafilatura"]["cpu_s"], 2)
        if "reclean" in results and results["reclean"]["pages_per_s"]:
            results["reclean_vs_trafilatura"] = round(results["reclean"]["pages_per_s"]
                                                      / ex["trafilatura"]["pages_per_s"], 2)
    if a.json:
        print(json.dumps(results, indent=2))
    else:
        for side in ("bare", "govwire", "deferred"):
            if side in results:
                r = results[side]
                print(f"{side:8} {r['pages']:6} pages in {r['seconds']:7.1f}s = {r['pages_per_s']:6.1f} pages/s, "
                      f"peak RSS {r['peak_rss_mb']} MB, RSS at {r['rss_mb_at']}")
        if "ratio_govwire" in results:
            print(f"ratio govwire (inline cleaning)/bare = {results['ratio_govwire']} (target >= 0.5)")
        if "ratio_deferred" in results:
            print(f"ratio deferred (archive only)/bare = {results['ratio_deferred']} (target >= 0.8); "
                  f"rounds {results['ratio_deferred_rounds']}; CPU per page vs bare "
                  f"{results['cpu_per_page_deferred_vs_bare']}")
        if "reclean" in results:
            r = results["reclean"]
            print(f"reclean  {r['pages']:6} pages in {r['seconds']:7.1f}s = {r['pages_per_s']:6.1f} pages/s on 1 core")
        if "extract" in results:
            ex = results["extract"]
            print(f"one core: trafilatura.extract {ex['trafilatura']['pages_per_s']} pages/s, govwire clean() "
                  f"{ex['clean']['pages_per_s']} pages/s; clean/trafilatura CPU = "
                  f"{results['clean_vs_trafilatura_cpu']} (target <= 1.0)")
            if "reclean_vs_trafilatura" in results:
                print(f"reclean (WARC read + clean + store) / bare trafilatura pages/s = "
                      f"{results['reclean_vs_trafilatura']}")
        if "govwire" in results:
            print(f"govwire summary: {results['govwire'].get('summary')}")
    if not a.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
