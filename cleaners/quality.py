"""Known junk signatures: strings that must never survive cleaning, whatever the outlet.

Each signature is one line of page furniture the seeds show (shared/seeds/README.md) or that
sites.md names. A clean text that still contains one means a cleaner missed it: the crawl
telemetry counts these hits per site and `govwire probe` prints them, so a redesign that
moves a box out of a cleaner's reach is noticed on the first run, not by a researcher.

Signatures match whole lines (``re.MULTILINE``, anchored) so an article *quoting* one of
these sentences mid-paragraph is not a hit.
"""
from __future__ import annotations

import re

__all__ = ["JUNK_SIGNATURES", "junk_hits"]

# name -> whole-line pattern (seed or sites.md section it comes from)
JUNK_SIGNATURES: dict[str, re.Pattern[str]] = {
    name: re.compile(pattern, re.MULTILINE) for name, pattern in {
        "donation-appeal": r"^Your support helps us to tell the story\b",          # seed 003
        "donation-signoff": r"^Your support makes all the difference\.\s*$",       # seed 003
        "paywall-prompt": r"^To continue reading this article(?: for FREE)?,?\s*$",  # seed 002
        "registration-prompt": r"^Registration is absolutely 100% FREE",           # seed 002
        "epaper-promo": r"^Buy the e-paper of the ",                               # seed 002
        "newsletter-promo": r"^Keep up with the latest news from .{1,60} with our daily newsletter",
        "mirage-disclaimer": r"^/?Public Release\. This material from the originating",  # seed 001
        "view-in-full": r"^View in full here\.?\s*$",                              # seed 001
        "wiredgov-printable": r"^\|\s?Printable version\s*$",                      # seed 000
        "wiredgov-latest-news": r"^Latest News from\s*$",                          # seed 000
        "original-article-link": r"^Original article link:",                      # seed 000
        "breaking-news-emails": r"^Sign up to our free breaking news emails\s*$",  # sites.md §2c
        "commenting-forum": r"^Join our commenting forum\s*$",                     # sites.md §2c
        "govuk-cookies": r"^(?:Cookies on GOV\.UK|We use some essential cookies to make this website work\.)\s*$",
        "govuk-feedback": r"^Is this page useful\?\s*$",                           # sites.md §1a
        "share-this-page": r"^Share this page\s*$",                                # sites.md §1a
        "sign-up-box": r"^Sign up (?:to|for) (?:our|the) [\w' -]{0,40}newsletters?[.!]?\s*$",
        "most-read": r"^(?:Most (?:read|popular)|Trending now)\s*$",
    }.items()
}


def junk_hits(text: str) -> list[str]:
    """Names of the junk signatures still present in a clean text (empty when clean)."""
    return [name for name, pat in JUNK_SIGNATURES.items() if pat.search(text)]
