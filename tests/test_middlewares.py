"""Politeness middlewares, measured from the server side: a small site of our own on the fixture
web's server (so robots.txt can carry a Crawl-delay), with the arrival time of every request."""
from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from time import monotonic
from typing import Any

import pytest

from crawler.demo.server import FixtureWeb, LoggedRequest
from crawler.middlewares import retry_after_seconds
from tests.test_spiders import crawl

HOST = "polite.test"
PAGE = "<html><head><title>{t}</title></head><body><h1>{t}</h1><p>Some words about {t}.</p>{links}</body></html>"


class TimedWeb(FixtureWeb):
    """The fixture web, also noting when each request arrived (the log has no times)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.arrivals: list[tuple[float, LoggedRequest]] = []

    def _record(self, entry: LoggedRequest) -> None:
        super()._record(entry)
        self.arrivals.append((monotonic(), entry))

    def times(self, path_prefix: str = "/") -> list[tuple[float, str, int]]:
        return [(t, r.path, r.status) for t, r in self.arrivals if r.path.startswith(path_prefix)]


def make_site(root: Path, robots: str) -> None:
    site = root / HOST
    site.mkdir(parents=True)
    routes: dict[str, Any] = {"/robots.txt": {"file": "robots.txt", "type": "text/plain"}}
    (site / "robots.txt").write_text(robots, encoding="utf-8")
    names = ["a", "b", "c", "d", "e", "private/x"]
    for n in names:
        links = "".join(f'<a href="/{m}">{m}</a><a href="/{m}#again">{m}</a>' for m in names) if n == "a" else ""
        f = n.replace("/", "_") + ".html"
        (site / f).write_text(PAGE.format(t=n, links=links), encoding="utf-8")
        routes[f"/{n}"] = {"file": f}
    (site / "_routes.json").write_text(json.dumps(routes), encoding="utf-8")


@pytest.fixture
def polite_web(tmp_path: Path) -> Iterator[TimedWeb]:
    root = tmp_path / "web"
    make_site(root, "User-agent: *\nCrawl-delay: 1\nDisallow: /private/\n")
    web = TimedWeb(root=root, updates_root=tmp_path / "none")
    web.start()
    try:
        yield web
    finally:
        web.stop()


FAST = {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_START_DELAY": 0, "AUTOTHROTTLE_ENABLED": False}


def gaps(times: list[tuple[float, str, int]]) -> list[float]:
    return [b[0] - a[0] for a, b in zip(times, times[1:])]


def test_retry_after_seconds_reads_both_forms() -> None:
    now = datetime(2025, 10, 9, 12, 0, tzinfo=timezone.utc)
    assert retry_after_seconds(b"120") == 120.0
    assert retry_after_seconds(format_datetime(now + timedelta(seconds=90), usegmt=True), now=now) == 90.0
    assert retry_after_seconds(format_datetime(now - timedelta(hours=1), usegmt=True), now=now) == 0.0
    assert retry_after_seconds("soonish") is None and retry_after_seconds(None) is None


def test_crawl_delay_paces_every_request_to_the_host(polite_web: TimedWeb, tmp_path: Path) -> None:
    c = crawl("urls", tmp_path, args={"urls": polite_web.url(HOST, "/a"), "follow": 1}, settings=FAST)
    pages = [t for t in polite_web.times() if t[1] != "/robots.txt"]
    assert [p for _, p, _ in pages][0] == "/a"
    assert sorted(p for _, p, _ in pages) == ["/a", "/b", "/c", "/d", "/e"], "each link once"
    # Crawl-delay: 1 -> a second between sends, no jitter below it. Gaps are measured where the
    # server receives, so one late arrival shortens the next gap: 50 ms slack for a loaded CI
    # machine (the control below, without the delay, stays under 0.5 s)
    assert min(gaps(pages)) >= 0.95, gaps(pages)
    assert c.excluded[polite_web.url(HOST, "/private/x")] == "robots.txt disallows"
    assert len(c.documents()) == 5


def test_without_crawl_delay_the_same_crawl_is_fast(tmp_path: Path) -> None:
    """The control for the test above: its gaps come from the middleware, not the setup."""
    root = tmp_path / "web"
    make_site(root, "User-agent: *\nDisallow: /private/\n")
    with TimedWeb(root=root, updates_root=tmp_path / "none") as web:
        crawl("urls", tmp_path, args={"urls": web.url(HOST, "/a"), "follow": 1}, settings=FAST)
        pages = [t for t in web.times() if t[1] != "/robots.txt"]
    assert len(pages) == 5 and min(gaps(pages)) < 0.5


def test_retry_after_pauses_the_host_then_retries(polite_web: TimedWeb, tmp_path: Path) -> None:
    polite_web.throttle(HOST, "/b", status=429, retry_after=2, times=1)
    c = crawl("urls", tmp_path, args={"urls": ",".join(polite_web.url(HOST, p) for p in ("/b", "/c", "/d"))},
              settings=FAST)
    hits = [t for t in polite_web.times() if t[1] != "/robots.txt"]
    first_b = next(t for t, p, s in hits if p == "/b" and s == 429)
    retried = [t for t, p, s in hits if p == "/b" and s == 200]
    assert len(retried) == 1 and retried[0] - first_b >= 1.99
    # the whole host waited, not only /b
    assert all(t - first_b >= 1.99 for t, p, s in hits if t > first_b)
    assert not c.failures and len(c.documents()) == 3


def test_retry_after_over_the_cap_gives_up_with_a_reason(polite_web: TimedWeb, tmp_path: Path) -> None:
    polite_web.throttle(HOST, "/b", status=503, retry_after=600, times=5)
    c = crawl("urls", tmp_path, args={"urls": polite_web.url(HOST, "/b")},
              settings={**FAST, "GOVWIRE_RETRY_AFTER_MAX": 5})
    assert [p for _, p, _ in polite_web.times() if p == "/b"] == ["/b"], "no immediate retries either"
    assert c.failures[polite_web.url(HOST, "/b")] == "HTTP 503 (Retry-After 600)"
