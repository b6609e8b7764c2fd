"""Operator-grade edges of `govwire archive` (issue 15): odd URLs, one-line reasons, no secrets.

Real runs of the CLI against a loopback WireServer; each claim is checked on the output lines,
the exit code and the WARC/CDXJ written.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from warcio.archiveiterator import ArchiveIterator

from tests.test_archive_e2e import article, run_cli, warc_files
from tests.wire_server import WireServer, html, response


@pytest.fixture(scope="module")
def server() -> Any:
    srv = WireServer().start()
    srv.routes.update({
        "/robots.txt": response("200 OK", [("Content-Type", "text/plain")], b"User-agent: *\nAllow: /\n"),
        "/plain": html(article("Plain release")),
        "/caf%C3%A9": html(article("Cafe release")),
        "/a/b": html(article("Backslash release")),
        "/big-known": html("<html><body>" + "<p>filler text</p>" * 20000 + "</body></html>"),
        "/big-unknown": response("200 OK", [("Content-Type", "text/html")], b"<p>filler text</p>" * 20000,
                                 content_length=False),
        "/hop": response("301 Moved Permanently", [("Location", "/plain")], b""),
        "/gone": html("<html><body><h1>Gone</h1></body></html>", status="404 Not Found"),
    })
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def odd(server: WireServer, tmp_path_factory: pytest.TempPathFactory) -> Any:
    store = tmp_path_factory.mktemp("odd")
    b = server.base
    urls = [f"{b}/plain#section-2", f"{b}/café", f"{b}/a\\b",
            f"http://user:pa%2Fss@127.0.0.1:{server.port}/plain",
            f"{b}/plain?q=" + "x" * 2100]
    proc = run_cli("archive", *urls, "--store", str(store))
    return {"store": store, "proc": proc, "urls": urls, "base": b}


def _line(odd: Any, i: int) -> str:
    lines = odd["proc"].stdout.splitlines()
    assert len(lines) == len(odd["urls"]), odd["proc"].stdout + odd["proc"].stderr
    return lines[i]


@pytest.mark.parametrize("i", [0, 1, 2])
def test_fragment_non_ascii_and_backslash_urls_report_ok(odd: Any, i: int) -> None:
    line = _line(odd, i)
    assert line.startswith("OK      " + odd["urls"][i] + "  "), line


def test_fragment_is_not_archived(odd: Any) -> None:
    targets = []
    for f in warc_files(odd["store"]):
        with open(f, "rb") as fh:
            targets += [r.rec_headers.get_header("WARC-Target-URI") for r in ArchiveIterator(fh)
                        if r.rec_type in ("request", "response")]
    b = odd["base"]
    assert f"{b}/plain" in targets and f"{b}/caf%C3%A9" in targets and f"{b}/a/b" in targets
    assert not any("#" in t for t in targets)
    cdxj = "".join(p.read_text() for p in (odd["store"] / "indexes").rglob("*.cdxj"))
    assert "section-2" not in cdxj and "/plain" in cdxj


def test_credentials_are_never_echoed(odd: Any) -> None:
    proc = odd["proc"]
    assert "pa%2Fss" not in proc.stdout + proc.stderr and "user:" not in proc.stdout + proc.stderr
    line = _line(odd, 3)
    assert line == f"FAILED  http://***@127.0.0.1:{odd['urls'][3].rsplit(':', 1)[1].split('/')[0]}/plain: " \
                   "bad URL (credentials in URLs are not supported)"


def test_overlong_url_gets_a_reason(odd: Any) -> None:
    assert _line(odd, 4).endswith(": URL longer than 2083 characters (URLLENGTH_LIMIT)")


def test_partial_exit_code_without_traceback(odd: Any) -> None:
    assert odd["proc"].returncode == 4
    assert "Traceback" not in odd["proc"].stderr


def test_json_output_redacts_credentials(server: WireServer, tmp_path: Path) -> None:
    proc = run_cli("archive", "--json", f"http://u:secret@127.0.0.1:{server.port}/plain",
                   "--store", str(tmp_path))
    assert proc.returncode == 1
    out = json.loads(proc.stdout)
    assert out["url"] == f"http://***@127.0.0.1:{server.port}/plain" and "secret" not in proc.stdout


def test_download_failures_are_plain_words() -> None:
    from scrapy.exceptions import DownloadCancelledError, DownloadFailedError
    from twisted.internet.error import ConnectionDone
    from twisted.python.failure import Failure
    from twisted.web._newclient import ResponseFailed, ResponseNeverReceived

    from crawler.spiders.base import describe_failure

    lost = DownloadFailedError(str([Failure(ConnectionDone())]))
    lost.__cause__ = ResponseFailed([Failure(ConnectionDone())])
    assert describe_failure(Failure(lost)) == "connection lost mid-response"
    never = DownloadFailedError(str([Failure(ConnectionDone())]))
    never.__cause__ = ResponseNeverReceived([Failure(ConnectionDone())])
    assert describe_failure(never) == "connection closed before any response"
    assert describe_failure(DownloadCancelledError()) == "download cancelled"
    odd = RuntimeError(str([Failure(ConnectionDone())]))
    assert "<twisted" not in describe_failure(odd) and "ConnectionDone" in describe_failure(odd)


def test_failure_stats_are_not_copied_per_failure() -> None:
    """`govwire/failures` is the spider's own list: recording a failure is O(1), not O(n)."""
    from scrapy.utils.test import get_crawler

    from crawler.spiders.urls import UrlsSpider

    crawler = get_crawler(UrlsSpider)
    spider = UrlsSpider.from_crawler(crawler, urls="http://127.0.0.1:9/x")
    crawler.stats.open_spider()
    for i in range(3):
        spider.record_failure(f"http://127.0.0.1:9/{i}", "HTTP 404")
    assert crawler.stats.get_value("govwire/failures") is spider.failures
    assert crawler.stats.get_value("govwire/failed") == 3 and len(spider.failures) == 3


