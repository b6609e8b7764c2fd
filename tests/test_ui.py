"""The audit UI's safety: hostile archived pages stay inert, values are escaped, paths can't
escape, and the UI answers only on loopback names. Real `govwire archive` + `govwire serve`."""
from __future__ import annotations

import http.client
import subprocess
import sys
import time
from collections.abc import Iterator
from html import escape
from pathlib import Path
from typing import Any

import pytest

from crawler.web.inert import inert_html, make_inert, parse_archived, render
from crawler.web.removed import mark_removed
from tests.fixtures_ui import REPO, Server, screenshot, wait_for
from tests.wire_server import WireServer, html

EVIL_TITLE = "<script>document.title='PWNED'</script>Council <b>rates</b> & \"quotes\""


def _evil_page(live: str) -> str:
    para = ("The council confirmed on Tuesday that rates for the coming year will rise by two per "
            "cent, and that the money raised will go to road repairs and to libraries. ")
    return f"""<!DOCTYPE html><html><head><title>{EVIL_TITLE.replace('<', '&lt;')}</title>
<meta http-equiv="refresh" content="600;url={live}/refresh">
<link rel="stylesheet" href="{live}/style.css"><base href="{live}/base/">
<style>@import url({live}/import.css); body {{ background: url({live}/bg.png) }}</style>
<script>document.title = 'PWNED'; try {{ parent.document.title = 'PWNED' }} catch (e) {{}}
fetch('{live}/fetch'); new Image().src = '{live}/beacon.gif';</script>
</head><body onload="parent.document.title='PWNED'">
<nav class="menu">Home | News | Sport | Weather | Contact us today</nav>
<article><h1>{escape(EVIL_TITLE)}</h1>
<p>{para}</p><p>{para}</p><p>{para}</p>
<p><a id="js" href="javascript:parent.document.title='PWNED'">Read the statement</a>
<a id="live" href="{live}/elsewhere">the council's site</a></p>
<img src="{live}/photo.jpg" onerror="parent.document.title='PWNED'" alt="a photo">
<iframe src="{live}/frame"></iframe><object data="{live}/obj"></object>
<svg><script>parent.document.title='PWNED'</script><image href="{live}/svg.png"/></svg>
<div style="background-image: url('{live}/div.png')">Styled box</div>
<form action="{live}/post"><input name="q"><button>Send</button></form>
</article></body></html>"""


@pytest.fixture(scope="module")
def evil(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[WireServer, Path, Server]]:
    """A hostile page archived by the real pipeline, then served by `govwire serve`."""
    site = WireServer().start()
    site.routes["/news/rates"] = html(_evil_page(site.base))
    store = tmp_path_factory.mktemp("evil") / "store"
    p = subprocess.run([sys.executable, "-m", "crawler.cli", "archive", site.base + "/news/rates",
                        "--store", str(store), "--ignore-robots"], cwd=REPO, capture_output=True,
                       text=True, timeout=120)
    assert p.returncode == 0, p.stdout + p.stderr
    assert list(store.glob("docs/*/*/*/*.json")), "the hostile page became a document"
    srv = Server(store)
    site.requests.clear()
    try:
        yield site, store, srv
    finally:
        srv.stop()
        site.stop()


def test_inert_html_removes_everything_active_or_remote() -> None:
    live = "http://127.0.0.1:9"
    out = render(inert_html(_evil_page(live)))
    low = out.lower()
    for bad in ("<script", "<iframe", "<object", "<svg", "<base", "<link", "http-equiv",
                "onload=", "onerror=", "javascript:", 'src="', "@import", "url("):
        assert bad not in low, bad
    assert live not in out.replace(f'data-archived-href="{live}/elsewhere"', "")
    assert "Council" in out and "Styled box" in out


def test_removed_blocks_carry_their_rule() -> None:
    root = parse_archived("<html><body><div id=a><p>Keep this paragraph of the story.</p></div>"
                          "<aside><h3>Most read</h3><ul><li>One headline here</li></ul></aside>"
                          "<p>Sign up to our newsletter</p></body></html>")
    located = mark_removed(root, [{"rule": "x.most_read", "kind": "latest-news",
                             "text": "Most read One headline here"},
                            {"rule": "x.newsletter", "kind": "promo", "text": "Sign up to our newsletter"}])
    make_inert(root)
    assert [loc.highlighted for loc in located] == [True, True]
    assert root.xpath("//aside")[0].get("data-rule") == "x.most_read"
    assert root.xpath("//p[@data-rule]")[0].get("data-rule") == "x.newsletter"
    assert root.xpath("//div[@id='a']")[0].get("data-rule") is None


def _doc_path(srv: Server) -> str:
    conn = http.client.HTTPConnection(srv.base.removeprefix("http://"), timeout=10)
    conn.request("GET", "/")
    page = conn.getresponse().read().decode()
    start = page.index('href="/doc/') + len('href="')
    return page[start:page.index('"', start)]


