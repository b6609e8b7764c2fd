"""Spiders against the fixture web: each crawl runs `scrapy crawl` in a subprocess (a Twisted
reactor starts once per process), with seeds relocated to the loopback servers, and we read
back the items (pickle feed), the request log of the fixture web and the store."""
from __future__ import annotations

import gzip
import json
import os
import pickle
import re
import subprocess
import sys
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    IgnoreRequest,
)
from scrapy.http import HtmlResponse, Request
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawler.spiders.base import describe_failure, parse_date, parse_feed, parse_sitemap, parse_when

REPO = Path(__file__).resolve().parent.parent
FAILED_RE = re.compile(r"\[[\w.]+\] WARNING: failed: (\S+): (.+)$", re.M)
SKIPPED_RE = re.compile(r"\[[\w.]+\] INFO: skipped: (\S+): (.+)$", re.M)
SEED_SLUG = ("foreign-secretary-to-put-boosting-security-and-tackling-illegal-migration-at-the-heart-"
             "of-foreign-policy-during-meeting-of-european-partners")


@dataclass
class Crawl:
    items: list[dict[str, Any]]
    log: str
    returncode: int
    store: Path
    failures: dict[str, str] = field(default_factory=dict)
    excluded: dict[str, str] = field(default_factory=dict)   # robots.txt: skipped, not failed

    def documents(self) -> list[dict[str, Any]]:
        return [i for i in self.items if i["make_document"]]

    def skipped(self) -> list[dict[str, Any]]:
        return [i for i in self.items if not i["make_document"] and "skipped" in i["metadata"]]


def crawl(spider: str, tmp_path: Path, seeds_dir: Path | None = None, args: dict[str, Any] | None = None,
          settings: dict[str, Any] | None = None, timeout: float = 120) -> Crawl:
    """`scrapy crawl SPIDER` from the repo root, as a scheduler would run it."""
    out = tmp_path / f"{spider}-items.pickle"
    store = tmp_path / "store"
    cmd = [sys.executable, "-m", "scrapy", "crawl", spider, "-O", str(out),
           "-s", f"GOVWIRE_STORE={store}", "-s", "GOVWIRE_LOCK=0", "-s", "GOVWIRE_CLEAN_WORKERS=0",
           "-s", "GOVWIRE_PROGRESS_INTERVAL=0",
           "-s", f"GOVWIRE_ALLOW_ADDRESSES={os.environ['GOVWIRE_ALLOW_ADDRESSES']}"]
    if seeds_dir is not None:
        cmd += ["-s", f"GOVWIRE_SEEDS_DIR={seeds_dir}"]
    for k, v in (settings or {}).items():
        cmd += ["-s", f"{k}={v}"]
    for k, v in (args or {}).items():
        cmd += ["-a", f"{k}={v}"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVWIRE_") or k == "GOVWIRE_ALLOW_ADDRESSES"}
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout)
    items: list[dict[str, Any]] = []
    if out.exists():
        with out.open("rb") as f:
            while True:
                try:
                    items.append(pickle.load(f))
                except EOFError:
                    break
    log = proc.stdout + proc.stderr
    assert "Traceback" not in log, log[-4000:]
    return Crawl(items, log, proc.returncode, store, dict(FAILED_RE.findall(log)),
                 dict(SKIPPED_RE.findall(log)))


def paths(web: Any, host: str) -> list[str]:
    return [r.path for r in web.requests(host)]


# ---------------------------------------------------------------------------------------------
# Units: failure lines, dates, feeds
# ---------------------------------------------------------------------------------------------
def _http_error(status: int, headers: dict[str, str] | None = None) -> HttpError:
    resp = HtmlResponse("http://127.0.0.1/x", status=status, headers=headers or {}, body=b"",
                        request=Request("http://127.0.0.1/x"))
    return HttpError(resp, "Ignoring non-200 response")


@pytest.mark.parametrize(("exc", "line"), [
    (CannotResolveHostError("no such host"), "DNS lookup failed"),
    (DownloadConnectionRefusedError("refused"), "connection refused"),
    (DownloadTimeoutError("took longer than 30 seconds"), "timeout"),
    (_http_error(404), "HTTP 404"),
    (_http_error(429, {"Retry-After": "3600"}), "HTTP 429 (Retry-After 3600)"),
    (IgnoreRequest("Forbidden by robots.txt"), "robots.txt disallows"),
    (DownloadCancelledError("Received 2000 bytes which is larger than download max size (1000) in "
                            "request <GET http://127.0.0.1/x>."), "body over size cap (1000 bytes)"),
    (ValueError("Missing scheme in request url: nope"), "bad URL"),
])
def test_describe_failure_is_one_short_line(exc: Exception, line: str) -> None:
    assert describe_failure(Failure(exc)) == line
    assert describe_failure(exc) == line


