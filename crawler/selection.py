"""Is this page a copy of a UK-government release? Decided from text evidence that survives a
redesign, not from one class name or feed category (docs/quality.md, "Selection").

Evidence is read from the *article* only - the smallest block holding the headline and most of
the page's paragraph text, with navigation, asides, sign-up/sponsor/"most read" boxes,
comments and footers left out - so a sidebar byline or a keyword in a photo gallery or a
"Latest News" rail never counts:

- `source`: a link to the original on one of the seed's `source_domains` (an `<a>` in the
  article, or a URL in its text, as Wired-Gov's "Original article link: https://www.gov.uk/…").
- `byline`: one of the seed's `bylines` as the article's author (meta/JSON-LD author, an
  author link or byline inside the article) or as a short line of its own near the top
  (Mirage's "UK Gov"); "PA" also matches PA-wire copy marks ("PA news agency", "(Name/PA)").
- `keyword`: one of the seed's `keywords` in the article's body paragraphs.
- `marker`: the outlet's own re-publication marks (Mirage's "Public Release" disclaimer,
  Wired-Gov's department line): they raise confidence and are reported, never enough alone.
- `category`: the feed said so (a wanted category or section): raises confidence only.

Aggregators (a seed with `source_domains`: Mirage, Wired-Gov) need `source` or `byline`.
Press sites (no `source_domains`: the Independent, Iconic titles) keep a page the feed already
marked as wanted; a page the feed left in doubt needs `byline` or `keyword`.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from cleaners.article_region import Region, is_furniture

__all__ = ["Evidence", "article_bylines", "decide", "gather", "source_links"]

_URL_IN_TEXT = re.compile(r"https?://[^\s<>\"')]+")
_PA_MARKS = re.compile(r"\bPA news agency\b|\([^()\n]{1,60}/PA(?: Wire)?\)|\bPA Wire\b|\bPA Media\b")
MARKERS = {  # outlet re-publication marks: evidence of a copy, not of its origin
    "public-release disclaimer": re.compile(r"/?Public Release\. This material from the originating organi[sz]ation"),
    "original-article line": re.compile(r"^Original article link:", re.MULTILINE),
    "view-in-full link": re.compile(r"View in full here"),
}
_UK_DEPARTMENT = re.compile(
    r"^(?:Foreign,\s?Commonwealth (?:and|&) Development Office|Home Office|Cabinet Office|HM Treasury"
    r"|Prime Minister's Office.*|Department (?:for|of) [A-Z][\w ,&]+|Ministry of (?:Defence|Justice|Housing.*)"
    r"|Office of the Secretary of State for \w+)$")


_is_furniture = is_furniture


def article_lines(article: Any) -> list[str]:
    """The article's text as lines, one per block element, furniture left out."""
    lines: list[str] = []
    current: list[str] = []
    block = {"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "div", "section", "blockquote", "td",
             "tr", "dt", "dd", "br", "figcaption", "header", "span"}

    def flush() -> None:
        text = " ".join(" ".join(current).split())
        if text:
            lines.append(text)
        current.clear()

    def walk(el: Any) -> None:
        if _is_furniture(el):
            return
        tag = el.tag.lower() if isinstance(el.tag, str) else ""
        if tag in block:
            flush()
        if el.text:
            current.append(el.text)
        for child in el:
            if isinstance(child.tag, str):
                walk(child)
            if child.tail:
                current.append(child.tail)
        if tag in block:
            flush()

    walk(article)
    flush()
    return lines


def body_paragraphs(article: Any, furn: set[Any]) -> list[str]:
    """The article's running text: paragraphs, list items, quotes, table cells; no captions."""
    out = []
    for el in article.iter("p", "li", "blockquote", "td"):
        if el in furn or any(a.tag == "figure" for a in el.iterancestors()):
            continue
        text = " ".join("".join(el.itertext()).split())
        if text:
            out.append(text)
    return out


def source_links(article: Any, lines: Iterable[str], domains: Iterable[str], furn: set[Any] | None = None
                 ) -> list[str]:
    """Links to the original on `domains` (exact host, `www.` ignored): anchors, then text URLs."""
    want = {d.lower().removeprefix("www.") for d in domains}
    if not want:
        return []
    found: list[str] = []
    hrefs = [a.get("href") or "" for a in article.iter("a") if a not in (furn or set())]
    for href in [*hrefs, *(m.group(0) for ln in lines for m in _URL_IN_TEXT.finditer(ln))]:
        href = href.strip().rstrip(".,;")
        host = (urlsplit(href).hostname or "").lower().removeprefix("www.")
        if href.startswith("http") and host in want and href not in found:
            found.append(href)
    return found


