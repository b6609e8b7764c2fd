"""Where the article is on a page whose markup we have not seen: pure lxml, no site rules.

The article is the smallest ancestor of the headline holding most of the page's paragraph
text; page furniture (navigation, asides, site headers, footers, forms, and boxes whose class
or id says sidebar, rail, widget, related, most read, newsletter, sign-up, sponsor, share,
comments, gallery ...) is never part of it. Used by the crawl's selection (what evidence
counts) and by the extraction repair (which dropped blocks to put back).
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

__all__ = ["FURNITURE", "article_root", "in_furniture", "is_furniture", "para_text"]

FURNITURE = re.compile(
    r"(?:^|[\s_-])(?:side-?bar|sidebar-\w+|rail|widget|related|most-?read|most-?popular|popular|trending"
    r"|promo|newsletter|sign-?up|subscribe|sponsor(?:ed)?|advert\w*|ads?|share|social|comments?"
    r"|breadcrumbs?|menu|nav(?:igation)?|latest(?:-news)?|rightcol|leftcol|paywall|register|footer"
    r"|cookie\w*|masthead|site-header|gallery|carousel|slideshow)(?:$|[\s_-])", re.IGNORECASE)
SKIP_TAGS = frozenset({"nav", "aside", "footer", "form", "script", "style", "noscript", "template",
                       "button", "select", "iframe", "svg"})
PARA_TAGS = ("p", "li", "td", "blockquote")


def is_furniture(el: Any) -> bool:
    """Whether this element (not its ancestors) is page furniture by tag, class or id."""
    tag = el.tag.lower() if isinstance(el.tag, str) else ""
    if not tag or tag in SKIP_TAGS:
        return True
    if tag == "header" and not el.xpath(".//h1"):
        return True  # a site header; an article header holds the headline
    return bool(FURNITURE.search(f"{el.get('class') or ''} {el.get('id') or ''}"))


def in_furniture(el: Any) -> bool:
    """Whether the element or one of its ancestors is furniture."""
    return is_furniture(el) or any(is_furniture(a) for a in el.iterancestors())


def _texts(el: Any) -> Iterator[tuple[Any, str]]:
    if is_furniture(el):
        return
    if el.text and el.text.strip():
        yield el, el.text
    for child in el:
        if isinstance(child.tag, str):
            yield from _texts(child)
        if child.tail and child.tail.strip():
            yield el, child.tail


def _in_para(node: Any) -> bool:
    while node is not None:
        if isinstance(node.tag, str) and node.tag.lower() in PARA_TAGS:
            return True
        node = node.getparent()
    return False


def para_text(el: Any) -> int:
    """Characters of paragraph-like text under `el`, furniture left out."""
    return sum(len(t.strip()) for node, t in _texts(el) if _in_para(node))


def article_root(root: Any, share: float = 0.7) -> Any:
    """The smallest ancestor of the first headline holding `share` of the body's paragraph text."""
    bodies = root.xpath("//body")
    body = bodies[0] if bodies else root
    total = para_text(body)
    h1s = [h for h in body.xpath(".//h1") if not in_furniture(h)]
    if not h1s or total == 0:
        return body
    node = h1s[0].getparent()
    while node is not None and node is not body:
        if not is_furniture(node) and para_text(node) >= share * total:
            return node
        node = node.getparent()
    return body
