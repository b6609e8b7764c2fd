"""The Independent and the Evening Standard (one ESI platform): PA wire copies of government
stories (sites.md §2c, §2e; seed 003).

Both outlets are `[[sources]]` of one seed (RSS plus the Independent's Google News sitemap).
Section prefixes narrow the feed; government keywords in the headline/standfirst keep an entry,
and otherwise the page's byline (e.g. "PA Political Staff") or its text has to qualify it.
"""
from __future__ import annotations

from crawler.spiders.base import SiteSpider


class IndependentSpider(SiteSpider):
    name = "independent"
