"""Iconic Media regional titles (Donegal Live, Limerick Leader, ...): PA wire copies in their
national / Northern Ireland sections (sites.md §2d, seed 002).

Every title is a `[[titles]]` entry of one seed with its own RSS; the shared `[filters]` keep
the national/NI sections and government keywords, so local news and sport are never fetched.
"""
from __future__ import annotations

from crawler.spiders.base import SiteSpider


class IconicSpider(SiteSpider):
    name = "iconic"
