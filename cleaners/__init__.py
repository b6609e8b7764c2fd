"""govwire cleaners: trustworthy clean text from GOV.UK releases and their press copies.

>>> from cleaners import clean
>>> doc = clean(html_bytes, "https://www.gov.uk/government/news/...")
>>> doc.text, doc.title, doc.published, doc.removed

See docs/clean-text.md for the contract and docs/adding-a-site.md to add a site.
"""
from __future__ import annotations

from cleaners.base import (
    SiteCleaner,
    cleaner_by_name,
    cleaner_for_url,
    cut_between,
    detect_site,
    drop,
    move_to_metadata,
    prune,
    register,
    registered,
    truncate,
)
from cleaners.core import CLEANER_VERSION, clean, clean_text
from cleaners.document import REMOVAL_KINDS, CleanDocument, Removal
from cleaners.errors import CleanerInputError

__all__ = [
    "CLEANER_VERSION", "REMOVAL_KINDS", "CleanDocument", "CleanerInputError", "Removal",
    "SiteCleaner", "clean", "clean_text", "cleaner_by_name", "cleaner_for_url", "cut_between",
    "detect_site", "drop", "move_to_metadata", "prune", "register", "registered", "truncate",
]
