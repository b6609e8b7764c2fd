"""Mirage News (miragenews.com): "Public Release" copies of GOV.UK and other releases.

Takes the source byline line under the title (e.g. "UK Gov") into
``metadata["source_byline"]`` and cuts the closing "/Public Release. This material from
the originating organization/author(s) … View in full here." disclaimer (seeds/001,
sites.md §2a). The disclaimer's "View in full here" link, to the original release, is kept
as ``metadata["source_url"]``.
"""
from __future__ import annotations

import re

from lxml.html import HtmlElement

from cleaners.base import SiteCleaner, move_to_metadata, register, truncate
from cleaners.document import CleanDocument

_LABEL = re.compile(r"[A-Z][\w&,'’ -]{1,40}")
_DATE = re.compile(r"\d")


@register("miragenews.com")
class MirageNewsCleaner(SiteCleaner):
    outlet = "Mirage News"
    text_signatures = (r"^/Public Release\. This material from the originating organization",)
    metadata_lines = (
        move_to_metadata(  # "UK Gov": a short label (no sentence punctuation) as the 1st/2nd
            # line, before a long paragraph; seeds/001 line 3, sites.md §2a
            "source_byline", r"\A(?:[^\n]{10,400}\n)?(?P<line>(?P<value>[A-Z][\w&,'’ -]{1,40}))$"
            r"(?=\n[^\n]{60,})", field="source_byline"),
    )
    truncate_at = (
        truncate(  # "/Public Release. This material from the originating organization/author(s)…"
            "public_release", r"/Public Release\. This material from the originating"
            r" organi[sz]ation", kind="disclaimer"),  # seeds/001 last line, sites.md §2a
    )

    def page_metadata(self, tree: HtmlElement, doc: CleanDocument) -> None:
        """The disclaimer's last link, "View in full here", points at the original release.
        The source label is the first short text after the headline, whatever its markup (a
        category link the extractor drops, a plain paragraph); layouts in tests/layouts/."""
        hrefs = [str(h).strip() for h in tree.xpath("//a[normalize-space(.)='View in full here']/@href")]
        if hrefs and hrefs[-1].startswith(("https://", "http://")):
            doc.metadata["source_url"] = hrefs[-1]
        label = tree.xpath("normalize-space((//h1)[1]/following::text()[normalize-space()][1])")
        if isinstance(label, str) and _LABEL.fullmatch(label) and not _DATE.search(label):
            self._label = label  # used only when the text rule finds no label line

    _label: str | None = None

    def after_rules(self, text: str, doc: CleanDocument) -> str:
        if "source_byline" not in doc.metadata and self._label and self._label not in text.split("\n"):
            doc.metadata["source_byline"] = self._label
        return text
