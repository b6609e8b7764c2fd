"""Fixture-web variants: the same outlets after a restyle and after a breaking redesign.

Each variant is an update overlay (`crawler/demo/updates/<name>/<host>/`, applied with
`FixtureWeb.apply_update(name)`), derived from the built pages by text transforms, so it
stays in step with `build_web.py` (which calls `build_variants()` last).

- `mirage-restyled`, `wiredgov-restyled`: new class names and containers, no feed
  `<category>`, Mirage's "UK Gov" label as a plain paragraph, Wired-Gov's "Original article
  link:" as plain text (no `<a>`), sidebar boxes (sign-up, "Most read") before and after the
  body. The evidence a copy of a government release carries is all still in the text, so
  selection and cleaning must work unchanged (and `govwire probe` must say OK).
- `mirage-redesign`: article pages become a script-rendered shell (the text only in a JSON
  blob, the visible page says "Loading"). Nothing can be selected or cleaned: `govwire probe`
  must flag the site as broken and a crawl must raise its zero-yield alarm.
"""
from __future__ import annotations

import html
import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent

__all__ = ["VARIANTS", "build_variants"]

Transform = Callable[[str, str], str]  # (route key, page text) -> new page text

SIGNUP = ('<div class="signup-box"><h3>Get the daily digest</h3><p>Sign up to our newsletter for the'
          ' latest releases.</p><a class="btn" href="/subscribe">Subscribe</a></div>')
SPONSOR = '<div class="sponsor-box"><p>Sponsored: Public sector cloud summit, book your free place today.</p></div>'
MOST_READ = ('<div class="most-read"><h3>Most read</h3><ol><li><a href="/a-1000001/">Council budgets'
             ' under strain as demand rises</a></li><li><a href="/b-1000002/">New rail timetable'
             ' announced for spring</a></li></ol></div>')


def _drop_categories(feed: str) -> str:
    return re.sub(r"\n\s*<category>[^<]*</category>", "", feed)


def _wiredgov_feed(feed: str) -> str:
    """No categories, and each item listed again under another spelling of its URL (`?open=`,
    `%2B` for `+`), as a Domino site's links do: one article, one request."""
    feed = _drop_categories(feed)
    items = re.findall(r"  <item>.*?</item>\n", feed, re.S)
    extra = []
    for i, item in enumerate(items):
        if i % 2 == 0:
            extra.append(item.replace("?open</link>", "?open=</link>").replace("?open</guid>", "?open=</guid>"))
        else:
            extra.append(re.sub(r"(articles/[^<?]*)", lambda m: m.group(1).replace("+", "%2B"), item))
    return feed.replace("</channel>", "".join(extra) + "</channel>")


def _mirage_restyled(key: str, page: str) -> str:
    page = re.sub(r'<span class="source-label"><a href="[^"]*" rel="category tag">([^<]*)</a></span>',
                  r'<p class="origin">\1</p>', page)
    page = page.replace('<main id="main" class="site-main">',
                        f'<div class="layout"><aside class="rail rail-left">{SIGNUP}{SPONSOR}</aside>'
                        '<div class="story-wrap">')
    page = page.replace('<article class="post type-post status-publish" itemscope itemtype="https://schema.org/NewsArticle">',
                        '<section class="story">')
    page = page.replace("</article>", "</section>")
    page = page.replace('<header class="entry-header"><h1 class="entry-title" itemprop="headline">',
                        '<div class="story-head"><h1 class="headline">')
    page = page.replace('<div class="entry-meta">', '<div class="meta-line">')
    page = page.replace('</time></div></header>', '</time></div></div>')
    page = page.replace('<div class="entry-content" itemprop="articleBody">', '<div class="story-text">')
    page = page.replace("</main>", f'</div><aside class="rail rail-right">{MOST_READ}</aside></div>')
    return page.replace("govwire fixture: Mirage News DOM is INVENTED",
                        "govwire fixture (variant mirage-restyled): Mirage News DOM is INVENTED")


