"""parse_html's fast path (a page trafilatura's loader would not repair is parsed straight)
gives the very tree trafilatura's ``load_html`` gives, on every page the tests hold and on
pages built to need each repair."""
from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from lxml import etree
from trafilatura.utils import load_html

from cleaners.extract import _XML_DECL, _needs_repair, decode_html, parse_html

TESTS = Path(__file__).resolve().parent
EVAL = TESTS.parents[1] / "shared" / "real-pages" / "trafilatura-eval"
BODY = "<body><h1>Title</h1><p>One paragraph of text.</p></body>"
CRAFTED = [
    f"<!DOCTYPE html>\n<html><head><title>t</title></head>{BODY}</html>",
    f'<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "http://www.w3.org/TR/xhtml1/DTD/'
    f'xhtml1-strict.dtd">\n<html><head><title>t</title></head>{BODY}</html>',
    f"<!DOCTYPE html><html><head><title>t</title></head>{BODY}</html>",  # no newline at all
    f"<html><head><title>t\x0bx\x00</title></head>{BODY}</html>",  # XML-invalid characters
    f"<html><head><title>t\ufffe</title></head>{BODY}</html>",
    f'<html lang="en"/>\n<head><title>t</title></head>{BODY}',  # self-closing <html/>
    "<p>a lone fragment</p>",
    "just text, no markup at all",
    f"<html>{BODY}</html>",  # no <head>: one child
    f"<html><head><title>é ü “quotes”</title></head>{BODY}</html>",
    '<?xml version="1.0" encoding="utf-8"?>\n<html><head></head>' + BODY + "</html>",
]


def _pages() -> list[str]:
    files = [*TESTS.glob("golden/*/*/page.html*"), *TESTS.glob("layouts/*/*.html"),
             *TESTS.glob("fuzz_regressions/clean/*"), *sorted(EVAL.glob("*.html.gz"))[:80]]
    out = []
    for f in sorted(files):
        if f.is_dir():
            continue
        data = f.read_bytes()
        try:
            out.append(decode_html(gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data))
        except Exception:  # noqa: BLE001 -- inputs clean() refuses are not parsed at all
            continue
    return out


def _same(text: str) -> None:
    ours = parse_html(text)
    try:
        theirs = load_html(_XML_DECL.sub("", text, count=1))
    except (ValueError, TypeError):
        theirs = None
    assert (ours is None) == (theirs is None), text[:120]
    if ours is not None and theirs is not None:
        assert etree.tostring(ours) == etree.tostring(theirs), text[:120]


@pytest.mark.parametrize("text", CRAFTED)
def test_crafted_pages_parse_as_trafilatura_does(text: str) -> None:
    _same(text)


def test_crafted_pages_take_both_paths() -> None:
    needs = [_needs_repair(t) for t in CRAFTED]
    assert any(needs) and not all(needs)


def test_every_test_page_parses_as_trafilatura_does() -> None:
    pages = _pages()
    assert len(pages) > 20
    for text in pages:
        _same(text)
