"""ReplayWeb.page opens `govwire export wacz` output in headless Chromium.

The replaywebpage npm package's own static UI (ui.js, sw.js; fetched by `make install-test`)
is served with the WACZ from 127.0.0.1, embedded as its docs show, and asked for a GOV.UK
release at the date of its newest capture, a 304 revisit. It must show the page: the revisit's
index line (status of the original, docs/replay.md) makes wabac.js follow WARC-Refers-To to the
response the 304 confirmed. Control: the same WACZ with that line as recorded (status 304)
does not show it, so the test sees the difference.
"""
from __future__ import annotations

import json
import shutil
import threading
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from crawler.cli import main
from tests.fixtures_demo_store import free_port
from tests.fixtures_ui import REPO, screenshot

RWP = REPO / ".cache" / "replaywebpage" / "package"
pytestmark = pytest.mark.slow

PAGE = """<!doctype html>
<html><head><script src="./ui.js"></script></head>
<body style="margin:0;height:100vh">
<replay-web-page source="{source}" url="{url}" ts="{ts}" replayBase="./replay/" embed="replayonly">
</replay-web-page></body></html>"""


@pytest.fixture
def rwp_site(demo_store: Path, tmp_path: Path) -> Iterator[tuple[str, str, list[str], str]]:
    if not (RWP / "ui.js").exists():
        pytest.skip("ReplayWeb.page UI not fetched: `make install-test` does it where npm exists")
    site = tmp_path / "site"
    (site / "replay").mkdir(parents=True)
    shutil.copy(RWP / "ui.js", site / "ui.js")
    shutil.copy(RWP / "sw.js", site / "replay" / "sw.js")
    assert main(["export", "wacz", "--store", str(demo_store), "--out", str(site / "demo.wacz")]) == 0
    with zipfile.ZipFile(site / "demo.wacz") as z:
        pages = {p["url"]: p for p in (json.loads(x) for x in
                                         z.read("pages/pages.jsonl").decode().splitlines()[1:])}
        index = z.read("indexes/index.cdx").decode().splitlines()
    # a GOV.UK release whose newest capture is a 304 revisit (unchanged on the later crawls)
    latest: dict[str, tuple[str, str, dict[str, Any]]] = {}
    for line in index:
        key, ts, fields = line.split(" ", 2)
        latest[json.loads(fields)["url"]] = (line, ts, json.loads(fields))
    url, (line, ts, fields) = next((u, v) for u, v in sorted(latest.items())
                                   if v[2].get("recorded_status") == "304"
                                   and "/government/news/" in u and u in pages)
    assert fields["mime"] == "warc/revisit" and fields["status"] == "200"
    assert ts > pages[url]["ts"]  # newer than the response the document was cleaned from
    (site / "index.html").write_text(PAGE.format(source="demo.wacz", url=url, ts=ts), encoding="utf-8")
    # the control: the same archive, the revisit line as recorded (status 304)
    recorded = line.replace('"status": "200"', '"status": "304"')
    with zipfile.ZipFile(site / "demo.wacz") as src, \
            zipfile.ZipFile(site / "recorded.wacz", "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "indexes/index.cdx":
                data = "\n".join(recorded if x == line else x for x in index).encode() + b"\n"
            dst.writestr(info, data)
    (site / "recorded.html").write_text(PAGE.format(source="recorded.wacz", url=url, ts=ts),
                                        encoding="utf-8")

    # a static server with Range support (ReplayWeb.page reads the WACZ by byte ranges)
    from flask import Flask, request, send_from_directory
    from waitress.server import create_server

    app = Flask("rwp-static", static_folder=None)
    seen: list[str] = []

    @app.get("/", defaults={"path": "index.html"})
    @app.get("/<path:path>")
    def static(path: str) -> Any:
        seen.append(request.path)
        if (site / path).is_dir():  # like a plain static server's listing, until the SW takes over
            return "<!doctype html><title>listing</title>"
        return send_from_directory(site, path, conditional=True)

    server = create_server(app, host="127.0.0.1", port=free_port())
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}/", pages[url]["title"], seen, ts  # type: ignore[union-attr]
    finally:
        server.close()


# the replayed page's own frame sits in the app frame's shadow DOM: its text, or null
_PAGE_TEXT = """
const frames = [];
const walk = (root) => root.querySelectorAll("*").forEach((el) => {
  if (el.tagName === "IFRAME") frames.push(el);
  if (el.shadowRoot) walk(el.shadowRoot);
});
walk(document);
const seen = [];
for (const f of frames) {
  try {
    const doc = f.contentDocument;
    seen.push(f.src + " -> " + (doc ? doc.location.href + " " + doc.readyState : "?"));
    if (doc && doc.body && doc.location.href.includes("mp_/")) return [doc.body.innerText, seen];
  } catch (e) { seen.push(f.src + " -> " + e); }
}
return [null, seen];
"""


def _replay(browser: Any, page: str, wait: float = 60.0) -> tuple[str, str, str]:
    """(title, text, its frames as "src -> document") of the replayed page, once it shows."""
    browser.get(page)
    title = text = state = ""
    found = None
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            host = browser.find_element("css selector", "replay-web-page")
            frames = host.shadow_root.find_elements("css selector", "iframe")
            if frames:
                browser.switch_to.frame(frames[0])
                title = browser.find_element("css selector", "title").get_attribute("textContent")
                found, frames_seen = browser.execute_script(_PAGE_TEXT)
                text, state = found or "", " ".join(frames_seen)
                browser.switch_to.default_content()
                if title.startswith("Archive of ") and found or "Not Found" in text:
                    break
        except Exception:  # the embed builds its shadow DOM asynchronously
            browser.switch_to.default_content()
        time.sleep(0.5)
    return title, text, state


def test_replaywebpage_replays_the_wacz(browser: Any, rwp_site: tuple[str, str, list[str], str],
                                        tmp_path: Path) -> None:
    base, page_title, seen, ts = rwp_site
    started = time.monotonic()
    title, text, frames = _replay(browser, base)
    print(f"replayed in {time.monotonic() - started:.1f} s")
    screenshot(browser, tmp_path, "replaywebpage-wacz")
    assert title.startswith(f"Archive of {page_title}"), (title, page_title, text[:300])
    assert page_title.split(" ")[0] in text  # with its content, not an empty 304
    assert f"{ts}mp_/" in frames, frames  # ... at the revisit's date: the newest capture
    assert "/demo.wacz" in seen  # the archive came from our file, nothing else was asked for
    title, text, frames = _replay(browser, base + "recorded.html", wait=15.0)
    screenshot(browser, tmp_path, "replaywebpage-wacz-recorded-304")
    # the frame asked for that capture and got a 304: no document (about:blank), no text
    assert f"{ts}mp_/" in frames and "-> about:blank" in frames, frames
    assert not title.startswith("Archive of ") and not text, (title, text[:300])