def _mirage_redesign(key: str, page: str) -> str:
    m = re.search(r'<div class="entry-content" itemprop="articleBody">(.*?)</div>\s*</article>', page, re.S)
    if m is None:
        return page
    data = json.dumps({"props": {"pageProps": {"post": {"content": m.group(1)}}}}, ensure_ascii=False)
    shell = ('<div id="__next"><div class="app-loading">Loading</div>'
             '<noscript>You need to enable JavaScript to run this app.</noscript></div>\n'
             f'<script id="__NEXT_DATA__" type="application/json">{html.escape(data, quote=False)}</script>')
    start = page.index('<main id="main" class="site-main">')
    end = page.index("</main>") + len("</main>")
    page = page[:start] + shell + page[end:]
    return page.replace("govwire fixture: Mirage News DOM is INVENTED",
                        "govwire fixture (variant mirage-redesign, deliberately broken): Mirage News DOM is INVENTED")


def _wiredgov_restyled(key: str, page: str) -> str:
    page = re.sub(r'<div class="wg-dept"><a href="[^"]*">([^<]*)</a></div>', r'<p class="department">\1</p>', page)
    page = re.sub(r'<p class="wg-source">Original article link: <a href="[^"]*">([^<]*)</a></p>',
                  r'<p class="src">Original article link: \1</p>', page)
    m = re.search(r'\n <div class="wg-latest">.*?\n </div>\n', page, re.S)
    latest = m.group(0) if m else ""
    if m:  # the "Latest News from" column moves before the article, in a right-hand rail
        page = page.replace(latest, "\n")
        latest = latest.replace('<div class="wg-latest">', '<div class="rightcol">')
    page = page.replace('<div id="wg-content">',
                        f'<div id="page"><aside class="sidebar">{SIGNUP}{latest}</aside>')
    page = page.replace('<div class="wg-article">', '<div class="release">')
    page = page.replace('<div class="wg-body">', '<div class="release-text">')
    page = page.replace('<h1 class="wg-title">', '<h1>')
    page = page.replace('<div id="wg-footer">', f'<aside class="sidebar-after">{SPONSOR}</aside><div id="footer">')
    return page.replace("govwire fixture: Wired-Gov DOM is INVENTED",
                        "govwire fixture (variant wiredgov-restyled): Wired-Gov DOM is INVENTED")


# variant name -> host -> (article route prefix, page transform, feed route)
VARIANTS: dict[str, dict[str, tuple[str, Transform, str]]] = {
    "mirage-restyled": {"www.miragenews.com": ("/", _mirage_restyled, "/feed/")},
    "mirage-redesign": {"www.miragenews.com": ("/", _mirage_redesign, "")},
    "wiredgov-restyled": {"www.wired-gov.net": ("/wg/news.nsf/articles/", _wiredgov_restyled,
                                                "/wg/news.nsf/home?openform&rss")},
}


def build_variants(web: Path | None = None, updates: Path | None = None) -> list[str]:
    """Write every variant overlay from the built web; returns the variant names."""
    web = web or HERE / "web"
    updates = updates or HERE / "updates"
    for name, hosts in VARIANTS.items():
        out = updates / name
        if out.exists():
            shutil.rmtree(out)
        for host, (prefix, transform, feed_key) in hosts.items():
            src = web / host
            routes: dict[str, Any] = json.loads((src / "_routes.json").read_text(encoding="utf-8"))
            new_routes: dict[str, Any] = {}
            for key, route in routes.items():
                file = route.get("file") if isinstance(route, dict) else None
                if not file or not (key.startswith(prefix) or key == feed_key):
                    continue
                enc = "cp1252" if "windows-1252" in route.get("type", "") else "utf-8"
                text = (src / file).read_text(encoding=enc)
                if feed_key and key == feed_key:
                    new = _wiredgov_feed(text) if name == "wiredgov-restyled" else _drop_categories(text)
                elif file.endswith(".html"):
                    new = transform(key, text)
                else:
                    continue
                if new == text:
                    continue
                (out / host / file).parent.mkdir(parents=True, exist_ok=True)
                (out / host / file).write_bytes(new.encode(enc))
                new_routes[key] = route
            (out / host).mkdir(parents=True, exist_ok=True)
            (out / host / "_routes.json").write_text(json.dumps(new_routes, indent=1, sort_keys=True) + "\n",
                                                     encoding="utf-8")
    return list(VARIANTS)


if __name__ == "__main__":
    for n in build_variants():
        print(n)
