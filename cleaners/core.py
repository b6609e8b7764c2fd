"""clean() and clean_text(): extraction, then site rules, then generic rules.

Archive first, clean second (style rule 19): a failing or empty site cleaner degrades to
bare trafilatura with ``cleaner="fallback"`` and a reason; it never loses the page.
"""
from __future__ import annotations

import re
from datetime import datetime

from cleaners import limits
from cleaners import sites as _sites  # noqa: F401  (registers every site cleaner)
from cleaners.article_boxes import prune_article_boxes
from cleaners.byline import drop_byline
from cleaners.base import SiteCleaner, cleaner_by_name, cleaner_for_url, detect_site, prune_tree
from cleaners.document import CleanDocument, Removal
from cleaners.errors import CleanerInputError
from cleaners.extractor_drops import landmarks, report_dropped
from cleaners.extract_repair import drop_table_rules, restore_dropped_blocks
from cleaners.extract import decode_html, extract_text, page_meta, parse_html
from cleaners.generic import apply_generic
from cleaners.generic_extract import extract_generic

__all__ = ["CLEANER_VERSION", "clean", "clean_text", "format_text", "to_rule_text"]

# Bump on any rule change: stored documents say which rules made them.
CLEANER_VERSION = "2026.12.03-7"  # 12.03-7: "? Sign up here ." prompts; 12.03-6: media summaries restating the lede dropped; 12.03-5: affiliate offer cards pruned; 12.03-4: recipe card summary and nutrition from JSON-LD; 12.03-3: teaser lists pruned, sibling story runs; 12.03-2: gallery captions, affiliate disclosures, headline box never furniture; 12.03-1: generic path puts back article blocks trafilatura skipped between kept ones (issue 16); -7: dropped article blocks restored, table rule lines, layout fixes (issue 10); -6: generic path: italic author bio to metadata, extras never lose the page (issue 16)

_BULLET = re.compile(r"^[•●▪◦·*]\s+")
_LIST_LINE = re.compile(r"^(?:- |\| )")


def to_rule_text(text: str) -> str:
    """Any text to the rule model: stripped lines, no blank lines, bullets as ``- ``."""
    lines = []
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = raw.strip()
        if line:
            lines.append(_BULLET.sub("- ", line))
    return "\n".join(lines)


def format_text(rule_text: str) -> str:
    """Rule model to the clean-text contract: paragraphs split by a blank line, list items
    (``- ``) and table rows (``| ``) of one list kept together on consecutive lines."""
    out: list[str] = []
    prev_list = False
    for line in (x.strip() for x in rule_text.split("\n")):
        if not line:
            continue
        is_list = bool(_LIST_LINE.match(line))
        if out and is_list and prev_list:
            out[-1] += "\n" + line
        else:
            out.append(line)
        prev_list = is_list
    return "\n\n".join(out)


def _cleaner(url: str | None, site: str | None, captured: datetime | None = None) -> SiteCleaner | None:
    """The site cleaner, in the rule version for the capture date (style rule 8)."""
    if site == "generic":
        return None
    if site:
        cls = cleaner_by_name(site) or cleaner_for_url(site)
        if cls is None:
            raise CleanerInputError(f"unknown site {site!r}: not a registered cleaner name or domain")
        return cls.for_capture(captured)()
    cls = cleaner_for_url(url)
    return cls.for_capture(captured)() if cls else None


def _ensure_title(text: str, title: str | None, doc: CleanDocument) -> str:
    if not title or not text:
        return text
    lines = text.split("\n")
    if title in lines[:3]:
        return text
    doc.metadata.setdefault("title_added", True)
    return title + "\n" + text