def article_bylines(root: Any, article: Any, furn: set[Any] | None = None) -> list[str]:
    """Author/byline strings of the article itself: metadata, JSON-LD, author links inside it."""
    out: list[str] = []
    for xp in ('//meta[@property="article:author_name"]/@content', '//meta[@name="author"]/@content'):
        out += [str(v).strip() for v in root.xpath(xp) if str(v).strip()]
    for script in root.xpath('//script[@type="application/ld+json"]'):
        try:
            data = json.loads(script.text or "")
        except ValueError:
            continue
        for obj in data if isinstance(data, list) else [data]:
            authors = obj.get("author") if isinstance(obj, dict) else None
            for a in authors if isinstance(authors, list) else [authors]:
                if isinstance(a, dict) and a.get("name"):
                    out.append(str(a["name"]))
    for el in article.xpath('.//a[@rel="author"] | .//a[contains(@href,"/author/")]'
                            ' | .//*[contains(concat(" ", @class, " "), " byline ")]'):
        if el in (furn or set()):
            continue
        text = " ".join("".join(el.itertext()).split())
        if text:
            out.append(text)
    return list(dict.fromkeys(out))


@dataclass
class Evidence:
    """What a page shows, and whether that makes it a wanted copy."""

    signals: list[str] = field(default_factory=list)   # "source: https://www.gov.uk/…", "byline: UK Gov", …
    bylines: list[str] = field(default_factory=list)
    source_url: str | None = None
    department: str | None = None

    def has(self, kind: str) -> bool:
        return any(s.startswith(kind + ":") or s == kind for s in self.signals)


def _word_re(words: Iterable[str]) -> re.Pattern[str] | None:
    words = [w for w in words if w]
    if not words:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(w) for w in words) + r")(?!\w)", re.IGNORECASE)


def gather(root: Any, filters: dict[str, list[str]], categories: Iterable[str] = ()) -> Evidence:
    """Collect the evidence of a parsed page (lxml root) against a seed's [filters]."""
    region = Region(root)
    article, furn = region.article, region.furniture
    lines = article_lines(article)
    ev = Evidence()
    links = source_links(article, lines, filters.get("source_domains", []), furn)
    if links:
        ev.source_url = links[0]
        ev.signals.append(f"source: {links[0]}")
    ev.bylines = article_bylines(root, article, furn)
    wanted = [b for b in filters.get("bylines", []) if b]
    head = [ln for ln in lines[:8] if len(ln) <= 40]  # a source label stands alone near the top
    for b in wanted:
        if any(b.lower() == x.lower() or re.search(rf"(?<!\w){re.escape(b)}(?!\w)", x) for x in ev.bylines):
            ev.signals.append(f"byline: {b}")
        elif any(b.lower() == x.lower() for x in head):
            ev.signals.append(f"byline: {b}")
            ev.bylines.append(b)
        elif b == "PA" and any(_PA_MARKS.search(ln) for ln in lines):
            ev.signals.append("byline: PA (wire copy marks)")
    body = "\n".join(body_paragraphs(article, furn))  # running text: not headlines, captions or rails
    kw = _word_re(filters.get("keywords", []))
    if kw is not None:
        m = kw.search(body)
        if m:
            ev.signals.append(f"keyword: {m.group(0)}")
    text = "\n".join(lines)
    for name, pat in MARKERS.items():
        if pat.search(text):
            ev.signals.append(f"marker: {name}")
    dept = next((ln for ln in lines[:6] if _UK_DEPARTMENT.match(ln)), None)
    if dept:
        ev.department = dept
        ev.signals.append(f"marker: department line ({dept})")
    cats = {c.lower() for c in categories}
    hits = [s for s in filters.get("sections", []) if s.lower() in cats]
    if hits:
        ev.signals.append(f"category: {hits[0]}")
    return ev


def decide(ev: Evidence, filters: dict[str, list[str]], feed_verdict: str) -> str | None:
    """None when the page is a wanted copy, else why not (one short reason)."""
    if filters.get("source_domains"):  # an aggregator of everyone's releases: show the origin
        if ev.has("source") or ev.has("byline"):
            return None
        wanted = "/".join(filters["source_domains"])
        by = "/".join(filters.get("bylines", []))
        return f"no evidence of a UK-government original (no {wanted} link" + (f", no {by} byline)" if by else ")")
    if feed_verdict != "check":
        return None
    if ev.has("byline") or ev.has("keyword"):
        return None
    return "neither a government keyword in the article nor a wire byline"
