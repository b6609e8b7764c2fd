"""Wired-Gov (wired-gov.net): near-verbatim copies of GOV.UK and other public-sector releases.

Discovery: the site RSS (`wg/news.nsf/home?openform&rss`, sites.md §2b), whose `<category>` is
the department. A copy counts as a UK-government story when its "Original article link:" points
at GOV.UK (seed `filters.source_domains`), which drops e.g. Local Government Association items.
The print views duplicate every article and are denied by the seed (and robots.txt).
"""
from __future__ import annotations

from typing import Any

from scrapy.http import Response

from crawler.spiders.base import SiteSpider


class WiredGovSpider(SiteSpider):
    name = "wiredgov"

    def parse_article(self, response: Response, **kw: Any) -> Any:
        for out in super().parse_article(response, **kw):
            if hasattr(out, "metadata"):
                dept = response.xpath('normalize-space(//*[contains(@class,"wg-dept")])').get()
                if dept:
                    out.metadata.setdefault("department", dept)
            yield out
