"""Wired-Gov (wired-gov.net): verbatim copies of GOV.UK and other public-sector releases.

Strips the department header line and "|Printable version" above the title, takes
"Original article link: <url>" into ``metadata["source_url"]``, and ends the article at
the "Latest News from <department>" list of other headlines (seeds/000, sites.md §2b).
The publication time comes from the URL key ("…+09102025101500?open").
"""
from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from lxml.html import HtmlElement

from cleaners.base import SiteCleaner, drop, move_to_metadata, prune, register, truncate
from cleaners.document import CleanDocument, Removal

UK = ZoneInfo("Europe/London")
_URL_STAMP = re.compile(r"\+(\d{2})(\d{2})(\d{4})(\d{2})(\d{2})(\d{2})(?:\?|$)")  # DDMMYYYYHHMMSS


_DEPT = re.compile(r"[A-Z][\w&,'’ -]{1,118}[\w)]")
# text nodes before the title, nearest last; script/style text is not page text
_BEFORE_TITLE = "(//h1)[1]/preceding::text()[normalize-space()][not(ancestor::script or ancestor::style or ancestor::nav)]"
_AFTER_LATEST = ("(//*[normalize-space(.)='Latest News from'][not(*[normalize-space(.)='Latest News from'])])[1]"
                 "/following::text()[normalize-space()][1]")


def department_from_page(tree: HtmlElement) -> str | None:
    """The department label by where it stands, not by a class name (we have not seen the
    live markup): the last text before the title once "|Printable version" is skipped, or
    the line after the "Latest News from" heading (seeds/000 shows both)."""
    before = [str(t).strip() for t in tree.xpath(_BEFORE_TITLE)]
    while before and re.sub(r"[\s|]", "", before[-1]).lower() in ("", "printableversion"):
        before.pop()
    for cand in ([before[-1]] if before else []) + [str(t).strip() for t in tree.xpath(_AFTER_LATEST)]:
        if _DEPT.fullmatch(cand) and len(cand.split()) <= 12:
            return cand
    return None


@register("wired-gov.net")
class WiredGovCleaner(SiteCleaner):
    outlet = "Wired-Gov"
    text_signatures = (r"^\|\s?Printable version$", r"^Original article link: ")
    prune_xpath = (
        prune(  # the "Latest News from" heading and everything after it in its block: trafilatura
            # drops the headline links but keeps each item's summary <p>; fixture web page
            "latest_news_block", "//*[self::h2 or self::h3 or self::h4]"
            "[normalize-space(.)='Latest News from']/following-sibling::*", kind="latest-news"),
        prune("latest_news_heading", "//*[self::h2 or self::h3 or self::h4]"
              "[normalize-space(.)='Latest News from']", kind="latest-news"),  # exact heading only
    )
    metadata_lines = (
        move_to_metadata(  # "Foreign,Commonwealth and Development Office" above "|Printable version"
            "department", r"\A(?P<value>[^\n]{2,120})\n(?=\|\s?Printable version$)",
            field="department"),  # seeds/000 line 1, sites.md §2b
        move_to_metadata(  # "Original article link: https://www.gov.uk/…"; seeds/000
            "source_link", r"^Original article link:\s*(?P<value>https?://\S+)\s*$",
            field="source_url"),
    )
    truncate_at = (
        truncate(  # "Latest News from\nForeign,Commonwealth…" + headline list; seeds/000
            "latest_news", r"^Latest News from$", kind="latest-news"),  # exact line: a body
    )  # heading "Latest News from the Front Line" survives (adversarial golden)
    drop_paragraphs = (
        drop("printable", r"\|\s?Printable version", kind="share"),  # "|Printable version"; seeds/000
    )

    def page_metadata(self, tree: HtmlElement, doc: CleanDocument) -> None:
        dept = department_from_page(tree)
        if dept:
            doc.metadata.setdefault("department", dept)

    def before_rules(self, text: str, doc: CleanDocument) -> str:
        """Wired-Gov pages show no date; the URL key carries the publication time in UK local
        time (BST in summer), stored with its offset."""
        m = _URL_STAMP.search(doc.url)
        if m and not doc.published:
            d, mo, y, h, mi, s = (int(g) for g in m.groups())
            try:
                doc.published = datetime(y, mo, d, h, mi, s, tzinfo=UK).isoformat()
            except ValueError:  # not a real date: leave it unknown
                pass
        return self._department_above_title(text, doc)

    def _department_above_title(self, text: str, doc: CleanDocument) -> str:
        """The department line sits right above the title even without "|Printable version"
        under it (tests/layouts/wiredgov); a label, not a sentence."""
        lines = text.split("\n")
        if len(lines) > 1 and doc.title and lines[1].strip() == doc.title and _DEPT.fullmatch(lines[0].strip()):
            doc.metadata.setdefault("department", lines[0].strip())
            doc.removed.append(Removal(f"{self.name}.department", "metadata-moved", lines[0].strip()))
            return "\n".join(lines[1:])
        return text