# ---------------------------------------------------------------------------------------------
# WARC records as a web-archiving professional expects them, read back by warcio and FastWARC
# ---------------------------------------------------------------------------------------------
CAP = 100_000


@pytest.fixture(scope="module")
def capped(server: WireServer, tmp_path_factory: pytest.TempPathFactory) -> Any:
    store = tmp_path_factory.mktemp("capped")
    b = server.base
    proc = run_cli("archive", f"{b}/big-known", f"{b}/big-unknown", f"{b}/plain", f"{b}/hop", f"{b}/gone",
                   "--store", str(store), "--set", f"DOWNLOAD_MAXSIZE={CAP}")
    recs = []
    for f in warc_files(store):
        with open(f, "rb") as fh:
            for r in ArchiveIterator(fh):
                recs.append((r.rec_type, r.rec_headers, r.http_headers, r.content_stream().read()
                             if r.rec_type == "response" else b""))
    return {"store": store, "proc": proc, "base": b, "records": recs}


def test_over_cap_bodies_keep_what_arrived_marked_truncated(capped: Any) -> None:
    lines = capped["proc"].stdout.splitlines()
    for path in ("/big-known", "/big-unknown"):
        line = next(x for x in lines if x.split()[1].rstrip(":") == capped["base"] + path)
        assert line.startswith("FAILED") and f"body over size cap ({CAP} bytes" in line, line
        rec = next(r for r in capped["records"] if r[0] == "response"
                   and r[1].get_header("WARC-Target-URI") == capped["base"] + path)
        assert rec[1].get_header("WARC-Truncated") == "length"
        assert len(rec[3]) == CAP and rec[3].startswith(b"<")
    assert capped["proc"].returncode == 4 and "Traceback" not in capped["proc"].stderr


def test_records_name_their_warcinfo_and_the_software_version(capped: Any) -> None:
    from crawler import __version__

    infos = {r[1].get_header("WARC-Record-ID"): r for r in capped["records"] if r[0] == "warcinfo"}
    assert infos
    for kind, wh, _, _ in capped["records"]:
        if kind != "warcinfo":
            assert wh.get_header("WARC-Warcinfo-ID") in infos, kind
    for f in warc_files(capped["store"]):
        with open(f, "rb") as fh:
            info = next(iter(ArchiveIterator(fh))).content_stream().read().decode()
        assert f"software: govwire/{__version__} warcio/" in info


def test_request_record_is_dated_when_sent(capped: Any) -> None:
    by_id = {r[1].get_header("WARC-Record-ID"): r for r in capped["records"]}
    reqs = [r for r in capped["records"] if r[0] == "request"]
    assert reqs
    for _, wh, _, _ in reqs:
        resp = by_id[wh.get_header("WARC-Concurrent-To")]
        assert wh.get_header("WARC-Date") < resp[1].get_header("WARC-Date")  # same-format ISO strings


