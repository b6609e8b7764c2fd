"""ReplayWeb.page opens `govwire export wacz` output in headless Chromium.

The replaywebpage npm package's own static UI (ui.js, sw.js; fetched by `make install-test`)
is served with the WACZ from 127.0.0.1, embedded as its docs show, and asked for a GOV.UK
release whose newest capture is a 304 revisit. It must show the page (the response the 304
confirmed; docs/replay.md says why the WACZ index leaves the revisit line out).
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
<replay-web-page source="demo.wacz" url="{url}" replayBase="./replay/" embed="replayonly">
</replay-web-page></body></html>"""


@pytest.fixture
def rwp_site(demo_store: Path, tmp_path: Path) -> Iterator[tuple[str, str, list[str]]]:
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
    # a GOV.UK release whose newest capture is a 304 revisit (unchanged on the later crawls)
    assert main(["index", "--store", str(demo_store), "--out", str(tmp_path / "all.cdxj")]) == 0
    latest: dict[str, dict[str, Any]] = {}
    for line in (tmp_path / "all.cdxj").read_text().splitlines():
        f = json.loads(line.split(" ", 2)[2])
        latest[f["url"]] = f
    url = next(u for u, f in sorted(latest.items())
               if f.get("revisit_filename") and "/government/news/" in u and u in pages)
    (site / "index.html").write_text(PAGE.format(url=url), encoding="utf-8")

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
        yield f"http://127.0.0.1:{server.effective_port}/", pages[url]["title"], seen  # type: ignore[union-attr]
    finally:
        server.close()


def test_replaywebpage_replays_the_wacz(browser: Any, rwp_site: tuple[str, str, list[str]],
                                        tmp_path: Path) -> None:
    base, page_title, seen = rwp_site
    browser.get(base)
    title = ""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            host = browser.find_element("css selector", "replay-web-page")
            frames = host.shadow_root.find_elements("css selector", "iframe")
            if frames:
                browser.switch_to.frame(frames[0])
                title = browser.find_element("css selector", "title").get_attribute("textContent")
                browser.switch_to.default_content()
                if title.startswith("Archive of "):
                    break
        except Exception:  # the embed builds its shadow DOM asynchronously
            browser.switch_to.default_content()
        time.sleep(0.5)
    screenshot(browser, tmp_path, "replaywebpage-wacz")
    assert title.startswith(f"Archive of {page_title}"), (title, page_title)
    assert "/demo.wacz" in seen  # the archive came from our file, nothing else was asked for