def clean_text(text: str, url: str | None = None, site: str | None = None, *,
               captured: datetime | None = None) -> CleanDocument:
    """Clean already-extracted text (e.g. a naive scraper's capture) with site + generic rules.

    Args:
        text: the extracted text; any mix of single and blank-line paragraph breaks.
        url: the page's address; picks the site cleaner by domain.
        site: a cleaner name (``"wiredgov"``) or domain; overrides ``url``;
            ``"generic"`` means generic rules only.
            With neither, the site is recognised from tell-tale junk when exactly one
            cleaner's signatures match, else only generic rules run.
        captured: capture time; picks the site's rule version (see ``clean``).
    """
    cleaner = _cleaner(url, site, captured)
    rule_text = to_rule_text(text)
    if cleaner is None and url is None and site is None:
        cls = detect_site(rule_text)
        cleaner = cls.for_capture(captured)() if cls else None
    doc = CleanDocument(url=url or "", cleaner_version=CLEANER_VERSION)
    if cleaner is not None:
        doc.site, doc.outlet, doc.cleaner = cleaner.name, cleaner.outlet_for(url), cleaner.name
        doc.rule_version = cleaner.rule_version
        rule_text = to_rule_text(cleaner.apply_rules(rule_text, doc))
    doc.text = format_text(apply_generic(rule_text, doc))
    return doc


def clean(html: str | bytes, url: str, *, captured: datetime | None = None,
          charset: str | None = None, site: str | None = None) -> CleanDocument:
    """Clean one HTML page: extract with the site's prune list, then site and generic rules.

    Bounded (cleaners/limits.py): a page too deep, too big or too slow to clean gets a cheap
    extraction with ``cleaner="fallback"`` and a ``fallback_reason`` naming the bound.

    Args:
        html: the page as served (bytes are decoded: BOM, ``charset``, meta charset, UTF-8,
            cp1252; gzip is inflated).
        url: the page's address; picks the site cleaner by domain suffix.
        captured: capture time (the WARC-Date): picks the site cleaner's rule version, so a
            2024 capture is cleaned with the rules of the 2024 layout (``VALID_UNTIL``).
        charset: the HTTP Content-Type charset when known.
        site: a cleaner name or domain that overrides the choice by ``url``.

    An extractor that raises (trafilatura's own bugs on odd markup) or a rule that raises never
    loses the page: the document then holds the cheap extraction, ``cleaner="fallback"`` and a
    ``fallback_reason`` naming the exception.

    Raises:
        CleanerInputError: empty, huge or binary input (one-line message).
    """
    try:
        with limits.time_budget():
            return _clean(html, url, captured=captured, charset=charset, site=site)
    except limits.CleanBudgetExceeded as e:
        reason = str(e)
    except CleanerInputError:
        raise
    except Exception as e:  # noqa: BLE001 -- an extractor's or a rule's bug must not lose the page
        reason = f"extraction failed: {type(e).__name__}: {e}"
    text = decode_html(html, charset)
    doc = CleanDocument(url=url, cleaner_version=CLEANER_VERSION, cleaner="fallback")
    if captured is not None:
        doc.metadata["captured"] = captured.isoformat()
    doc.text, doc.fallback_reason = limits.cheap_text(parse_html(text), text, reason)
    return doc


def _cheap_fallback(doc: CleanDocument, text: str, reason: str) -> None:
    """The linear extraction of the page as served, when the extractor itself failed; the
    metadata already read stays, removals other than moved metadata go (they described text
    that is not there)."""
    doc.cleaner = "fallback"
    doc.removed = [r for r in doc.removed if isinstance(r, Removal) and r.kind == "metadata-moved"]
    doc.metadata.pop("anchored_lines", None)
    doc.text, doc.fallback_reason = limits.cheap_text(parse_html(text), text, reason)


