"""The fuzz targets' checks, without atheris: the harnesses run them under libFuzzer, and
tests/test_fuzz_atheris.py replays every kept crash input through them."""
from __future__ import annotations

from cleaners import clean
from cleaners.errors import CleanerInputError
from crawler.spiders.base import FeedError, parse_feed, parse_sitemap

URLS = ["https://www.gov.uk/government/news/x", "https://www.independent.co.uk/news/uk/x.html",
        "https://www.miragenews.com/x-1234567/", "https://example.com/x"]


def clean_target(data: bytes) -> None:
    """Only CleanerInputError may escape clean(); an empty text must carry a reason."""
    if not data:
        return
    try:
        doc = clean(data[1:], URLS[data[0] % len(URLS)])
    except CleanerInputError:
        return
    if not doc.text and not doc.fallback_reason:
        raise AssertionError("empty clean text without a reason")


def feeds_target(data: bytes) -> None:
    """Only FeedError may escape the feed and sitemap parsers."""
    for parse in (parse_feed, parse_sitemap):
        try:
            parse(data, "https://www.gov.uk/")
        except FeedError:
            pass
