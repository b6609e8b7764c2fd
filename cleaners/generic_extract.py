"""Extraction for outlets without a site cleaner: furniture pruned by markup, trafilatura,
then the blocks a second extractor finds inside trafilatura's article stretch.

The site cleaners know their outlet's layout; an unknown outlet gets the generic furniture
rules of :mod:`cleaners.boilerplate` before trafilatura sees the page, and
:mod:`cleaners.second_opinion` for the blocks trafilatura dropped inside the article.
"""
from __future__ import annotations

from lxml.html import HtmlElement

from cleaners.anchors import (add_recipe_ingredients, add_standfirst, find_article_body,
                              find_named_lead, find_recipe_ingredients, find_standfirst,
                              use_article_body)
from cleaners.boilerplate import drop_link_lines, link_texts, prune_generic_furniture
from cleaners.document import CleanDocument
from cleaners.extract import extract_text

__all__ = ["extract_generic"]


def extract_generic(tree: HtmlElement, html: str, url: str | None, doc: CleanDocument) -> str:
    """Main text of a page of an unknown outlet, in the rule model (one line a paragraph)."""
    prune_generic_furniture(tree, doc.removed)
    standfirst = find_standfirst(tree, doc.description)  # before trafilatura edits the tree
    named_lead = find_named_lead(tree)
    ingredients = find_recipe_ingredients(tree)
    article_body = find_article_body(tree)
    links = link_texts(tree)
    first = [ln for ln in (x.strip() for x in extract_text(tree, url).split("\n")) if ln]
    first = use_article_body(article_body, drop_link_lines(first, links, doc.removed))
    if not first:
        return ""
    lines = add_recipe_ingredients(ingredients, add_standfirst(standfirst, add_standfirst(named_lead, first, doc.title), doc.title))
    if len(lines) > len(first):
        doc.metadata["anchored_lines"] = len(lines) - len(first)
    return "\n".join(lines)
