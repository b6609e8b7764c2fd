"""Furniture boxes *inside* the article, removed on site-cleaner pages before extraction.

trafilatura drops sidebars beside an article but keeps a sign-up, sponsor or "most read" box
that a template puts between the body's paragraphs (tests/layouts: every outlet's layouts
leaked "Sign up to our daily bulletin" and "Sponsored: …" with the boxes moved inside the
body). One shared rule instead of one per site: inside the article region
(cleaners/article_region.py, the region the crawl's selection and the extraction repair read)
an element whose class or id names furniture is removed, and recorded, unless it holds the
headline or a large share of the article's text (a body named "newsletter-article" stays).
"""
from __future__ import annotations

import re
from typing import Any

from cleaners.article_region import FURNITURE, Region
from cleaners.document import Removal

__all__ = ["prune_article_boxes"]

_MAX_SHARE = 0.3      # a box holds a small part of the article's text
_KEEP_TAGS = frozenset({"html", "body", "main", "article", "h1", "p", "li", "blockquote", "table",
                        "tr", "td", "th", "ul", "ol", "dl"})  # text blocks are the extractor's call
_KINDS = (
    (re.compile(r"most-?read|most-?popular|popular|trending|related|latest", re.I), "latest-news"),
    (re.compile(r"share|social", re.I), "share"),
    (re.compile(r"comment", re.I), "comments"),
    (re.compile(r"footer|nav|menu|breadcrumb", re.I), "navigation"),
)


def _kind(label: str) -> str:
    return next((kind for pat, kind in _KINDS if pat.search(label)), "promo")


def prune_article_boxes(tree: Any, removed: list[Removal], rule: str = "shared.article_box") -> int:
    """Remove furniture boxes inside the article region; returns how many were removed."""
    region = Region(tree)
    article = region.article
    if article is region.body:  # no article found apart from the page: nothing is "inside"
        return 0
    total = len(" ".join(article.text_content().split())) or 1
    boxes: list[Any] = []
    for el in article.iterdescendants():
        if not isinstance(el.tag, str) or el.tag.lower() in _KEEP_TAGS:
            continue
        label = f"{el.get('class') or ''} {el.get('id') or ''}"
        if not FURNITURE.search(label):
            continue
        if any(b in el.iterancestors() for b in boxes) or el.find(".//h1") is not None:
            continue
        boxes.append(el)
    n = 0
    for el in boxes:
        text = " ".join(el.text_content().split())
        if len(text) > _MAX_SHARE * total:
            continue
        if text:
            removed.append(Removal(rule, _kind(f"{el.get('class') or ''} {el.get('id') or ''}"), text))
        el.drop_tree()  # keeps the tail text
        n += 1
    return n
