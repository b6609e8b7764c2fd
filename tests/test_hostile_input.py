"""Hostile bodies and heads: every bound gives a clear outcome, never a hang or a silent empty text."""
from __future__ import annotations

import gzip
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cleaners import clean, limits
from crawler.spiders.base import MAX_FEED_ENTRIES, FeedTooLarge, parse_feed, parse_sitemap
from tests.wire_server import WireServer, response

REPO = Path(__file__).resolve().parents[1]
URL = "https://example.com/news/x"


def test_deep_nesting_keeps_the_text_and_says_why() -> None:
    page = "<html><body>" + "<div>" * 50_000 + "<p>The article sits at the bottom.</p>" + "</div>" * 50_000
    doc = clean(page + "</body></html>", URL)
    assert "The article sits at the bottom." in doc.text
    assert doc.cleaner == "fallback" and "nested deeper" in (doc.fallback_reason or "")


def test_a_20_mb_paragraph_is_cut_with_a_reason() -> None:
    page = "<html><body><article><p>" + "word " * 4_000_000 + "</p></article></body></html>"
    doc = clean(page, URL)
    assert 0 < len(doc.text) <= limits.MAX_TEXT_CHARS
    assert "text node" in (doc.fallback_reason or "") and "cut at" in (doc.fallback_reason or "")


def test_200k_paragraphs_take_the_linear_path() -> None:
    page = "<html><head><title>Long</title></head><body><article>" + "".join(
        f"<p>Paragraph {i} of a very long page.</p>" for i in range(200_000)) + "</article></body></html>"
    doc = clean(page, URL)
    assert doc.text.startswith("Paragraph 0 of a very long page.\n\nParagraph 1 of")
    assert "over 50,000 elements" in (doc.fallback_reason or "") and doc.title == "Long"
    assert len(doc.text) <= limits.MAX_TEXT_CHARS


def test_over_the_time_budget_falls_back_to_a_cheap_extraction(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "BUDGET_SECONDS", 0.0005)
    page = "<html><body><article>" + "".join(
        f"<p>Sentence {i} of a normal article about council budgets.</p><div><a href='/x{i}'>link</a></div>"
        for i in range(3000)) + "</article></body></html>"
    doc = clean(page, URL)
    assert "cleaning took over" in (doc.fallback_reason or "")
    assert "Sentence 0 of a normal article" in doc.text


def test_an_empty_result_always_carries_a_reason() -> None:
    doc = clean("<html><body><div><img src='/a.png'></div></body></html>", URL)
    assert doc.text == "" and doc.fallback_reason


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
<!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
<!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
<!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
<!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
<!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">]>
<rss version="2.0"><channel><item><title>&lol9;</title><link>https://example.com/a</link></item></channel></rss>"""


def test_feed_entities_are_never_expanded() -> None:
    entries = parse_feed(BILLION_LAUGHS, "https://example.com/")  # returns at once, no blow-up
    assert all(len(e.title) < 1000 for e in entries)


def test_a_gzip_bomb_sitemap_stops_at_the_bound() -> None:
    bomb = gzip.compress(b"<urlset>" + b" " * (60 * 1024 * 1024), compresslevel=9)
    with pytest.raises(FeedTooLarge, match="once decompressed"):
        parse_sitemap(bomb, "https://example.com/")


def test_a_sitemap_gives_at_most_the_protocol_limit_of_urls() -> None:
    body = ("<urlset>" + "".join(f"<url><loc>https://example.com/{i}</loc></url>"
                                 for i in range(MAX_FEED_ENTRIES + 10)) + "</urlset>").encode()
    assert len(parse_sitemap(body, "https://example.com/")[1]) == MAX_FEED_ENTRIES


@pytest.fixture
def hostile_server() -> WireServer:
    bomb = gzip.compress(b"\0" * 30_000_000, compresslevel=9)
    s = WireServer(routes={
        "/bomb": response("200 OK", [("Content-Type", "text/html"), ("Content-Encoding", "gzip")], bomb),
        "/many-headers": response("200 OK", [("Content-Type", "text/html")]
                                  + [(f"X-H{i}", "v") for i in range(400)], b"<p>x</p>"),
        "/loop": response("302 Found", [("Location", "/loop2")], b""),
        "/loop2": response("302 Found", [("Location", "/loop")], b""),
    }).start()
    yield s
    s.stop()


def test_hostile_responses_fail_in_one_line_each(hostile_server: WireServer, tmp_path: Path) -> None:
    b = hostile_server.base
    env = {**os.environ, "GOVWIRE_MAX_BODY": "1000000", "GOVWIRE_PROGRESS_INTERVAL": "0"}
    r = subprocess.run([sys.executable, "-m", "crawler.cli", "archive", f"{b}/bomb", f"{b}/many-headers",
                        f"{b}/loop", "--ignore-robots", "--store", str(tmp_path / "s")],
                       capture_output=True, text=True, timeout=180, cwd=REPO, env=env)
    lines = dict(line.split(": ", 1) for line in r.stdout.strip().splitlines())
    assert r.returncode == 1 and "Traceback" not in r.stdout + r.stderr, r.stdout + r.stderr
    assert lines[f"FAILED  {b}/bomb"] == "body over size cap once decompressed (1000000 bytes)"
    assert lines[f"FAILED  {b}/many-headers"].startswith("response head over 256 lines")
    assert lines[f"FAILED  {b}/loop"].startswith("redirect loop (back to")
    # what was received is still archived: the bomb's compressed bytes as sent
    assert list((tmp_path / "s" / "warcs").rglob("*.warc.gz"))
