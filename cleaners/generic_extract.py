"""Extraction for outlets without a site cleaner (docs/extraction.md).

The site cleaners know their outlet's layout; an unknown outlet gets, around trafilatura:
furniture pruned by its own markup (:mod:`cleaners.boilerplate`) and the blocks the page's
metadata vouches for put back when the extractor dropped them (:mod:`cleaners.anchors`).
These extras never cost the page: if one of them fails, the text is trafilatura's alone and
``doc.metadata["generic_extras_error"]`` says why (style rule 19).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from lxml.html import HtmlElement

from cleaners.anchors import (add_recipe_card, add_recipe_ingredients, add_standfirst,
                              find_article_body, find_named_lead, find_recipe_card,
                              find_recipe_ingredients, find_standfirst, use_article_body)
from cleaners.boilerplate import (drop_link_lines, link_texts, move_author_bio,
                                  prune_generic_furniture, prune_offer_cards, prune_teaser_lists)
from cleaners.document import CleanDocument
from cleaners.extract import drop_unread, extract_text
from cleaners.readability_gate import has_spare_nav, page_words_bound
from cleaners.skipped_blocks import Block, drop_restated_captions, read_blocks, restore_skipped

__all__ = ["extract_generic"]


@dataclass
class _Anchors:
    """What is read from the page before trafilatura edits the tree."""

    standfirst: str | None = None
    named_lead: str | None = None
    ingredients: list[str] = field(default_factory=list)
    article_body: str = ""
    links: set[str] = field(default_factory=set)
    blocks: list[Block] = field(default_factory=list)
    recipe_card: tuple[str | None, str | None] = (None, None)


def _before(tree: HtmlElement, doc: CleanDocument) -> _Anchors:
    prune_generic_furniture(tree, doc.removed)
    prune_teaser_lists(tree, doc.removed)
    prune_offer_cards(tree, doc.removed)
    move_author_bio(tree, doc)
    return _Anchors(find_standfirst(tree, doc.description), find_named_lead(tree),
                    find_recipe_ingredients(tree), find_article_body(tree), link_texts(tree),
                    read_blocks(tree), find_recipe_card(tree))


def _after(first: list[str], a: _Anchors, doc: CleanDocument) -> list[str]:
    lines = drop_restated_captions(a.blocks, drop_link_lines(first, a.links, doc.removed), doc.removed)
    lines = use_article_body(a.article_body, lines)
    if not lines:
        return lines
    n = len(lines)
    lines = add_standfirst(a.named_lead, lines, doc.title)
    lines = add_standfirst(a.standfirst, lines, doc.title)
    lines = add_recipe_ingredients(a.ingredients, lines)
    lines = add_recipe_card(*a.recipe_card, lines)
    if len(lines) > n:
        doc.metadata["anchored_lines"] = len(lines) - n
    n = len(lines)
    lines = restore_skipped(a.blocks, lines)  # last: what the anchors put back is not repeated
    if len(lines) > n:
        doc.metadata["restored_lines"] = len(lines) - n
    return lines


# article text (the region's blocks) from which trafilatura's own text will likely be long
# enough for the navigation to be pruned up front (cleaners/readability_gate.py: a page where
# it is not is extracted twice)
_LONG_ARTICLE = 4000


def _long_article(blocks: list[Block], tree: HtmlElement) -> bool:
    """Whether the article region's text is long and most of the page's text."""
    n = sum(len(b.line) for b in blocks)
    return n >= _LONG_ARTICLE and 2 * n >= page_words_bound(tree, within=2 * n)


def extract_generic(tree: HtmlElement, url: str | None, doc: CleanDocument) -> str:
    """Main text of a page of an unknown outlet, in the rule model (one line a paragraph)."""
    try:
        anchors: _Anchors | None = _before(tree, doc)
    except Exception as e:  # noqa: BLE001 -- an extra's bug must not lose the page
        anchors, doc.metadata["generic_extras_error"] = None, f"{type(e).__name__}: {e}"
    drop_unread(tree)  # (read above; trafilatura would discard these unread)
    spare = anchors is not None and _long_article(anchors.blocks, tree) and has_spare_nav(tree)
    first = [ln for ln in (x.strip() for x in extract_text(tree, url, spare_nav=spare).split("\n")) if ln]
    if anchors is None:
        return "\n".join(first)
    removed_before = len(doc.removed)
    try:
        return "\n".join(_after(first, anchors, doc))
    except Exception as e:  # noqa: BLE001
        del doc.removed[removed_before:]
        doc.metadata.pop("anchored_lines", None)
        doc.metadata.pop("restored_lines", None)
        doc.metadata["generic_extras_error"] = f"{type(e).__name__}: {e}"
        return "\n".join(first)
