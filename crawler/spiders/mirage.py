"""Mirage News (miragenews.com): an aggregator of public releases; UK-government copies carry
the source label "UK Gov" (sites.md §2a, seed 001).

Discovery: the WordPress RSS (`feed/`), whose `<category>` is the source label, so non-UK-Gov
releases are skipped before any fetch (seed `filters.sections`). On the page, the "View in full
here" link must point at GOV.UK (seed `filters.source_domains`); it is kept as `source_url`.
"""
from __future__ import annotations

from crawler.spiders.base import SiteSpider


class MirageSpider(SiteSpider):
    name = "mirage"
