"""Build tests/layouts/: one article per outlet in three structurally different layouts.

We have never seen the live markup of Wired-Gov, Mirage News or the Iconic titles, nor the
DOM of the Independent's donation appeal (shared/sites.md §4), so a cleaner must not depend
on one invented page. Each outlet gets the same article (text from the seeds in
crawler/demo/sources/) in three layouts that differ in containers and class names, put the
body's lists inside or outside the main container, and carry sidebars with sign-up, sponsor
and "most read" boxes before or after the body (and one without the optional furniture).
`expected.txt` is written from the article's content model, not from any cleaner's output:
every layout must clean to exactly that text (tests/test_layouts.py).

Run `python -m tests.layouts.build` after changing this file; the output is deterministic.
"""
from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCES = HERE.parents[1] / "crawler" / "demo" / "sources"
E = html.escape

SIGNUP = ('<div class="{c}"><h3>Sign up to our daily bulletin</h3><p>Get the day\'s public-sector news'
          ' in your inbox every morning, free of charge.</p><a href="/subscribe">Subscribe</a></div>')
SPONSOR = ('<div class="{c}"><p>Sponsored: Public Sector Cloud Summit 2025, book your free place'
           ' today at the QEII Centre.</p></div>')
MOST_READ = ('<div class="{c}"><h3>Most read</h3><ol><li><a href="/x/1">Council budgets under strain as'
             ' demand for adult social care rises again</a></li><li><a href="/x/2">New rail timetable'
             ' announced for the spring, with more trains on main lines</a></li></ol></div>')
# invented for the layouts (a release "Notes to editors" table); same in every layout
TABLE = [("Country", "Delegation"), ("Albania", "Foreign Minister"), ("Serbia", "Deputy Prime Minister")]


def lines(n: str) -> list[str]:
    return [ln.strip() for ln in (SOURCES / f"seed_{n}.txt").read_text(encoding="utf-8").splitlines() if ln.strip()]


@dataclass
class Article:
    """The content model: what the clean text must be, in order."""

    title: str
    paras: list[str]
    list_heading: str = ""
    bullets: list[str] = field(default_factory=list)
    table_heading: str = ""
    table: list[tuple[str, str]] = field(default_factory=list)

    def expected(self) -> str:
        blocks = [self.title, *self.paras]
        if self.list_heading:
            blocks.append(self.list_heading)
        if self.bullets:
            blocks.append("\n".join(f"- {b}" for b in self.bullets))
        if self.table_heading:
            blocks.append(self.table_heading)
        if self.table:
            blocks.append("\n".join(f"| {a} | {b} |" for a, b in self.table))
        return "\n\n".join(blocks) + "\n"

    def ps(self, paras: list[str] | None = None) -> str:
        return "\n".join(f"<p>{E(p, False)}</p>" for p in (self.paras if paras is None else paras))

    def ul(self) -> str:
        return "<ul>" + "".join(f"<li>{E(b, False)}</li>" for b in self.bullets) + "</ul>"

    def tbl(self) -> str:
        head, *rows = self.table
        return (f"<table><thead><tr><th>{E(head[0])}</th><th>{E(head[1])}</th></tr></thead><tbody>"
                + "".join(f"<tr><td>{E(a)}</td><td>{E(b)}</td></tr>" for a, b in rows) + "</tbody></table>")


def page(title: str, head: str, body: str, lang: str = "en-GB") -> str:
    return (f'<!DOCTYPE html>\n<!-- govwire layout fixture (tests/layouts/build.py): INVENTED markup. -->\n'
            f'<html lang="{lang}"><head><meta charset="utf-8"><title>{E(title)}</title>{head}</head>\n'
            f"<body>\n{body}\n</body></html>\n")


# ------------------------------------------------------------------------------------------------
# Wired-Gov: department line, "|Printable version", title, lead, body with "Background:" list,
# "Original article link:", "Latest News from" list (seed 000)

