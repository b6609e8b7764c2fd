"""The clean-text document: what the cleaners return and what the archive stores."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

# Kinds of removed blocks, as named in the removal report.
REMOVAL_KINDS = (
    "paywall", "donation", "promo", "latest-news", "disclaimer", "navigation", "metadata-moved",
    "duplicate", "cookie", "share", "caption",
    "suspected-boilerplate",  # a line repeated on many of the outlet's pages (learned_boilerplate.py)
)


@dataclass
class Removal:
    """One block the cleaners took out, and the rule that did it."""

    rule: str  # e.g. "independent.donation_appeal" or "generic.paywall"
    kind: str  # one of REMOVAL_KINDS
    text: str  # the removed text (trimmed)


@dataclass
class CleanDocument:
    """Clean text plus metadata for one page. See docs/clean-text.md for the contract."""

    url: str
    text: str = ""
    title: str | None = None
    canonical_url: str | None = None
    site: str | None = None          # registry name of the site cleaner, e.g. "govuk"; None if generic
    outlet: str | None = None        # human name, e.g. "The Independent"
    authors: list[str] = field(default_factory=list)
    published: str | None = None     # ISO 8601
    modified: str | None = None      # ISO 8601
    language: str | None = None
    description: str | None = None
    removed: list[Removal] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)  # site extras: source_url, source_byline, dateline...
    cleaner: str = "generic"         # which cleaner produced it; "fallback" when a site cleaner failed
    cleaner_version: str = ""        # cleaners.CLEANER_VERSION: the whole library's rules
    rule_version: str | None = None  # the site cleaner's rule version chosen for the capture date
    fallback_reason: str | None = None

    @property
    def word_count(self) -> int:
        return len(self.text.split())

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["word_count"] = self.word_count
        return d
