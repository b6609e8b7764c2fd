"""The one place that talks to trafilatura and lxml: decode, parse once, extract.

The page is parsed once with lxml; metadata is read from that tree with a few cheap
XPath lookups (no htmldate), and the same tree is handed to trafilatura for the text,
with the site's ``prune_xpath``.
"""
from __future__ import annotations

import codecs
import copy
import gzip
import json
import re
import zlib
from dataclasses import dataclass, field
from typing import Any

import trafilatura
from lxml import etree
from lxml.html import HtmlElement
from trafilatura.settings import Extractor
from lxml.html import fromstring
from trafilatura.utils import DOCTYPE_TAG, HTML_PARSER, load_html

from cleaners.errors import CleanerInputError
from cleaners.readability_gate import extract_sparing_nav, skipping_readability

__all__ = ["MAX_INPUT_BYTES", "PageMeta", "decode_html", "drop_unread", "extract_text", "page_meta",
           "parse_html"]

MAX_INPUT_BYTES = 20 * 1024 * 1024  # a news page is < 2 MB; more is a wrong file, not a page

# Options shared by clean() and the no-regression baseline: comments are not article text.
TRAFILATURA_OPTIONS: dict[str, Any] = {"include_comments": False, "include_tables": True}
# the same options as an Extractor, built once: building one per page reads trafilatura's
# config file values each time (~5 % of an extraction); each call gets a shallow copy with its url
_EXTRACTOR = Extractor(output_format="python", comments=False, tables=True)