def test_describe_failure_unknown_error_names_it_on_one_line() -> None:
    assert describe_failure(Failure(RuntimeError("boom\nsecond line"))) == "RuntimeError: boom"


def test_parse_when_accepts_dates_datetimes_and_ages() -> None:
    now = datetime(2025, 10, 9, 12, 0, tzinfo=timezone.utc)
    assert parse_when("2025-10-01") == datetime(2025, 10, 1, tzinfo=timezone.utc)
    assert parse_when("2025-10-01", end=True) == datetime(2025, 10, 1, 23, 59, 59, 999999, tzinfo=timezone.utc)
    assert parse_when("2d", now=now) == datetime(2025, 10, 7, 12, 0, tzinfo=timezone.utc)
    assert parse_when("36h", now=now) == datetime(2025, 10, 8, 0, 0, tzinfo=timezone.utc)
    assert parse_when("2025-10-01T08:30Z") == datetime(2025, 10, 1, 8, 30, tzinfo=timezone.utc)
    assert parse_when("") is None
    with pytest.raises(ValueError, match="bad date 'last tuesday'"):
        parse_when("last tuesday")


def test_parse_date_reads_every_format_the_sites_use() -> None:
    want = datetime(2025, 10, 9, 10, 15, tzinfo=timezone.utc)
    assert parse_date("2025-10-09T10:15:00Z") == want
    assert parse_date("Thu, 09 Oct 2025 10:15:00 +0000") == want
    # Wired-Gov: day first, UK local time (BST in October, GMT in December)
    assert parse_date("09/10/2025 11:15:00") == want
    assert parse_date("09/12/2025 10:15:00") == want.replace(month=12)
    assert parse_date("09 Oct 2025") == datetime(2025, 10, 9, tzinfo=timezone.utc)
    assert parse_date("soon") is None


def test_parse_feed_reads_rss_and_atom() -> None:
    rss = b"""<?xml version="1.0"?><rss version="2.0"><channel><item><title>A</title>
      <link>http://h/a</link><pubDate>Thu, 09 Oct 2025 10:15:00 +0000</pubDate>
      <category>UK Gov</category><description>d</description></item></channel></rss>"""
    atom = b"""<feed xmlns="http://www.w3.org/2005/Atom"><entry><title>Press release: B</title>
      <link rel="alternate" type="text/html" href="/government/news/b"/><updated>2025-10-09T10:15:00Z</updated>
      <category label="Press release" term="Press release"/><summary>s</summary></entry></feed>"""
    (a,) = parse_feed(rss)
    assert (a.url, a.title, a.categories, a.summary) == ("http://h/a", "A", ["UK Gov"], "d")
    (b,) = parse_feed(atom, "https://www.gov.uk/feed.atom")
    assert b.url == "https://www.gov.uk/government/news/b"
    assert b.categories == ["Press release"] and b.published == datetime(2025, 10, 9, 10, 15, tzinfo=timezone.utc)


def test_parse_sitemap_reads_index_gzip_and_news_tags() -> None:
    index = b"""<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
      <sitemap><loc>http://h/s1.xml.gz</loc></sitemap></sitemapindex>"""
    assert parse_sitemap(gzip.compress(index)) == ("index", parse_sitemap(index)[1])
    news = b"""<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
      xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"><url><loc>http://h/a</loc>
      <news:news><news:publication_date>2025-10-08T21:30:00Z</news:publication_date>
      <news:title>T</news:title><news:keywords>Yvette Cooper, Migration</news:keywords></news:news></url></urlset>"""
    kind, (e,) = parse_sitemap(news)
    assert kind == "urlset" and e.title == "T" and e.categories == ["Yvette Cooper", "Migration"]


# ---------------------------------------------------------------------------------------------
# Crawls of the fixture web
# ---------------------------------------------------------------------------------------------
def _by_path(c: Crawl, fragment: str) -> list[dict[str, Any]]:
    return [i for i in c.documents() if fragment in i["url"]]