def wiredgov() -> tuple[Article, dict[str, str], dict[str, object]]:
    s = lines("000")
    dept, title, lead = s[0], s[2], s[3]
    i_bg = s.index("Background:")
    paras = s[4:8] + s[11:14]  # four paragraphs, "… said:", two quote paragraphs
    bullets = [b.removeprefix("- ") for b in s[i_bg + 1:i_bg + 5]]
    src = s[s.index(next(x for x in s if x.startswith("Original article link:")))].split(": ", 1)[1]
    latest = [(s[j][:-19], s[j][-19:], s[j + 1]) for j in range(s.index("Latest News from") + 2,
                                                                 s.index("Latest News from") + 8, 2)]
    a = Article(title, [lead, *paras], "Background:", bullets, "Notes to editors", TABLE)
    body_ps = a.ps(paras)
    latest_lis = "".join(f'<li><a href="/wg/news.nsf/articles/x{k}">{E(t)}</a><span class="d">{E(d)}</span>'
                         f"<p>{E(sm)}</p></li>" for k, (t, d, sm) in enumerate(latest))
    latest_block = f"<h3>Latest News from</h3><h4>{E(dept)}</h4><ul>{latest_lis}</ul>"
    notes = f"<p><strong>Notes to editors</strong></p>{a.tbl()}"
    head = f'<meta name="description" content="{E(lead)}">'
    layouts = {
        # A: the fixture web's layout (div.wg-article, latest news column after it)
        "a-fixture-web": page(title, head, f"""<div id="wg-header"><a href="/">Wired-Gov</a></div>
<div id="wg-content"><div class="wg-article">
<div class="wg-dept"><a href="/wg/news.nsf/dept?openform">{E(dept)}</a></div>
<div class="wg-tools">|<a href="/wg/news.nsf/print/x">Printable version</a></div>
<h1 class="wg-title">{E(title)}</h1><p class="wg-lead"><strong>{E(lead)}</strong></p>
<div class="wg-body">{body_ps}<p><strong>Background:</strong></p>{a.ul()}{notes}</div>
<p class="wg-source">Original article link: <a href="{E(src)}">{E(src)}</a></p></div>
<div class="wg-latest">{latest_block}</div></div>
<div id="wg-footer"><p>Wired-Gov is a free news service for the public sector.</p></div>"""),
        # B: a Domino-style layout table; right column (latest news, sign-up, sponsor) first in
        # the DOM; the Background list and the notes sit outside the main text container
        "b-table-rails-first": page(title, head, f"""<table class="layout" width="100%"><tr>
<td class="rightcol" valign="top">{SIGNUP.format(c="signup")}{latest_block}{SPONSOR.format(c="sponsor")}</td>
<td class="maincol" valign="top">
<font size="2">{E(dept)}</font><br>|<a href="/wg/news.nsf/print/x">Printable version</a>
<h1>{E(title)}</h1><p><b>{E(lead)}</b></p>
<div class="maintext">{body_ps}</div>
<div class="notes"><p>Background:</p>{a.ul()}{notes}</div>
<p>Original article link: {E(src)}</p>
</td></tr></table>"""),
        # C: HTML5 main/article, sidebar after the body, no latest-news list, no print link
        "c-html5-rail-after": page(title, head, f"""<header class="masthead"><a href="/">Wired-Gov</a>
<nav><a href="/news">News</a> <a href="/depts">Departments</a></nav></header>
<main><article><p class="department">{E(dept)}</p>
<h1>{E(title)}</h1><p class="standfirst">{E(lead)}</p>
<section class="release">{body_ps}<h3>Background:</h3>{a.ul()}<h3>Notes to editors</h3>{a.tbl()}</section>
<p class="origin">Original article link: <a href="{E(src)}">{E(src)}</a></p></article>
<aside class="sidebar">{SIGNUP.format(c="box signup")}{MOST_READ.format(c="box most-read")}{SPONSOR.format(c="box sponsor")}</aside></main>
<footer><p>Wired-Gov is a free news service for the public sector.</p></footer>"""),
    }
    meta = {"url": "https://www.wired-gov.net/wg/news.nsf/articles/foreign+secretary+to+put+boosting+security+and"
                   "+tackling+illegal+migration+at+the+heart+of+foreign+policy+during+meeting+of+european+partners"
                   "+09102025101500?open",
            "metadata": {"department": dept, "source_url": src}}
    return a, layouts, meta


# ------------------------------------------------------------------------------------------------
# Mirage News: title, "UK Gov" label, body, "Background:" list, "/Public Release…" disclaimer with
# "View in full here" (seed 001)