_MAGIC = (
    (b"%PDF-", "a PDF document"), (b"\x89PNG", "a PNG image"), (b"GIF8", "a GIF image"),
    (b"\xff\xd8\xff", "a JPEG image"), (b"PK\x03\x04", "a ZIP archive"),
    (b"RIFF", "a RIFF (WebP/AVI) file"), (b"WARC/", "a WARC file (use the archive tools)"),
)
_META_CHARSET = re.compile(
    rb"""<meta[^>]+?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")


def decode_html(data: str | bytes, charset: str | None = None) -> str:
    """Bytes to text: BOM, then the given charset, then ``<meta charset>``, then UTF-8, cp1252.

    Raises:
        CleanerInputError: empty, too large, or binary (PDF, image, NUL bytes) input.
    """
    if isinstance(data, str):
        if len(data) > MAX_INPUT_BYTES:
            raise CleanerInputError(f"input too large: {len(data)} characters (limit {MAX_INPUT_BYTES})")
        text = data
    else:
        if len(data) > MAX_INPUT_BYTES:
            raise CleanerInputError(f"input too large: {len(data)} bytes (limit {MAX_INPUT_BYTES})")
        if data[:2] == b"\x1f\x8b":  # page.html.gz as stored; cap the inflated size too
            try:
                data = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(data, MAX_INPUT_BYTES + 1)
            except (zlib.error, EOFError, gzip.BadGzipFile) as e:
                raise CleanerInputError(f"corrupt gzip input: {e}") from None
            if len(data) > MAX_INPUT_BYTES:
                raise CleanerInputError(f"input too large once un-gzipped (limit {MAX_INPUT_BYTES})")
        text = _decode_bytes(data, charset)
    if not text or text.isspace():  # (not text.strip(): that copies the page)
        raise CleanerInputError("empty input: nothing to clean")
    if "\x00" in text[:4096]:
        raise CleanerInputError("binary input (NUL bytes): not an HTML page")
    return text


def _decode_bytes(data: bytes, charset: str | None) -> str:
    for bom, enc in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                     (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return data.decode(enc, errors="replace")
    head = data[:1024].lstrip()
    for magic, what in _MAGIC:
        if head.startswith(magic):
            raise CleanerInputError(f"binary input: {what}, not an HTML page")
    candidates = [charset] if charset else []
    m = _META_CHARSET.search(data[:8192])
    if m:
        candidates.append(m.group(1).decode("ascii", "replace"))
    for enc in candidates:
        try:
            codecs.lookup(enc)
        except LookupError:
            continue
        if enc.lower().replace("-", "") in ("iso88591", "latin1", "ascii", "usascii"):
            enc = "cp1252"  # what browsers do (WHATWG encoding standard)
        return data.decode(enc, errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


# C0 control characters other than tab, LF and CR: with U+FFFE/U+FFFF what XML (and so
# libxml2) refuses, and what trafilatura's loader strips with a regex over the whole page
_C0 = bytes(c for c in range(32) if c not in (9, 10, 13))
_MIN_CHILDREN = 2  # <head> and <body>: a tree trafilatura's loader takes as it is


def _needs_repair(text: str) -> bool:
    """Whether trafilatura's loader would change the text before parsing: XML-invalid
    characters, a first-line DOCTYPE libxml2 misreads, a self-closing <html/>. Tested on the
    UTF-8 bytes (C translate and substring search) - the loader's regex pass over a 100 KB page
    costs twice what lxml's parse of it does."""
    data = text.encode("utf-8", "surrogatepass")
    if len(data.translate(None, _C0)) != len(data):
        return True
    # (U+FFFE and U+FFFF are not ASCII: an ASCII page, most pages, is not searched for them -
    # each search of a 100 KB page costs what the translate above does)
    if not text.isascii() and (b"\xef\xbf\xbe" in data or b"\xef\xbf\xbf" in data):
        return True
    if "doctype" in text[:50].lower():
        first, newline, _ = text.partition("\n")
        if not newline or DOCTYPE_TAG.search(first):
            return True
    return any("<html" in line and line.endswith("/>") for line in text[:4096].splitlines()[:4])


def parse_html(text: str) -> HtmlElement | None:
    """Parse once; None when lxml finds no document at all.

    A page the loader would not repair is parsed straight with its parser (same parser, same
    error log for limits.parse_problem); anything else - or a parse that does not give a whole
    document - goes through trafilatura's ``load_html``, so the tree is always what it gives.
    """
    text = _XML_DECL.sub("", text, count=1)
    if not _needs_repair(text):
        try:
            tree = fromstring(text, parser=HTML_PARSER)
        except (ValueError, TypeError):
            tree = None
        if tree is not None and len(tree) >= _MIN_CHILDREN:
            return tree
    try:
        return load_html(text)
    except (ValueError, TypeError):
        return None


# Elements no stage of trafilatura takes text from: its cleaning deletes them (MANUALLY_CLEANED),
# and so do the stages that see the page before that cleaning - the baseline, html2txt and the
# justext rescue (basic_cleaning: aside, footer, script, style, svg) and readability (script,
# style). Dropped from our tree before extraction they cost trafilatura nothing: no copies of
# a page's scripts and hydration JSON (most of a news page's bytes), fewer nodes for every walk.
# JSON-LD stays: the baseline reads articleBody from it. Generic path only (checked equal on
# every golden, layout and eval page; docs/benchmarks.md): <nav> is not here (readability and
# the baseline read it: one eval page loses its text), nor is the site path (an Independent
# page keeps a promo box: the site rules were written against trafilatura on the whole page).
_UNREAD = etree.XPath('//script[not(@type="application/ld+json")]|//style|//fencedframe|//svg'
                      "|//aside|//footer")


def drop_unread(tree: HtmlElement) -> None:
    """Remove in place (tails kept) what trafilatura would discard unread; call it once the
    page has been read for everything else."""
    for el in _UNREAD(tree):
        if el.getparent() is not None:
            el.drop_tree()


def extract_text(tree: HtmlElement, url: str | None, prune_xpath: tuple[str, ...] = (), *,
                 spare_nav: bool = False) -> str:
    """Main text in trafilatura's txt layout (one paragraph per line, ``- `` list items).

    ``tree`` is left as it was: trafilatura works on its own copy of a tree it is given
    (tests/test_clean_inputs.py holds it to that), so the page can be read again afterwards.
    ``spare_nav``: try the extraction with the navigation pruned up front first, kept only
    where it provably gives the same text (cleaners/readability_gate.py).
    """
    def run(extra: list[str] | None) -> Any:
        options = copy.copy(_EXTRACTOR)
        options.url = url
        options.source = url and url.encode("utf-8", "replace").decode("utf-8")
        prune = [*prune_xpath, *(extra or ())] or None
        return trafilatura.bare_extraction(tree, url=url, prune_xpath=prune, options=options)

    with skipping_readability():  # (where it cannot change the result: cleaners/readability_gate.py)
        doc = extract_sparing_nav(tree, run) if spare_nav and not prune_xpath else run(None)
    if doc is None:
        return ""
    return str(getattr(doc, "text", "") or "")


@dataclass
class PageMeta:
    """Metadata read from the page head, JSON-LD and Open Graph."""

    title: str | None = None
    authors: list[str] = field(default_factory=list)
    published: str | None = None
    modified: str | None = None
    language: str | None = None
    canonical_url: str | None = None
    description: str | None = None
    site_name: str | None = None
    jsonld: dict[str, Any] = field(default_factory=dict)


def _first(tree: HtmlElement, *xpaths: etree.XPath) -> str | None:
    for xp in xpaths:
        for v in xp(tree):
            v = (v if isinstance(v, str) else v.text_content()).strip()
            if v:
                return " ".join(v.split())
    return None


def _x(path: str) -> etree.XPath:
    return etree.XPath(path)


# compiled once; the head's <meta>/<link> values are read in one pass (_head_values), these
# only when JSON-LD and the meta tags say nothing
_H1 = _x("//body//h1")
_HEAD_TITLE = _x("//head/title")
# (through the attribute axis: the same nodes as //*[@itemprop="…"]/@content, in document
# order, without libxml2 evaluating a predicate on every element - 70 -> 11 us on a bench page)
_ITEMPROP_PUBLISHED = _x('//@itemprop[.="datePublished"]/../@content')
_TIME_PUBLISHED = _x('//time/@itemprop[.="datePublished"]/../@datetime')
_ITEMPROP_MODIFIED = _x('//@itemprop[.="dateModified"]/../@content')
_HTML_LANG = _x("/html/@lang")
_LD_SCRIPTS = _x('//script[@type="application/ld+json"]')
# (attribute, value) of a <meta> or <link> -> the attribute holding what it says
_WANTED = {("property", "og:title"): "content", ("name", "author"): "content",
           ("property", "article:author_name"): "content",
           ("property", "article:published_time"): "content",
           ("property", "article:modified_time"): "content",
           ("http-equiv", "content-language"): "content", ("rel", "canonical"): "href",
           ("property", "og:url"): "content", ("name", "description"): "content",
           ("property", "og:description"): "content", ("property", "og:site_name"): "content"}
_KEYS_BY_TAG = {"meta": ("property", "name", "http-equiv"), "link": ("rel",)}


def _head_values(tree: HtmlElement) -> dict[str, str]:
    """The first non-blank value (whitespace collapsed) of each wanted <meta>/<link>, in
    document order: what ``//meta[@property="og:title"]/@content`` (…) would give, in one pass."""
    found: dict[str, str] = {}
    for el in tree.iter("meta", "link"):
        for attr in _KEYS_BY_TAG[el.tag]:
            key = el.get(attr)
            if key is None or key in found:
                continue
            value_attr = _WANTED.get((attr, key))
            if value_attr is None:
                continue
            value = " ".join((el.get(value_attr) or "").split())
            if value:
                found[key] = value
    return found


def article_jsonld(tree: HtmlElement) -> dict[str, Any]:
    """The first JSON-LD object whose @type ends in "Article" (NewsArticle, …), else {}."""
    for script in _LD_SCRIPTS(tree):
        try:
            data = json.loads(script.text or "")
        except ValueError:
            continue
        stack = data if isinstance(data, list) else [data]
        while stack:
            obj = stack.pop(0)
            if not isinstance(obj, dict):
                continue
            stack.extend(obj.get("@graph", []) if isinstance(obj.get("@graph"), list) else [])
            types = obj.get("@type")
            types = types if isinstance(types, list) else [types]
            if any(isinstance(t, str) and t.endswith("Article") for t in types):
                return obj
    return {}


def _names(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value]
    out = []
    for it in items:
        name = it.get("name") if isinstance(it, dict) else it
        if isinstance(name, str) and name.strip():
            out.append(" ".join(name.split()))
    return out


def page_meta(tree: HtmlElement) -> PageMeta:
    """Title, authors, dates, language, canonical url and description of a parsed page."""
    ld = article_jsonld(tree)
    head = _head_values(tree)
    meta = PageMeta(jsonld=ld)
    ld_title = ld.get("headline") or ld.get("headLine") or ld.get("name")
    if head.get("og:title"):
        meta.title = head["og:title"]
    elif isinstance(ld_title, str) and ld_title.strip():
        meta.title = " ".join(ld_title.split())
    else:
        h1 = _H1(tree)
        meta.title = (" ".join(h1[0].text_content().split()) or None if len(h1) == 1 else None) or _first(
            tree, _HEAD_TITLE)
    author = head.get("author") or head.get("article:author_name")
    meta.authors = (_names(ld.get("author")) if ld else []) or ([author] if author else [])
    pub, mod = ld.get("datePublished"), ld.get("dateModified")
    meta.published = (pub if isinstance(pub, str) else None) or head.get("article:published_time") or _first(
        tree, _ITEMPROP_PUBLISHED, _TIME_PUBLISHED)
    meta.modified = (mod if isinstance(mod, str) else None) or head.get("article:modified_time") or _first(
        tree, _ITEMPROP_MODIFIED)
    meta.language = _first(tree, _HTML_LANG) or head.get("content-language")
    meta.canonical_url = head.get("canonical") or head.get("og:url")
    meta.description = head.get("description") or head.get("og:description")
    meta.site_name = head.get("og:site_name")
    return meta
