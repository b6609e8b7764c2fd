"""Put back what trafilatura dropped from an article, on site-cleaner pages.

trafilatura picks one main container and scores blocks; on layouts we have not seen it drops
a release's "Background:" list when it follows a bold label, and paragraphs, lists and tables
that sit outside the container it picked (a notes div after the body, a lead in a table cell).
Those are part of the release (docs/clean-text.md). Here the extracted text is compared with
the article region of the same (pruned) page (cleaners/article_region.py): a text block of
the article that is missing from the extraction - a paragraph, heading, list item or table
row after the headline, not link-dominated, not inside furniture - is put back after the
last extracted block that precedes it on the page. Nothing outside the article region and
nothing before the headline is ever added, so sidebars and site furniture stay out.
"""
from __future__ import annotations

import re
from typing import Any

from cleaners.article_region import Region
from cleaners.flat_text import flat

__all__ = ["drop_table_rules", "restore_dropped_blocks"]

_TABLE_RULE = re.compile(r"^\|(?:\s*:?-{3,}:?\s*\|)+\s*$")
_BLOCKS = ("p", "h2", "h3", "h4", "h5", "h6", "li", "tr", "blockquote", "dt", "dd")
_MIN_CHARS = 3


def drop_table_rules(text: str) -> str:
    """trafilatura's markdown table rule ("|---|---|") is not a row of the table."""
    return "\n".join(ln for ln in text.split("\n") if not _TABLE_RULE.match(ln.strip()))


def _norm(s: str) -> str:
    return " ".join(s.split())


def _flat(s: str) -> str:
    """Text for comparing blocks with extracted lines: letters and digits only, lower case
    (list dashes, table pipes, <br> breaks and spacing differ between the two)."""
    return flat(s)  # ("- " list marks are non-word characters too)


def _link_share(el: Any, text: str) -> float:
    linked = sum(len(_norm("".join(a.itertext()))) for a in el.iter("a"))
    return linked / max(1, len(text))


def _nested(el: Any, article: Any) -> bool:
    """Whether a block sits inside another block of the article (a list in a list item...)."""
    for a in el.iterancestors():
        if a is article:
            return False
        if isinstance(a.tag, str) and a.tag in ("li", "tr", "p", "blockquote"):
            return True
    return False


def _units(article: Any, h1: Any, region: Region) -> list[tuple[str, str]]:
    """(line as the clean text would show it, plain text) of the article's blocks after the headline."""
    out: list[tuple[str, str]] = []
    started = h1 is None
    for el in article.iter():
        if el is h1:
            started = True
            continue
        if not started or not isinstance(el.tag, str) or el.tag.lower() not in _BLOCKS:
            continue
        if el in region.furniture or _nested(el, article):
            continue  # nested blocks are read with their outer block
        if el.tag == "tr":
            cells = [_norm("".join(c.itertext())) for c in el if isinstance(c.tag, str) and c.tag in ("td", "th")]
            text = " ".join(cells)
            line = "| " + " | ".join(cells) + " |"
        else:
            text = _norm(" ".join(el.itertext()))
            line = f"- {text}" if el.tag == "li" else text
        if len(text) < _MIN_CHARS or _link_share(el, text) > 0.5:
            continue
        out.append((line, text))
    return out


def restore_dropped_blocks(tree: Any, text: str) -> tuple[str, list[str]]:
    """The extracted rule-model text with the article's dropped blocks put back; and those lines."""
    region = Region(tree)
    article = region.article
    if article in region.furniture:
        return text, []
    h1s = [h for h in article.iter("h1")]
    if not h1s:
        return text, []  # no headline to anchor on: nothing is placed
    title = _norm("".join(h1s[0].itertext()))
    units = _units(article, h1s[0], region)
    out = [ln for ln in text.split("\n") if ln.strip()]
    keys = [_flat(ln) for ln in out]  # kept in step with `out`
    flat = "".join(keys)
    title_key = _flat(title)
    inserted: list[str] = []
    last_kept = -1  # index in `out` of the line the previous kept unit matched
    for line, plain in units:
        key = _flat(plain)
        if not key or key == title_key:
            continue  # a repeated headline (share or print title) is no part of the body
        if key in flat:
            pos = next((i for i in range(max(0, last_kept), len(out)) if key in keys[i]), None)
            if pos is not None:
                last_kept = pos
            continue
        if last_kept < 0:  # before anything extracted: right under the title, if it is there
            last_kept = next((i for i, k in enumerate(keys) if k == title_key), -1)
        last_kept += 1
        out.insert(last_kept, line)
        keys.insert(last_kept, key)
        inserted.append(line)
    return "\n".join(out), inserted