def test_warcio_and_fastwarc_accept_every_file(capped: Any) -> None:
    from fastwarc.warc import ArchiveIterator as FastIterator
    from fastwarc.warc import WarcRecordType

    for f in warc_files(capped["store"]):
        for cmd in ([sys.executable, "-m", "warcio.cli", "check", str(f)],
                    [str(Path(sys.executable).parent / "fastwarc"), "check", "-q", str(f)]):
            r = subprocess.run(cmd, capture_output=True, text=True)
            assert r.returncode == 0, (cmd, r.stdout, r.stderr)
        with open(f, "rb") as fh:
            blocks = [rec.verify_block_digest() for rec in FastIterator(fh, parse_http=False)]
        with open(f, "rb") as fh:  # (`fastwarc check -p` also checks revisits, which have no payload)
            responses = [(rec.headers.get("WARC-Truncated"), rec.verify_payload_digest(consume=False))
                         for rec in FastIterator(fh, record_types=WarcRecordType.response)]
        assert blocks and all(blocks)
        assert responses and all(ok for _, ok in responses)
        truncated = [t for t, _ in responses]
        assert "length" in truncated


def test_show_lists_an_archived_404_and_each_redirect_hop(capped: Any) -> None:
    gone = run_cli("show", capped["base"] + "/gone", "--store", str(capped["store"]))
    assert gone.returncode == 0, gone.stderr
    assert "1 capture(s)" in gone.stdout and "  404  response  " in gone.stdout
    hop = run_cli("show", capped["base"] + "/hop", "--store", str(capped["store"]))
    assert hop.returncode == 0, hop.stderr
    assert "  301  response  " in hop.stdout and f"-> {capped['base']}/plain" in hop.stdout


# ---------------------------------------------------------------------------------------------
# Operator settings: contact in the User-Agent, exact delays, max_items per source, quiet runs
# ---------------------------------------------------------------------------------------------
def test_contact_setting_reaches_the_user_agent_and_warcinfo(server: WireServer, tmp_path: Path) -> None:
    from crawler import __version__

    before = len(server.requests)
    proc = run_cli("archive", server.base + "/plain", "--store", str(tmp_path),
                   "-s", "GOVWIRE_CONTACT=mailto:ops@example.org")
    assert proc.returncode == 0, proc.stderr
    assert "GOVWIRE_CONTACT" not in proc.stderr  # set: no warning
    heads = [h for h in server.requests[before:] if h.startswith(b"GET /plain ")]
    assert heads and f"\r\nUser-Agent: govwire/{__version__} (+mailto:ops@example.org)\r\n".encode() in heads[-1]
    with open(warc_files(tmp_path)[0], "rb") as fh:
        info = next(iter(ArchiveIterator(fh))).content_stream().read().decode()
    assert "operator: mailto:ops@example.org" in info


def test_unset_contact_warns_and_sends_no_placeholder(server: WireServer, tmp_path: Path) -> None:
    from crawler import __version__

    before = len(server.requests)
    proc = run_cli("archive", server.base + "/plain", "--store", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.startswith("govwire: warning: GOVWIRE_CONTACT is not set")
    head = [h for h in server.requests[before:] if h.startswith(b"GET /plain ")][-1]
    assert f"\r\nUser-Agent: govwire/{__version__}\r\n".encode() in head


def test_sites_shows_the_delay_the_crawl_uses(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "slow.toml").write_text(
        'name = "slow"\ndescription = "test"\ndomains = ["example.org"]\nbase_url = "https://example.org"\n'
        'feeds = ["rss"]\n[politeness]\ndownload_delay = 3.0\nconcurrency = 1\nmax_rps = 0.3\n',
        encoding="utf-8")
    proc = run_cli("sites", "--seeds-dir", str(seeds))
    assert proc.returncode == 0, proc.stderr
    assert "delay 3.333s (max 0.3 req/s)" in proc.stdout
    js = json.loads(run_cli("sites", "--json", "--seeds-dir", str(seeds)).stdout)
    assert js[0]["politeness"]["effective_delay"] == pytest.approx(10 / 3)


def test_max_items_counts_per_source(web: Any, seeds_for_fixture_web: Path, tmp_path: Path) -> None:
    from tests.test_spiders import crawl

    c = crawl("iconic", tmp_path, seeds_for_fixture_web, args={"max_items": 1})
    sources = [d["metadata"].get("source") for d in c.documents()]
    assert sorted(sources) == ["donegallive", "limerickleader"], sources


def test_ordinary_run_prints_no_disabled_addon_warnings(server: WireServer, tmp_path: Path) -> None:
    proc = run_cli("archive", server.base + "/plain", "--store", str(tmp_path), "-v",
                   "-s", "GOVWIRE_CONTACT=mailto:ops@example.org")
    assert proc.returncode == 0
    assert "Disabled" not in proc.stderr and "RedisDistribution" not in proc.stderr
    assert "NotConfigured" not in proc.stderr