def _raw_get(srv: Server, path: str, host: str | None = None) -> tuple[int, dict[str, str], str]:
    """GET with the path sent exactly as written (no client-side normalisation)."""
    conn = http.client.HTTPConnection(srv.base.removeprefix("http://"), timeout=10)
    conn.putrequest("GET", path, skip_host=host is not None, skip_accept_encoding=True)
    if host is not None:
        conn.putheader("Host", host)
    conn.endheaders()
    r = conn.getresponse()
    return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read().decode("utf-8", "replace")


def test_values_are_escaped_and_headers_strict(evil: tuple[WireServer, Path, Server]) -> None:
    _, _, srv = evil
    status, headers, home = _raw_get(srv, "/")
    assert status == 200
    assert "<script>document.title" not in home
    assert "&lt;script&gt;document.title=&#39;PWNED&#39;&lt;/script&gt;" in home
    assert "script-src 'none'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"
    doc = _doc_path(srv)
    status, headers, original = _raw_get(srv, doc + "/original")
    assert status == 200
    csp = headers["content-security-policy"]
    assert csp.endswith("sandbox") and "default-src 'none'" in csp and "script-src 'none'" in csp
    assert "<script" not in original.lower()


@pytest.mark.parametrize("path", [
    "/doc/../../etc/passwd", "/doc/..%2f..%2fetc%2fpasswd", "/doc/%2e%2e/%2e%2e/etc/passwd",
    "/static/../app.py", "/static/%2e%2e/app.py", "/static/..%5capp.py", "/static/%252e%252e/app.py",
    "/doc/govuk/..%2F..%2F..%2Fpyproject.toml/x", "/site/..", "/site/%2e%2e", "/doc/a/b/c/original/..",
    "/release/govuk/0000000000000000000000000000000000000000/../../../../etc/passwd",
])
def test_traversal_is_refused(evil: tuple[WireServer, Path, Server], path: str) -> None:
    status, _, body = _raw_get(evil[2], path)
    assert status in (400, 404), (path, status)
    assert "root:" not in body and "[build-system]" not in body and "import " not in body


def test_unknown_host_is_refused(evil: tuple[WireServer, Path, Server]) -> None:
    """A DNS-rebinding page on another name cannot read the loopback UI."""
    srv = evil[2]
    assert _raw_get(srv, "/", host="attacker.example")[0] == 400
    assert _raw_get(srv, "/", host=srv.base.removeprefix("http://"))[0] == 200


def test_serve_prints_its_loopback_url(evil: tuple[WireServer, Path, Server]) -> None:
    assert evil[2].first_line.startswith("govwire serve: http://127.0.0.1:")


def test_serve_without_store_contents_and_bad_port(tmp_path: Path) -> None:
    p = subprocess.run([sys.executable, "-m", "crawler.cli", "serve", "--store", str(tmp_path),
                        "--port", "70000"], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert p.returncode == 2 and p.stderr.strip() == "govwire: error: --port must be 0-65535, not 70000"


@pytest.mark.slow
def test_hostile_archived_page_cannot_touch_the_ui(browser: Any, evil: tuple[WireServer, Path, Server],
                                                   tmp_path: Path) -> None:
    site, _, srv = evil
    site.requests.clear()
    browser.get(srv.base + _doc_path(srv))
    frame = browser.find_element("css selector", "iframe#original")
    assert frame.get_attribute("sandbox") == ""
    ui_title = browser.title
    assert ui_title == EVIL_TITLE + " · govwire audit"  # shown as text, never run
    assert browser.find_element("css selector", "h1#title").text == EVIL_TITLE
    assert not browser.find_elements("css selector", "script")
    browser.switch_to.frame(frame)
    try:
        wait_for(lambda: browser.find_elements("css selector", "article"))
        assert not browser.find_elements("css selector", "script, iframe, object, svg, base")
        framed_title = browser.find_element("css selector", "title").get_attribute("textContent")
        assert framed_title != "PWNED" and "Council" in framed_title
        link = browser.find_element("css selector", "a#js")
        assert link.get_attribute("href") is None
        link.click()  # a javascript: link that was neutralised: clicking does nothing
        browser.find_element("css selector", "a#live").click()  # a live-web link: goes nowhere
    finally:
        browser.switch_to.default_content()
    time.sleep(1.0)
    assert browser.title == ui_title and not browser.find_elements("css selector", "script")
    # the archived page opened directly (top level): the CSP sandbox still stops its scripts
    browser.get(srv.base + _doc_path(srv) + "/original")
    time.sleep(0.5)
    assert browser.title != "PWNED" and "Council" in browser.title
    screenshot(browser, tmp_path, "ui-hostile-original")
    assert site.requests == [], [r.split(b"\r\n", 1)[0] for r in site.requests]
