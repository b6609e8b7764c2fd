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

from lxml import etree
from lxml.html import HtmlElement

from cleaners.document import CleanDocument, Removal
from cleaners.labels import labels_with
from cleaners.spaces import collapse

__all__ = ["drop_link_lines", "link_texts", "move_author_bio", "prune_generic_furniture",
           "prune_offer_cards", "prune_teaser_lists"]


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

# one pass over the class/id attribute values (strings, no element proxies) with the tokens
# joined into one pattern; only a matching value's element is looked at again
_ANY_TOKEN = re.compile("|".join(f"(?:{t.pattern.pattern})" for t in _TOKENS), re.IGNORECASE)
# substrings of every token: a cheap first cut (plain substring tests) before the regexes
_NEEDLE = re.compile("newsletter|sign|subscribe|cta|disclosure|disclaimer|trust|copyright|credit|"
                     "popmake|pum|popup|modal|next", re.IGNORECASE)

_NEVER = frozenset({"html", "body", "main", "article", "head"})
_MAX_SHARE = 0.3  # a furniture box holds a small part of the page's text
_MAX_CREDIT = 120  # a credit line, not a caption or a summary that carries one


def _label(el: HtmlElement) -> str:
    return f"{el.get('class') or ''} {el.get('id') or ''}".strip()


def prune_generic_furniture(tree: HtmlElement, removed: list[Removal]) -> None:
    """Remove furniture nodes in place (keeping tails), recording each in ``removed``."""
    body = next(tree.iterdescendants("body"), None)
    root = body if body is not None else tree
    hits: list[tuple[HtmlElement, _Token]] = []
    seen: set[HtmlElement] = set()
    for value in labels_with(root, _NEEDLE):  # (the values _NEEDLE finds something in)
        if not _ANY_TOKEN.search(value):
            continue
        el = value.getparent()
        if el in seen or not isinstance(el.tag, str) or el.tag in _NEVER:
            continue
        seen.add(el)
        label = _label(el)
        for tok in _TOKENS:
            if tok.pattern.search(label):
                hits.append((el, tok))
                break
    total = (len(" ".join(root.text_content().split())) or 1) if hits else 1
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


_LINK_MIN_WORDS = 4  # "Home", "Read more" are labels; a headline has more words
_TAIL_LINES = 2
_MIN_BODY_LINES = 5


def link_texts(tree: HtmlElement) -> set[str]:
    """Whitespace-collapsed texts of the page's links of four words or more (headlines)."""
    out = set()
    for a in tree.iter("a"):
        # (a link without child nodes - most of them - has its .text as its whole text)
        words = (a.text_content() if len(a) else a.text or "").split()
        if len(words) >= _LINK_MIN_WORDS:
            out.add(" ".join(words))
    return out


def drop_link_lines(lines: list[str], links: set[str], removed: list[Removal]) -> list[str]:
    """Drop paragraphs that are nothing but another page's headline (link density 1): runs of
    two or more, or one among the last two lines of a longer text. A lone linked heading in
    the body (a table of contents repeats every heading as a link) and list items stay.
    Seen: related-story runs (corkbeo, msn, redtri), the next story's headline at the end
    (pcgamer)."""
    if not links or len(lines) < _MIN_BODY_LINES:
        return lines
    is_link = [not ln.startswith("- ") and collapse(ln) in links for ln in lines]
    drop = set()
    for i, flag in enumerate(is_link):
        if not flag or i == 0:
            continue  # the first line is the title, often a link to the page itself
        in_run = (i > 1 and is_link[i - 1]) or (i + 1 < len(lines) and is_link[i + 1])
        if in_run or i >= len(lines) - _TAIL_LINES:
            drop.add(i)
    for i in sorted(drop):
        removed.append(Removal("generic.link_headline", "latest-news", lines[i]))
    return [ln for i, ln in enumerate(lines) if i not in drop]


# "Jane Doe is a freelance writer…": a name, then is/was + article; the whole bio in italics
_BIO = re.compile(r"^(?:[A-Z][\w'’.-]+ ){1,3}[A-Z][\w'’.-]+,? (?:is|was|has been) (?:a|an|the)\b")
_MAX_BIO = 600


