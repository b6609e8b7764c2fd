"""The private-API capture path (crawler/download_handler.py) really records every message head.

If a Scrapy/Twisted upgrade breaks the hooks, fetching still works and the WARC heads are
reconstructed; this test is what notices: it fails as soon as one response on the fixture web
falls back (`govwire/capture/raw_head_fallback` in the crawl stats).
"""
from __future__ import annotations

import gzip
import re
from pathlib import Path
from typing import Any

from tests.test_spiders import crawl


def _stat(log: str, name: str) -> int | None:
    m = re.search(rf"'{re.escape(name)}': (\d+)", log)
    return int(m.group(1)) if m else None


def test_no_raw_head_fallback_on_the_fixture_web(web: Any, seeds_for_fixture_web: Path, tmp_path: Path) -> None:
    c = crawl("wiredgov", tmp_path, seeds_for_fixture_web, args={"since": "2025-01-01"},
              settings={"LOG_LEVEL": "INFO"})
    recorded = _stat(c.log, "govwire/capture/raw_heads")
    assert recorded is not None and recorded >= 5, c.log[-3000:]
    assert _stat(c.log, "govwire/capture/raw_head_fallback") is None, "raw-head capture fell back"
    # and the WARC holds the heads as the server sent them (reason phrase, header case)
    warc = next((c.store / "warcs").rglob("*.warc.gz"))
    data = gzip.decompress(warc.read_bytes())
    assert b"HTTP/1.1 200 OK\r\n" in data and b"Content-Type: text/html; charset=windows-1252" in data
