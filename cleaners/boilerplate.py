"""DOM pruning for outlets without a site cleaner: page furniture named by its own markup.

Runs before extraction on the generic path only. Each rule is a class/id token that web
page templates use for one kind of furniture (a newsletter box, an affiliate disclosure, a
photo caption, a pop-up), so it holds on sites we have never seen; the eval page each token
was first seen on is cited beside it. Guards keep the article: a node that holds the page's
``<h1>`` or a large share of its text is never removed, nor ``html``/``body``/``main``/
``article``, so a template that names its whole body "newsletter-article" loses nothing.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from lxml.html import HtmlElement

from cleaners.document import Removal

__all__ = ["prune_generic_furniture"]


@dataclass(frozen=True)
class _Token:
    id: str
    kind: str
    pattern: re.Pattern[str]


def _tok(id: str, kind: str, pattern: str) -> _Token:
    return _Token(id, kind, re.compile(pattern, re.IGNORECASE))


# a class/id token boundary: start, end, space, "-", "_" or a camelCase hump
_B = r"(?:^|(?<=[\s_-]))"
_E = r"(?=$|[\s_-])"

_TOKENS = (
    # newsletter sign-up boxes inside the body: timesofisrael p.newsletter-promo, corkbeo
    _tok("newsletter_box", "promo", rf"newsletter|{_B}sign-?up{_E}|{_B}subscribe-(?:box|cta|form|prompt)"),
    # call-to-action boxes ("write a letter to the editor"): theatlantic section.c-letters-cta
    _tok("cta_box", "promo", rf"{_B}cta{_E}"),
    # affiliate / advertiser disclosures: thepointsguy section.editorial-disclosure,
    # thebalance p.disclosure-text
    _tok("disclosure", "disclaimer", r"disclosure|disclaimer"),
    # "our standards" trust badges and copyright notes: reuters div.TrustBadge,
    # bettycrocker div.recipeCopyright
    _tok("trust_copyright", "disclaimer", r"trust-?badge|copyright"),
    # photo credits ("Photo: …" / "By AGENCY" spans); captions themselves are left to the
    # extractor: a main-image caption is often article text (caymancompass), a gallery's
    # captions are the article (popsugar). Seen: viconsortium span.credit
    _tok("credit", "caption", rf"{_B}(?:photo-?|image-?)?credits?{_E}"),
    # pop-ups and modal overlays (WordPress Popup Maker "pum"/"popmake"): jis.gov.jm
    _tok("popup", "promo", rf"popmake|{_B}pum{_E}|pum-overlay|popup|{_B}modal{_E}"),
    # the next article's teaser below this one: boingboing div.nextstory / #next-post-thumbnails
    _tok("next_story", "latest-news", r"next-?(?:story|post|article)"),
)

_NEVER = frozenset({"html", "body", "main", "article", "head"})
_MAX_SHARE = 0.3  # a furniture box holds a small part of the page's text
_MAX_CREDIT = 120  # a credit line, not a caption or a summary that carries one


def _label(el: HtmlElement) -> str:
    return f"{el.get('class') or ''} {el.get('id') or ''}".strip()


def prune_generic_furniture(tree: HtmlElement, removed: list[Removal]) -> None:
    """Remove furniture nodes in place (keeping tails), recording each in ``removed``."""
    body = tree.find(".//body")
    root = body if body is not None else tree
    total = len(" ".join(root.text_content().split())) or 1
    hits: list[tuple[HtmlElement, _Token]] = []
    for el in root.iter():
        if not isinstance(el.tag, str) or el.tag in _NEVER:
            continue
        label = _label(el)
        if not label:
            continue
        for tok in _TOKENS:
            if tok.pattern.search(label):
                hits.append((el, tok))
                break
    for el, tok in hits:
        if el.getparent() is None or _detached(el, root):
            continue
        if el.tag == "h1" or el.find(".//h1") is not None:
            continue
        text = " ".join(el.text_content().split())
        if len(text) > _MAX_SHARE * total or (tok.id == "credit" and len(text) > _MAX_CREDIT):
            continue
        if text:
            removed.append(Removal(f"generic.{tok.id}", tok.kind, text))
        el.drop_tree()


def _detached(el: HtmlElement, root: HtmlElement) -> bool:
    """True when an ancestor was already removed (the node hangs off a dropped subtree)."""
    node: HtmlElement | None = el
    while node is not None and node is not root:
        node = node.getparent()
    return node is None