def test_govuk_pages_search_api_and_carries_content_api_metadata(web: Any, seeds_for_fixture_web: Path,
                                                                 tmp_path: Path) -> None:
    c = crawl("govuk", tmp_path, seeds_for_fixture_web, args={"page_size": 4})
    searches = [p for p in paths(web, "www.gov.uk") if p.startswith("/api/search.json")]
    starts = [parse_qs(urlsplit(p).query)["start"][0] for p in searches]
    assert starts[:3] == ["0", "4", "8"] and len(starts) >= 3  # paged until exhausted
    q = parse_qs(urlsplit(searches[0]).query)
    assert q["order"] == ["-public_timestamp"] and q["count"] == ["4"]
    assert "press_release" in q["filter_content_store_document_type"]
    (doc,) = _by_path(c, f"/government/news/{SEED_SLUG}")
    with urllib.request.urlopen(web.url("www.gov.uk", f"/api/content/government/news/{SEED_SLUG}")) as r:
        api = json.loads(r.read())
    md = doc["metadata"]
    assert md["content_id"] == api["content_id"]
    assert md["document_type"] == api["document_type"] == "press_release"
    assert md["schema_name"] == "news_article" and md["locale"] == "en"
    assert md["public_updated_at"] == api["public_updated_at"]
    assert md["first_published_at"] == (api["details"].get("first_public_at") or api["first_published_at"])
    assert md["change_history"] == api["details"]["change_history"]
    assert {o["slug"] for o in md["organisations"]} == {o["base_path"].rsplit("/", 1)[1]
                                                        for o in api["links"]["organisations"]}
    assert md["cleaner_url"] == f"https://www.gov.uk/government/news/{SEED_SLUG}"
    # the JSON itself is archived too, as a capture without a document
    api_items = [i for i in c.items if "/api/content/government/news/" + SEED_SLUG in i["url"]]
    assert api_items and not api_items[0]["make_document"]
    # non-news search hits (travel advice) never become requests
    assert not any("/foreign-travel-advice/" in p for p in paths(web, "www.gov.uk"))
    assert not any(p.endswith("/print") for p in paths(web, "www.gov.uk"))


def test_govuk_since_window_goes_into_the_query_and_bounds_the_items(web: Any, seeds_for_fixture_web: Path,
                                                                    tmp_path: Path) -> None:
    c = crawl("govuk", tmp_path, seeds_for_fixture_web, args={"since": "2025-10-01"})
    searches = [p for p in paths(web, "www.gov.uk") if p.startswith("/api/search.json")]
    assert parse_qs(urlsplit(searches[0]).query)["filter_public_timestamp"] == ["from:2025-10-01"]
    docs = c.documents()
    assert docs and _by_path(c, SEED_SLUG)
    since = datetime(2025, 10, 1, tzinfo=timezone.utc)
    assert all(parse_date(d["metadata"]["public_updated_at"]) >= since for d in docs)
    assert not _by_path(c, "foreign-secretary-travels-to-kosovo-and-serbia")  # April 2025


def test_govuk_falls_back_to_atom_feeds_when_the_search_api_fails(web: Any, seeds_for_fixture_web: Path,
                                                                  tmp_path: Path) -> None:
    web.throttle("www.gov.uk", "/api/search.json", status=503, retry_after=3600, times=5)
    c = crawl("govuk", tmp_path, seeds_for_fixture_web)
    got = paths(web, "www.gov.uk")
    assert any(p.endswith("foreign-commonwealth-development-office.atom") for p in got)
    assert _by_path(c, SEED_SLUG), "the seed release is still found through the FCDO feed"
    assert not any(p == "/foreign-travel-advice/serbia" for p in got), "guidance entries are filtered"
    assert sum(p.startswith("/api/search.json") for p in got) == 1, "Retry-After over the cap: no retry"


def test_wiredgov_keeps_copies_of_govuk_releases_only(web: Any, seeds_for_fixture_web: Path,
                                                      tmp_path: Path) -> None:
    c = crawl("wiredgov", tmp_path, seeds_for_fixture_web)
    (seed,) = _by_path(c, "09102025101500")
    assert seed["metadata"]["source_url"] == f"https://www.gov.uk/government/news/{SEED_SLUG}"
    assert seed["metadata"]["cleaner_url"].startswith("https://www.wired-gov.net/wg/news.nsf/articles/")
    assert [s["metadata"]["skipped"] for s in c.skipped()] == ["no evidence of a UK-government original (no gov.uk link)"]
    assert "councils+warn" in c.skipped()[0]["url"]  # Local Government Association (local.gov.uk)
    assert not any("/print/" in p for p in paths(web, "www.wired-gov.net"))


def test_mirage_keeps_uk_gov_releases_without_fetching_others(web: Any, seeds_for_fixture_web: Path,
                                                              tmp_path: Path) -> None:
    c = crawl("mirage", tmp_path, seeds_for_fixture_web)
    (seed,) = _by_path(c, "foreign-secretary-to-put-boosting-security-and-1548329")
    assert seed["metadata"]["byline"] == "UK Gov"
    assert seed["metadata"]["source_url"].startswith("https://www.gov.uk/government/news/")
    got = paths(web, "www.miragenews.com")
    assert not any("hantavirus" in p or "nsw-opens" in p for p in got)
    assert all(d["metadata"]["categories"] == ["UK Gov"] for d in c.documents())


