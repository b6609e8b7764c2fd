"""Wired-Gov (wired-gov.net): verbatim copies of GOV.UK and other public-sector releases.

Strips the department header line and "|Printable version" above the title, takes
"Original article link: <url>" into ``metadata["source_url"]``, and ends the article at
the "Latest News from <department>" list of other headlines (seeds/000, sites.md §2b).
"""
from __future__ import annotations

from cleaners.base import SiteCleaner, drop, move_to_metadata, register, truncate


@register("wired-gov.net")
class WiredGovCleaner(SiteCleaner):
    outlet = "Wired-Gov"
    text_signatures = (r"^\|Printable version$", r"^Original article link: ")
    metadata_lines = (
        move_to_metadata(  # "Foreign,Commonwealth and Development Office" above "|Printable version"
            "department", r"\A(?P<value>[^\n]{2,120})\n(?=\|Printable version$)",
            field="department"),  # seeds/000 line 1, sites.md §2b
        move_to_metadata(  # "Original article link: https://www.gov.uk/…"; seeds/000
            "source_link", r"^Original article link:\s*(?P<value>https?://\S+)\s*$",
            field="source_url"),
    )
    truncate_at = (
        truncate(  # "Latest News from\nForeign,Commonwealth…" + headline list; seeds/000
            "latest_news", r"^Latest News from$", kind="latest-news"),  # exact: a heading "Latest news from the summit" in a body survives
    )
    drop_paragraphs = (
        drop("printable", r"\|\s?Printable version", kind="share"),  # "|Printable version"; seeds/000
    )
