"""Spiders are built from the seeds: one seed file = one outlet = one spider of the same name.

Scrapy's SPIDER_LOADER_CLASS points here, so `scrapy crawl independent`, `scrapy list` and
`govwire crawl --all` all see exactly the seeds in GOVWIRE_SEEDS_DIR (default seeds/). A seed
names its spider kind (`spider = "feeds"` by default: RSS/Atom feeds and sitemaps filtered by
the seed's [filters]; "govuk": the Search/Content API spider; "urls": URLs given as arguments;
or "package.module:Class" for a site with its own logic) and its cleaner (`cleaner`, default
the seed name; "auto" picks one per page by URL). No one-line spider files.

    loader = SeedSpiderLoader.from_settings(settings)
    loader.list()                 # ["govuk", "iconic", "independent", ...]
    loader.load("independent")    # a SiteSpider subclass named "independent"

A seed whose cleaner is not registered or whose spider kind is unknown is a ConfigError (one
line naming the seed file), never skipped: `outlet_problems()` says what is missing.
"""
from __future__ import annotations

import builtins
import importlib
from typing import Any

from crawler.errors import ConfigError
from crawler.seeds import SeedConfig, load_seed, seed_names, seeds_dir

__all__ = ["SPIDER_KINDS", "SeedSpiderLoader", "outlet_problems", "spider_class", "check_outlet"]

SPIDER_KINDS = {
    "feeds": "crawler.spiders.base:SiteSpider",
    "govuk": "crawler.spiders.govuk:GovukSpider",
    "urls": "crawler.spiders.urls:UrlsSpider",
}
AUTO_CLEANER = "auto"


def _spider_base(kind: str) -> type:
    target = SPIDER_KINDS.get(kind, kind)
    if ":" not in target:
        raise LookupError(f"unknown spider kind {kind!r} (known: {', '.join(SPIDER_KINDS)}, "
                          "or package.module:Class)")
    module, _, attr = target.partition(":")
    try:
        cls = getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError) as e:
        raise LookupError(f"spider {kind!r} cannot be imported ({type(e).__name__}: {e})") from None
    from crawler.spiders.base import GovwireSpider

    if not (isinstance(cls, type) and issubclass(cls, GovwireSpider)):
        raise LookupError(f"spider {kind!r} is not a GovwireSpider subclass")
    return cls


def outlet_problems(seed: SeedConfig) -> list[str]:
    """What this seed lacks to be crawled and cleaned (empty when it is complete)."""
    from cleaners import cleaner_by_name

    problems = []
    if seed.cleaner != AUTO_CLEANER and cleaner_by_name(seed.cleaner) is None:
        problems.append(f"cleaner {seed.cleaner!r} is not registered "
                        f"(add cleaners/sites/{seed.cleaner}.py with @register(...))")
    try:
        _spider_base(seed.spider)
    except LookupError as e:
        problems.append(str(e))
    if seed.spider == "feeds" and not seed.all_sources():
        problems.append("a feeds spider needs base_url with feeds/sitemaps, or [[sources]]")
    return problems


def check_outlet(seed: SeedConfig) -> None:
    """Raise ConfigError naming the seed file and its first problem."""
    problems = outlet_problems(seed)
    if problems:
        raise ConfigError(f"seeds/{seed.path.name}: {problems[0]}")


_CLASSES: dict[tuple[str, str, str], type] = {}


def spider_class(seed: SeedConfig) -> type:
    """The spider class for a seed: its kind's class, subclassed under the seed's name."""
    check_outlet(seed)
    key = (seed.name, seed.spider, str(seed.path))
    if key not in _CLASSES:
        base = _spider_base(seed.spider)
        camel = "".join(p.title() for p in seed.name.split("_"))
        _CLASSES[key] = type(f"{camel}Spider", (base,), {
            "name": seed.name, "site": seed.name, "__module__": __name__,
            "__doc__": f"{seed.description or seed.name} (built from seeds/{seed.path.name})"})
    return _CLASSES[key]


class SeedSpiderLoader:
    """Scrapy spider loader (SpiderLoaderProtocol) over the seeds directory."""

    def __init__(self, settings: Any) -> None:
        self.settings = settings
        self.dir = seeds_dir(settings=settings)

    @classmethod
    def from_settings(cls, settings: Any) -> SeedSpiderLoader:
        return cls(settings)

    def list(self) -> builtins.list[str]:
        return seed_names(self.dir)

    def load(self, spider_name: str) -> type:
        if spider_name not in self.list():
            raise KeyError(f"Spider not found: {spider_name}")
        return spider_class(load_seed(spider_name, self.dir))

    def find_by_request(self, request: Any) -> builtins.list[str]:
        from urllib.parse import urlsplit

        host = (urlsplit(request.url).hostname or "").lower()
        out = []
        for name in self.list():
            seed = load_seed(name, self.dir)
            if any(host == d or host.endswith("." + d.removeprefix("www.")) for d in seed.all_domains):
                out.append(name)
        return out