def test_independent_and_standard_keep_government_wire_stories(web: Any, seeds_for_fixture_web: Path,
                                                               tmp_path: Path) -> None:
    c = crawl("independent", tmp_path, seeds_for_fixture_web)
    st = crawl("standard", tmp_path, seeds_for_fixture_web)
    assert _by_path(c, "western-balkans-yvette-cooper-serbia-north-macedonia-germany-b2842071")
    assert _by_path(st, "yvette-cooper-western-balkans-summit-hillsborough-migration-b1252730")
    # no keyword in the Standard's feed entry: kept for its "PA Political Staff" byline
    (phones,) = _by_path(st, "home-office-phones-seized-small-boats-smugglers")
    assert phones["metadata"]["byline"] == "PA Political Staff" and phones["metadata"]["source"] == "standard"
    assert phones["site"] == "standard" and phones["cleaner"] == "standard"
    assert [s["url"].rsplit("/", 1)[1] for s in c.skipped()] == ["storm-amy-weather-warning-scotland-b2831954.html"]
    assert not any(p.startswith("/sport/") or "/arts-entertainment/" in p for p in paths(web, "www.independent.co.uk"))
    assert not any("/culture/" in p or "/news/transport/" in p for p in paths(web, "www.standard.co.uk"))
    assert "/sitemaps/googlenews" in paths(web, "www.independent.co.uk")


def test_iconic_crawls_every_title_from_one_config(web: Any, seeds_for_fixture_web: Path,
                                                   tmp_path: Path) -> None:
    c = crawl("iconic", tmp_path, seeds_for_fixture_web)
    story = "/news/northern-ireland/1914558/cooper-to-host-talks-on-security-and-migration-at-western-balkans-summit.html"
    assert {d["metadata"]["source"] for d in _by_path(c, story)} == {"donegallive", "limerickleader"}
    for host in ("www.donegallive.ie", "www.limerickleader.ie"):
        got = paths(web, host)
        assert "/rss" in got
        assert not any("/local-news/" in p or p.startswith("/sport/") for p in got)


def test_max_items_and_until_limit_a_crawl(web: Any, seeds_for_fixture_web: Path, tmp_path: Path) -> None:
    c = crawl("mirage", tmp_path, seeds_for_fixture_web, args={"max_items": 1})
    assert len(c.documents()) == 1
    assert _by_path(c, "45-million-for-quantum-computing")  # newest first
    web.clear_log()
    c = crawl("mirage", tmp_path / "u", seeds_for_fixture_web, args={"until": "2025-09-30"})
    assert {d["url"].rstrip("/").rsplit("/", 1)[1] for d in c.documents()} == \
        {"new-powers-to-seize-phones-of-1539595", "uk-targets-balkan-migrant-routes-crime-with-new-1436980"}


def test_urls_spider_reports_every_url_and_never_asks_for_disallowed_paths(
        web: Any, seeds_for_fixture_web: Path, tmp_path: Path) -> None:
    wg = web.urls["www.wired-gov.net"]
    article = f"{wg}/wg/news.nsf/articles/foreign+secretary+to+put+boosting+security+and+tackling+illegal+migration+at+the+heart+of+foreign+policy+during+meeting+of+european+partners+09102025101500?open"
    listing = tmp_path / "urls.txt"
    listing.write_text(f"# a comment\n{article}\n{wg}/no/such/page\nnot-a-url\n", encoding="utf-8")
    c = crawl("urls", tmp_path, seeds_for_fixture_web, args={"url_file": listing, "follow": 1})
    got = paths(web, "www.wired-gov.net")
    assert not any("/print/" in p for p in got), "robots.txt disallows the print views"
    assert c.failures[f"{wg}/no/such/page"] == "HTTP 404"
    assert "robots.txt disallows" not in c.failures.values()  # skipped, not failed
    robots = [u for u, why in c.excluded.items() if why == "robots.txt disallows"]
    assert any("/wg/news.nsf/print/" in u for u in robots)
    assert all("/wg/news.nsf/print/" in u or "/wg/news.nsf/search" in u for u in robots)
    assert c.failures["not-a-url"] == "bad URL (no scheme)"
    # followed same-site links once each, fragments and duplicates folded
    followed = [p for p in got if p.startswith("/wg/news.nsf/articles/")]
    assert len(followed) == len(set(followed)) > 1
    assert c.documents()[0]["url"] == article