def mirage() -> tuple[Article, dict[str, str], dict[str, object]]:
    s = lines("001")
    title, label = s[0], s[1]
    i_bg = s.index("Background:")
    paras = s[2:7]
    bullets = [b.lstrip("• ").strip() for b in s[i_bg + 1:] if b.startswith("•")][:3]
    disclaimer = s[-1]
    src = "https://www.gov.uk/government/news/foreign-secretary-to-put-boosting-security-and-tackling-illegal-migration-at-the-heart-of-foreign-policy-during-meeting-of-european-partners"
    a = Article(title, paras, "Background:", bullets, "Notes to editors", TABLE)
    disc = f'{E(disclaimer)} <a href="{src}">View in full here</a>.'
    head = f'<meta property="og:title" content="{E(title)}">'
    layouts = {
        "a-fixture-web": page(title, head, f"""<header class="site-header"><a href="/">Mirage News</a>
<nav class="main-navigation"><a href="/category/uk-gov/">UK Gov</a></nav></header>
<main id="main" class="site-main"><article class="post">
<header class="entry-header"><h1 class="entry-title">{E(title)}</h1>
<div class="entry-meta"><span class="source-label"><a href="/category/uk-gov/" rel="category tag">{E(label)}</a></span>
<time datetime="2025-10-09T10:47:21+00:00">09 October 2025 10:47 AM</time></div></header>
<div class="entry-content">{a.ps()}<p>Background:</p>{a.ul()}<p>Notes to editors</p>{a.tbl()}
<p class="release-disclaimer">{disc}</p></div></article>
<aside class="related-posts"><h3>Related</h3><ul><li><a href="/category/uk-gov/">More from UK Gov</a></li></ul></aside>
</main><footer class="site-footer"><p>&copy; Mirage News</p></footer>""", "en-AU"),
        # B: rails first (sign-up, most read), label as a plain paragraph, the Background list
        # and notes outside the story container
        "b-rails-first-lists-outside": page(title, head, f"""<div class="layout">
<div class="col-side">{SIGNUP.format(c="newsletter-signup")}{MOST_READ.format(c="most-read")}</div>
<div class="col-main"><div class="story"><h1 class="headline">{E(title)}</h1><p class="origin">{E(label)}</p>
<div class="story-text">{a.ps()}</div></div>
<div class="story-extra"><p>Background:</p>{a.ul()}<h4>Notes to editors</h4>{a.tbl()}</div>
<div class="disclaimer-box"><p>{disc}</p></div></div></div>""", "en-AU"),
        # C: minimal page, no navigation or related box, sponsor box after the body
        "c-minimal-sponsor-after": page(title, head, f"""<div class="wrap"><h1>{E(title)}</h1><div class="src">{E(label)}</div>
<div class="content">{a.ps()}<h3>Background:</h3>{a.ul()}<h3>Notes to editors</h3>{a.tbl()}<p>{disc}</p></div>
{SPONSOR.format(c="sponsor-box")}</div>""", "en-AU"),
    }
    meta = {"url": "https://www.miragenews.com/foreign-secretary-to-put-boosting-security-and-1548329/",
            "metadata": {"source_byline": label, "source_url": src}}
    return a, layouts, meta


# ------------------------------------------------------------------------------------------------
# Iconic titles (Donegal Democrat): "Search", date line, title twice, PA body, paywall prompts and
# e-paper/newsletter promos (seed 002)

