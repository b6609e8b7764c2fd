"""Extraction for outlets without a site cleaner: furniture pruned by markup, then trafilatura.

The site cleaners know their outlet's layout; an unknown outlet gets the generic furniture
rules of :mod:`cleaners.boilerplate` before trafilatura sees the page.
"""
from __future__ import annotations

from lxml.html import HtmlElement

from cleaners.boilerplate import prune_generic_furniture
from cleaners.document import CleanDocument
from cleaners.extract import extract_text

__all__ = ["extract_generic"]


def extract_generic(tree: HtmlElement, url: str | None, doc: CleanDocument) -> str:
    """Main text of a page of an unknown outlet (trafilatura's txt layout)."""
    prune_generic_furniture(tree, doc.removed)
    return extract_text(tree, url)