def test_urls_spider_walks_a_sitemap_index(web: Any, seeds_for_fixture_web: Path, tmp_path: Path) -> None:
    c = crawl("urls", tmp_path, seeds_for_fixture_web,
              args={"sitemap": web.url("www.gov.uk", "/sitemap.xml"), "since": "2025-10-01", "max_items": 3})
    got = paths(web, "www.gov.uk")
    assert got[:3] == ["/robots.txt", "/sitemap.xml", "/sitemaps/sitemap_1.xml"]
    assert len(c.documents()) == 3
    assert all(p.startswith("/government/news/") for p in got[3:])


def test_run_crawl_finds_the_seed_story_on_every_outlet(web: Any, seeds_for_fixture_web: Path,
                                                        tmp_path: Path) -> None:
    """All six outlet spiders in one `run_crawl` (the lead's runner, as `govwire crawl --all` uses it)."""
    store = tmp_path / "store"
    code = ("import json, sys\nfrom crawler.runner import run_crawl\n"
            "s = run_crawl(['govuk', 'wiredgov', 'mirage', 'independent', 'standard', 'iconic'], store_uri=sys.argv[1],"
            " settings={'GOVWIRE_LOCK': False, 'GOVWIRE_CLEAN_WORKERS': 0, 'GOVWIRE_PROGRESS_INTERVAL': 0},"
            " since='2025-10-01')\nprint('SUMMARY ' + json.dumps(s.to_dict()))\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVWIRE_") or k == "GOVWIRE_ALLOW_ADDRESSES"}
    env["GOVWIRE_SEEDS_DIR"] = str(seeds_for_fixture_web)
    env["GOVWIRE_ALLOW_ADDRESSES"] = os.environ["GOVWIRE_ALLOW_ADDRESSES"]
    proc = subprocess.run([sys.executable, "-c", code, str(store)], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=300)
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("SUMMARY ")), None)
    assert line, proc.stderr[-4000:]
    summary = json.loads(line[len("SUMMARY "):])
    assert summary["failed"] == 0 and summary["exit_code"] == 0, summary
    docs = [json.loads(p.read_text(encoding="utf-8")) for p in (store / "docs").rglob("*.json")]
    story = [d for d in docs if "Western Balkans" in d["text"] and "Hillsborough" in d["text"]]
    outlets = {(d["site"], d["metadata"].get("source", d["site"])) for d in story}
    assert outlets == {("govuk", "govuk"), ("wiredgov", "wiredgov"), ("mirage", "mirage"),
                       ("independent", "independent"), ("standard", "standard"),
                       ("iconic", "donegallive"), ("iconic", "limerickleader")}
    # fixture-web URLs still reach each site's own cleaner (cleaner_url = the real domain)
    cleaners = {d["site"]: d["cleaner"] for d in story}
    assert cleaners["govuk"] == "govuk" and cleaners["wiredgov"] == "wiredgov"
    assert cleaners["mirage"] == "mirage"
    # one outlet, one name: site == cleaner for every outlet; one outlet string per document
    assert all(d["site"] == d["cleaner"] for d in story), {(d["site"], d["cleaner"]) for d in story}
    assert all("outlet" not in d["metadata"] for d in docs)
    assert {d["outlet"] for d in story if d["site"] == "iconic"} == {"Donegal Democrat", "Limerick Leader"}
    # the filters left no non-government story in the store
    titles = " | ".join(d["title"] for d in docs)
    for junk in ("Storm Amy", "Arsenal", "Tube strike", "Hamlet", "Naomh Conaill", "Councils warn",
                 "Regional Arts Grants", "cycle lane"):
        assert junk not in titles


def test_govuk_stays_well_under_its_documented_10_rps(monkeypatch: pytest.MonkeyPatch) -> None:
    from scrapy.crawler import Crawler
    from scrapy.utils.project import get_project_settings

    from crawler.spiders.govuk import GovukSpider

    monkeypatch.delenv("GOVWIRE_SEEDS_DIR", raising=False)
    monkeypatch.setenv("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    s = Crawler(GovukSpider, get_project_settings()).settings
    assert s.getint("CONCURRENT_REQUESTS_PER_DOMAIN") <= 2
    assert 1 / s.getfloat("DOWNLOAD_DELAY") <= 2.0  # one request per delay per host: <= 2 rps
    mws = s.getdict("DOWNLOADER_MIDDLEWARES")
    assert "crawler.middlewares.CrawlDelayMiddleware" in mws and "crawler.middlewares.RetryAfterMiddleware" in mws