def _clean(html: str | bytes, url: str, *, captured: datetime | None = None,
           charset: str | None = None, site: str | None = None) -> CleanDocument:
    site_name = site
    text = decode_html(html, charset)
    tree = parse_html(text)
    problem = limits.parse_problem() or (limits.tree_problem(tree) if tree is not None else None)
    doc = CleanDocument(url=url, cleaner_version=CLEANER_VERSION)
    if captured is not None:
        doc.metadata["captured"] = captured.isoformat()
    if tree is None:
        doc.fallback_reason = "no HTML document could be parsed"
        return doc
    if problem is not None:  # over a resource bound: linear extraction, reason recorded
        doc.title = " ".join((tree.findtext(".//title") or "").split()) or None
        doc.cleaner = "fallback"
        doc.text, doc.fallback_reason = limits.cheap_text(tree, text, problem)
        return doc
    # Every element's Python proxy, held while the page is read: lxml makes a proxy for an
    # element each time a walk reaches it with none alive (a Python class lookup each, for
    # lxml.html trees), and the reads below walk the page a dozen times. Bounded by MAX_NODES.
    proxies = list(tree.iter())
    _fill_meta(doc, tree)
    cleaner = _cleaner(url, site_name, captured)
    if cleaner is None:
        blocks = landmarks(tree)  # before extraction edits the tree
        try:
            extracted = extract_generic(tree, url, doc)
        except limits.CleanBudgetExceeded:
            raise
        except Exception as e:  # noqa: BLE001 -- the extractor's bug must not lose the page
            _cheap_fallback(doc, text, f"extractor raised {type(e).__name__}: {e}")
            return doc
        del proxies
        doc.text = format_text(drop_byline(apply_generic(to_rule_text(extracted), doc), doc))
        report_dropped(blocks, doc.text, doc.removed)
        if not doc.text:  # an empty result always says why
            doc.fallback_reason = doc.fallback_reason or "the extractor found no article text"
        return doc
    doc.site, doc.outlet, doc.cleaner = cleaner.name, cleaner.outlet_for(url), cleaner.name
    doc.rule_version = cleaner.rule_version
    try:
        cleaner.page_metadata(tree, doc)
        prune_tree(tree, cleaner.prune_xpath, cleaner.name, doc.removed)
        if cleaner.prune_article_boxes:
            prune_article_boxes(tree, doc.removed)  # boxes inside the body: shared, not per site
        rule_text = to_rule_text(extract_text(tree, url))  # (leaves the tree as it was)
        rule_text, _ = restore_dropped_blocks(tree, drop_table_rules(rule_text))
        rule_text = to_rule_text(cleaner.apply_rules(rule_text, doc))
        rule_text = drop_byline(apply_generic(rule_text, doc), doc)
        if cleaner.title_in_text:
            rule_text = _ensure_title(rule_text, doc.title, doc)
        reason = None if rule_text.strip() else f"site cleaner {cleaner.name} yielded empty text"
    except limits.CleanBudgetExceeded:
        raise
    except Exception as e:  # noqa: BLE001 -- any cleaner bug degrades to bare extraction
        reason = f"site cleaner {cleaner.name} raised {type(e).__name__}: {e}"
    if reason is None:
        doc.text = format_text(rule_text)
        return doc
    fresh = parse_html(text)
    doc.cleaner, doc.fallback_reason = "fallback", reason
    doc.removed = [r for r in doc.removed if isinstance(r, Removal) and r.kind == "metadata-moved"]
    try:
        doc.text = format_text(to_rule_text(extract_text(fresh, url) if fresh is not None else ""))
    except limits.CleanBudgetExceeded:
        raise
    except Exception as e:  # noqa: BLE001 -- nor does the extractor's own failure
        _cheap_fallback(doc, text, f"{reason}; extractor raised {type(e).__name__}: {e}")
    return doc


def _fill_meta(doc: CleanDocument, tree: object) -> None:
    meta = page_meta(tree)  # type: ignore[arg-type]
    doc.title, doc.authors = meta.title, meta.authors
    doc.published, doc.modified = meta.published, meta.modified
    doc.language, doc.canonical_url, doc.description = (
        meta.language, meta.canonical_url, meta.description)
    if meta.site_name:
        doc.metadata["site_name"] = meta.site_name