def move_author_bio(tree: HtmlElement, doc: CleanDocument) -> None:
    """The article's last paragraph, wholly in italics and of the form "Name is a …", is the
    author's bio: it goes to ``doc.metadata["author_bio"]`` (recorded as metadata-moved).
    Seen: searchlight.vc; a common sign-off of columns and guest posts."""
    for em in tree.iter("em", "i"):
        p = em.getparent()
        if p is None or p.tag != "p" or len(p) != 1 or (p.text or "").strip() or (em.tail or "").strip():
            continue
        text = " ".join(em.text_content().split())
        if len(text) > _MAX_BIO or not _BIO.match(text):
            continue
        if any(s.tag == "p" and s.text_content().strip() for s in p.itersiblings()):
            continue  # not the last paragraph
        doc.metadata.setdefault("author_bio", text)
        doc.removed.append(Removal("generic.author_bio", "metadata-moved", text))
        p.drop_tree()
        return


# a teaser's snippet is cut off: an ellipsis near its end, then at most a short source label
_CUT_OFF = re.compile(r"(?:…|\.\.\.)[\s…]*[^…]{0,40}$")
_MIN_TEASERS = 3
_TEASER_SHARE = 0.8


def _teaser(li: HtmlElement) -> bool:
    """An item that opens with a link (another page's title) and ends in a cut-off snippet."""
    text = " ".join(li.text_content().split())
    if not text or not _CUT_OFF.search(text):
        return False
    first = next((t for t in li.itertext() if t.strip()), None)
    a = li.find(".//a")
    return a is not None and first is not None and first.strip() in " ".join(a.text_content().split())


def prune_teaser_lists(tree: HtmlElement, removed: list[Removal]) -> None:
    """Remove lists of other pages' teasers: three or more items, most of them a link to
    another page followed by its snippet cut off with an ellipsis ("Party system — A party
    system is a concept … … Wikipedia"). An article's own list items are not cut off
    mid-sentence. Seen: deleuze.enacademic's "Look at other dictionaries" list."""
    for lst in list(tree.iter("ul", "ol")):
        items = [li for li in lst if isinstance(li.tag, str) and li.tag == "li"]
        if len(items) < _MIN_TEASERS or lst.getparent() is None:
            continue
        need, misses = _TEASER_SHARE * len(items), 0
        # each teaser's text holds an ellipsis, and the list's text at least as many as its items
        # do: too few in the whole list (a menu, an article's list) and no item is read
        whole = lst.text_content()
        if whole.count("…") + whole.count("...") < need:
            continue
        for li in items:  # (stops once too many items are no teaser: a menu ends it early)
            if not _teaser(li):
                misses += 1
                if len(items) - misses < need:
                    break
        if len(items) - misses < need:
            continue
        removed.append(Removal("generic.teaser_list", "latest-news", " ".join(lst.text_content().split())))
        lst.drop_tree()


# a purchase call to action as a link's whole text: the button of an affiliate offer card
_BUY = re.compile(r"(?:apply|buy|shop|order|book|subscribe) now|(?:get|view|see) (?:the |this )?deal"
                  r"|(?:check|see|view) (?:the )?(?:latest )?price|buy (?:it )?(?:on|at|from) [\w.]{2,30}",
                  re.IGNORECASE)
# (the elements holding such an attribute, reached through the attribute axis: cheaper than a
# predicate evaluated on every element; same nodes, document order)
_PRODUCT_ATTR = etree.XPath("//@*[contains(name(), 'product')]/..")
_CARD_TAGS = frozenset({"div", "section", "aside", "figure", "li"})


def prune_offer_cards(tree: HtmlElement, removed: list[Removal]) -> None:
    """Remove affiliate offer cards: a box carrying a product-tracking attribute
    (``data-product-id``, ``data-beam-product-id``…) and holding a purchase button ("Apply Now",
    "Buy now", "View deal"). Its welcome offer, valuation footnote and terms are the
    advertiser's, not the article's; a "Buy now" link inside a paragraph, or a product box with
    no button, stays. Guards as for furniture: never the box with the headline or with more
    than 30% of the page's text. Seen: thepointsguy's featured-card section."""
    cards = [el for el in _PRODUCT_ATTR(tree) if isinstance(el.tag, str) and el.tag in _CARD_TAGS]
    if not cards:
        return
    body = next(tree.iterdescendants("body"), None)
    total = len(" ".join((body if body is not None else tree).text_content().split())) or 1
    for card in cards:
        if card.getparent() is None or _detached(card, body if body is not None else tree):
            continue
        if not any(_BUY.fullmatch(" ".join(a.text_content().split())) for a in card.iter("a")):
            continue
        text = " ".join(card.text_content().split())
        if card.find(".//h1") is not None or len(text) > _MAX_SHARE * total:
            continue
        removed.append(Removal("generic.offer_card", "promo", text))
        card.drop_tree()
