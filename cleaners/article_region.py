"""Where the article is on a page whose markup we have not seen: pure lxml, no site rules.

The article is the smallest ancestor of the headline holding most of the page's paragraph
text; page furniture (navigation, asides, site headers, footers, forms, and boxes whose class
or id says sidebar, rail, widget, related, most read, newsletter, sign-up, sponsor, share,
comments, gallery ...) is never part of it. Used by the crawl's selection (what evidence
counts) and by the extraction repair (which dropped blocks to put back).
"""
from __future__ import annotations

import re
from typing import Any

from lxml import etree

__all__ = ["FURNITURE", "Region", "article_root", "in_furniture", "is_furniture"]

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
    cls, id_ = el.get("class"), el.get("id")
    if cls is None and id_ is None:
        return False  # (most elements: no name to test)
    return bool(FURNITURE.search(f"{cls or ''} {id_ or ''}"))


def in_furniture(el: Any) -> bool:
    """Whether the element or one of its ancestors is furniture."""
    return is_furniture(el) or any(is_furniture(a) for a in el.iterancestors())


class Region:
    """One pass over a page: which elements are furniture (or inside it) and how much paragraph
    text each element holds outside furniture; then the article element. Iterative, so a
    pathologically deep page cannot hit the recursion limit."""

    def __init__(self, root: Any, share: float = 0.7) -> None:
        # (what //body gives first, from the document's root: a tag-filtered walk in C that
        # stops there, not an XPath over the whole page)
        body = next(root.getroottree().getroot().iter("body"), None)
        self.body = body if body is not None else root
        order = list(self.body.iter(etree.Element))  # elements only (no comments, PIs)
        # the headline's containers are never furniture by name: a gallery article is a
        # "gallery" box holding the h1 (popsugar's article.post-page.gallery)
        h1 = next(self.body.iter("h1"), None)
        holds_h1 = set(h1.iterancestors()) | {h1} if h1 is not None else set()
        furniture: set[Any] = set()
        in_para: set[Any] = set()
        # paragraph text each element holds itself (its text and its children's tails, when it
        # is or is inside a paragraph tag and no furniture), summed in document order: an
        # element's text is the sum over its subtree, a contiguous run of `order`
        upto = [0]
        total = 0
        for el in order:  # pre-order: a parent is decided before its children
            parent = el.getparent()
            if (parent in furniture) or (is_furniture(el) and not (
                    el in holds_h1 and el.tag not in SKIP_TAGS)):
                furniture.add(el)
            elif parent in in_para or el.tag.lower() in PARA_TAGS:
                in_para.add(el)
                if el.text:
                    total += len(el.text.strip())
                for child in el:
                    if child.tail:
                        total += len(child.tail.strip())
            upto.append(total)
        self.furniture = furniture
        self._order, self._upto = order, upto
        self.article = self._article(share)

    def text_of(self, el: Any) -> int:
        """Paragraph characters the element holds outside furniture."""
        if el in self.furniture:
            return 0
        order = self._order
        try:
            start = order.index(el)
        except ValueError:
            return 0
        node, end = el, len(order)
        while node is not None and node is not self.body:  # the first element after its subtree
            nxt = node.getnext()
            while nxt is not None and not isinstance(nxt.tag, str):
                nxt = nxt.getnext()
            if nxt is not None:
                end = order.index(nxt)
                break
            node = node.getparent()
        return self._upto[end] - self._upto[start]

    def _article(self, share: float) -> Any:
        total = self.text_of(self.body)
        h1 = next((h for h in self.body.iter("h1") if h not in self.furniture), None)
        if h1 is None or total == 0:
            return self.body
        node = h1.getparent()
        while node is not None and node is not self.body:
            if node not in self.furniture and self.text_of(node) >= share * total:
                return node
            node = node.getparent()
        return self.body

    def in_furniture(self, el: Any) -> bool:
        return el in self.furniture


def article_root(root: Any, share: float = 0.7) -> Any:
    """The smallest ancestor of the first headline holding `share` of the body's paragraph text."""
    return Region(root, share).article
