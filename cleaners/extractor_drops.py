"""What the extractor itself left out of a page on the generic path, for the removal report.

trafilatura drops navigation, headers, footers and side bars without saying so; with no site
cleaner there is no prune rule to name them. Page landmarks are listed before extraction and
each one whose text did not reach the clean text is reported, coarsely, as the extractor's.
"""
from __future__ import annotations

import re

from lxml import etree
from lxml.html import HtmlElement

from cleaners.document import Removal

__all__ = ["landmarks", "report_dropped"]

_TAGS = ("nav", "header", "footer", "aside")
_ROLES_XPATH = "@role='navigation' or @role='banner' or @role='contentinfo' or @role='complementary'"
_LANDMARKS = etree.XPath(f"//nav|//header|//footer|//aside|//*[{_ROLES_XPATH}]")
# cheap first look (attribute strings only): does any element carry a landmark role?
_ROLE_ATTRS = etree.XPath("//@role[.='navigation' or .='banner' or .='contentinfo' or .='complementary']")
_ROLES = {"navigation": "nav", "banner": "header", "contentinfo": "footer", "complementary": "aside"}
_MAX = 1000  # characters kept per reported block
_LEAD_WORDS = 4  # words of a landmark looked for before the whole text is collapsed


def landmarks(tree: HtmlElement) -> list[tuple[str, str]]:
    """(name, text) of each outermost landmark of the page, before anything is removed."""
    # the landmark tags in document order straight from the tree walk; the XPath union
    # (which sorts) only when roles must be merged in
    found = _LANDMARKS(tree) if _ROLE_ATTRS(tree) else list(tree.iter(*_TAGS))
    chosen = set(found)
    out = []
    for el in found:
        if any(a in chosen for a in el.iterancestors()):
            continue  # reported with its outer landmark
        text = " ".join(el.text_content().split())
        if text:
            name = el.tag if el.tag in _TAGS else _ROLES.get(str(el.get("role")), "landmark")
            out.append((str(name), text))
    return out


def _may_hold(text: str, block: str) -> bool:
    """Whether ``block`` (whitespace collapsed) can be in ``text`` once that is collapsed too:
    its first words in order, apart by whitespace, somewhere in ``text``. One regex search
    instead of collapsing the whole text, for the usual landmark that is not there."""
    words = block.split(" ", _LEAD_WORDS)[:_LEAD_WORDS]
    return re.search(r"\s+".join(re.escape(w) for w in words), text) is not None


def report_dropped(blocks: list[tuple[str, str]], text: str, removed: list[Removal]) -> None:
    """Add `generic.extractor_<name>` removals for the landmarks whose text is not in `text`."""
    kept: str | None = None  # (both collapsed only when needed)
    reported: set[str] | None = None
    earlier = len(removed)  # (what was removed before this report)
    for name, block in blocks:
        if _may_hold(text, block):
            kept = " ".join(text.split()) if kept is None else kept
            if block in kept:
                continue
        if reported is None:
            reported = {" ".join(r.text.split()) for r in removed[:earlier]}
        if block in reported:
            continue
        removed.append(Removal(f"generic.extractor_{name}", "navigation", block[:_MAX]))
