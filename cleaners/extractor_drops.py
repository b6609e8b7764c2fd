"""What the extractor itself left out of a page on the generic path, for the removal report.

trafilatura drops navigation, headers, footers and side bars without saying so; with no site
cleaner there is no prune rule to name them. Page landmarks are listed before extraction and
each one whose text did not reach the clean text is reported, coarsely, as the extractor's.
"""
from __future__ import annotations

from lxml import etree
from lxml.html import HtmlElement

from cleaners.document import Removal
from cleaners.spaces import collapse

__all__ = ["landmarks", "report_dropped"]

_TAGS = ("nav", "header", "footer", "aside")
_ROLES_XPATH = "@role='navigation' or @role='banner' or @role='contentinfo' or @role='complementary'"
_LANDMARKS = etree.XPath(f"//nav|//header|//footer|//aside|//*[{_ROLES_XPATH}]")
# cheap first look (attribute strings only): does any element carry a landmark role?
_ROLE_ATTRS = etree.XPath("//@role[.='navigation' or .='banner' or .='contentinfo' or .='complementary']")
_ROLES = {"navigation": "nav", "banner": "header", "contentinfo": "footer", "complementary": "aside"}
_MAX = 1000  # characters kept per reported block


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


def report_dropped(blocks: list[tuple[str, str]], text: str, removed: list[Removal]) -> None:
    """Add `generic.extractor_<name>` removals for the landmarks whose text is not in `text`."""
    # " ".join(text.split()), cheaply: the clean text's lines are single-spaced already, so
    # with its line breaks as spaces collapse() most often returns it as it is
    kept = collapse(text.replace("\n\n", " ").replace("\n", " "))
    reported: set[str] | None = None  # (what was removed before this report; built when needed)
    earlier = len(removed)
    for name, block in blocks:
        if block in kept:
            continue
        if reported is None:
            reported = {" ".join(r.text.split()) for r in removed[:earlier]}
        if block in reported:
            continue
        removed.append(Removal(f"generic.extractor_{name}", "navigation", block[:_MAX]))