def iconic() -> tuple[Article, dict[str, str], dict[str, object]]:
    s = lines("002")
    title = s[2]
    end = s.index("To continue reading this article,")
    paras = s[4:end][:6]
    wall = s[end:]
    a = Article(title, paras)
    wall_html = "".join(f"<p>{E(x, False)}</p>" for x in wall)
    head = f'<meta property="og:title" content="{E(title)}">'
    layouts = {
        "a-fixture-web": page(title, head, f"""<header class="site-header"><a href="/">Donegal Live</a>
<form class="site-search"><label>Search</label><input name="q"></form></header>
<main class="container"><article class="article">
<div class="article-date"><time datetime="2025-10-09T10:00:00Z">09 Oct 2025</time></div>
<h1 class="article-title">{E(title)}</h1><div class="article-share"><span>{E(title)}</span></div>
<div class="article-body">{a.ps()}</div><div class="article-paywall">{wall_html}</div></article></main>""", "en-IE"),
        # B: the body split over two containers (lead block and the rest), rails before the body
        "b-split-body-rails-first": page(title, head, f"""<div id="page"><div class="sidebar-left">
{MOST_READ.format(c="most-read")}{SIGNUP.format(c="newsletter")}</div>
<div id="story"><span class="date">09 Oct 2025</span><h1>{E(title)}</h1>
<div class="lead-block">{a.ps(paras[:2])}</div><div class="text-block">{a.ps(paras[2:])}</div>
<div class="wall">{wall_html}</div></div></div>""", "en-IE"),
        # C: HTML5 with a sponsor box and most-read rail after the article, no paywall markup
        "c-html5-rail-after": page(title, head, f"""<main><article><h1>{E(title)}</h1>
<p class="dateline">09 Oct 2025</p><section>{a.ps()}</section></article>
<aside>{SPONSOR.format(c="sponsor")}{MOST_READ.format(c="most-read")}</aside></main>""", "en-IE"),
    }
    meta = {"url": "https://www.donegallive.ie/news/northern-ireland/1914558/cooper-to-host-talks-on-security-and-migration-at-western-balkans-summit.html",
            "metadata": {}}
    return a, layouts, meta


# ------------------------------------------------------------------------------------------------
# The Independent: the donation appeal (invented DOM, exact strings of seed 003) before the first
# body paragraph, in three different containers

def independent() -> tuple[Article, dict[str, str], dict[str, object]]:
    s = lines("003")
    appeal = s[0]
    start = appeal.index("From reproductive rights")
    end = appeal.index("Your support makes all the difference.") + len("Your support makes all the difference.")
    appeal_text = appeal[start:end]
    title = "Cooper to host talks on security and migration at Western Balkans summit"
    paras = s[1:7]
    a = Article(title, paras)
    box = (f"<h3>Your support helps us to tell the story</h3><button>Read more</button>"
           f'<a href="/donate">Support Now</a><p>{E(appeal_text, False)}</p><button>Read more</button>')
    ld = json.dumps({"@type": "NewsArticle", "headline": title, "author": {"@type": "Person", "name": "Press Association"}})
    head = f'<meta property="og:title" content="{E(title)}"><script type="application/ld+json">{ld}</script>'
    hdr = f'<header id="articleHeader"><h1>{E(title)}</h1></header>'
    layouts = {
        "a-fixture-web": page(title, head, f"""<main id="content"><article>{hdr}
<div id="main"><div class="donation-appeal" data-component="ArticleDonationAppeal">{box}</div>{a.ps()}</div>
</article><aside class="sidebar"><h2>Most Popular</h2></aside></main>"""),
        # B: the appeal in a styled-components wrapper (hashed classes), sidebar first
        "b-hashed-wrapper-rails-first": page(title, head, f"""<aside class="sidebar">{MOST_READ.format(c="sc-3kd9-0")}</aside>
<main id="content"><article>{hdr}<div id="main"><div class="sc-a1b2c3-0 kXyZ"><section class="sc-d4e5-1">{box}</section></div>
{a.ps()}</div></article></main>"""),
        # C: the appeal as a sibling before #main, newsletter sign-up after the body
        "c-appeal-outside-main": page(title, head, f"""<main id="content"><article>{hdr}
<div class="appeal">{box}</div><div id="main">{a.ps()}</div>
{SIGNUP.format(c="newsletter-signup")}</article></main>"""),
    }
    meta = {"url": "https://www.independent.co.uk/news/uk/home-news/western-balkans-yvette-cooper-serbia-north-macedonia-germany-b2842071.html",
            "metadata": {}}
    return a, layouts, meta


OUTLETS = {"wiredgov": wiredgov, "mirage": mirage, "iconic": iconic, "independent": independent}


def build(out: Path = HERE) -> None:
    for name, make in OUTLETS.items():
        a, layouts, meta = make()
        d = out / name
        d.mkdir(parents=True, exist_ok=True)
        for old in d.glob("*.html"):
            old.unlink()
        for lname, text in layouts.items():
            (d / f"{lname}.html").write_text(text, encoding="utf-8")
        (d / "expected.txt").write_text(a.expected(), encoding="utf-8")
        (d / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2, sort_keys=True) + "\n",
                                     encoding="utf-8")


if __name__ == "__main__":
    build()
