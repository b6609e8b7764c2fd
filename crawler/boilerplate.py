"""Learned outlet boilerplate, the counting half: paragraph hashes over the archive itself.

For each outlet of a site, the latest document of every URL in the store is split into
lines; each line is keyed with `cleaners.learned_boilerplate.paragraph_key` and counted once per
page. A line on more than the seed's `quality.boilerplate_share` of an outlet's pages (and
at least `boilerplate_min_pages` pages archived) is a suspect: `govwire sites --boilerplate
SITE` lists them, and the crawl pipeline flags or removes them (`cleaners.learned_boilerplate`).

The table is cached in the store (`boilerplate/<site>.json`) so a crawl reads one object,
and recounted when older than `max_age_hours`. Lives in crawler/ because it reads the store
(cleaners/ must not import archive/).
"""
from __future__ import annotations

import json
import logging
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from archive.errors import NotFound
from archive.keys import safe_site
from archive.storage import Store
from cleaners.learned_boilerplate import countable, paragraph_key, text_lines

__all__ = ["OutletLines", "BoilerplateTable", "count_site", "load_table", "cache_key"]

logger = logging.getLogger(__name__)

MAX_DOCS = 3000          # URLs read per count (a sample beyond): bounds the cost on a big S3 store
KEEP_MIN_PAGES = 2       # lines seen on fewer pages are not kept in the cached table


def cache_key(site: str) -> str:
    return f"boilerplate/{safe_site(site)}.json"


@dataclass
class OutletLines:
    """Line counts of one outlet: pages counted and, per line key, pages it occurs on."""

    pages: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    examples: dict[str, str] = field(default_factory=dict)

    def add(self, text: str) -> None:
        self.pages += 1
        for line in dict.fromkeys(ln for ln in text_lines(text) if countable(ln)):
            key = paragraph_key(line)
            if key not in self.counts:
                self.examples[key] = line
            self.counts[key] += 1

    def top(self, n: int = 20) -> list[tuple[str, int, float, str]]:
        """(key, pages, share, example line) of the most repeated lines."""
        return [(k, c, c / self.pages if self.pages else 0.0, self.examples.get(k, ""))
                for k, c in self.counts.most_common(n)]

    def suspects(self, share: float, min_pages: int) -> set[str]:
        """Keys of lines on more than `share` of the pages, when `min_pages` pages are known."""
        if self.pages < min_pages:
            return set()
        return {k for k, c in self.counts.items() if c > 1 and c / self.pages > share}


@dataclass
class BoilerplateTable:
    site: str
    counted_at: str = ""
    documents: int = 0
    outlets: dict[str, OutletLines] = field(default_factory=dict)

    def to_json(self) -> bytes:
        out = {"site": self.site, "counted_at": self.counted_at, "documents": self.documents,
               "outlets": {name: {"pages": o.pages, "lines": [
                   [k, c, o.examples.get(k, "")] for k, c in o.counts.most_common()
                   if c >= KEEP_MIN_PAGES]} for name, o in self.outlets.items()}}
        return json.dumps(out, ensure_ascii=False, sort_keys=True).encode("utf-8")

    @classmethod
    def from_json(cls, data: bytes) -> BoilerplateTable:
        raw = json.loads(data.decode("utf-8"))
        t = cls(raw["site"], raw.get("counted_at", ""), int(raw.get("documents", 0)))
        for name, o in raw.get("outlets", {}).items():
            ol = OutletLines(pages=int(o["pages"]))
            for k, c, ex in o.get("lines", []):
                ol.counts[k] = int(c)
                ol.examples[k] = ex
            t.outlets[name] = ol
        return t

    def suspects(self, outlet: str, share: float, min_pages: int) -> set[str]:
        o = self.outlets.get(outlet)
        return o.suspects(share, min_pages) if o else set()

    def age(self, now: datetime | None = None) -> timedelta:
        try:
            when = datetime.fromisoformat(self.counted_at)
        except ValueError:
            return timedelta.max
        return (now or datetime.now(timezone.utc)) - when


def outlet_of(doc: dict[str, Any]) -> str:
    """The outlet a document counts under: the cleaner's outlet name, else its site."""
    return str(doc.get("outlet") or doc.get("site") or "other")


def _url_dirs(store: Store, site: str, max_docs: int) -> list[list[str]]:
    """Document keys grouped by URL; at most `max_docs` URLs, an even sample by URL hash."""
    by_url: dict[str, list[str]] = {}
    for key in store.list(f"docs/{safe_site(site)}/"):
        if key.endswith(".json"):
            by_url.setdefault(key.rsplit("/", 1)[0], []).append(key)
    groups = [by_url[d] for d in sorted(by_url)]
    if len(groups) > max_docs:  # URL hashes are uniform: every n-th is an unbiased sample
        step = len(groups) / max_docs
        groups = [groups[int(i * step)] for i in range(max_docs)]
    return groups


def count_site(store: Store, site: str, *, max_docs: int = MAX_DOCS, threads: int = 8) -> BoilerplateTable:
    """Count line repeats per outlet over the newest document of each URL of `site`."""
    groups = _url_dirs(store, site, max_docs)
    table = BoilerplateTable(site, datetime.now(timezone.utc).isoformat(timespec="seconds"))

    def read(key: str) -> dict[str, Any] | None:
        try:
            return json.loads(store.get_bytes(key).decode("utf-8"))
        except (NotFound, ValueError, UnicodeDecodeError):
            return None

    def newest(keys: list[str]) -> dict[str, Any] | None:
        docs = [d for d in map(read, keys) if d]  # one per content revision of the URL
        return max(docs, key=lambda d: str(d.get("fetched_at") or "")) if docs else None

    with ThreadPoolExecutor(max(1, threads)) as pool:
        for doc in pool.map(newest, groups):
            if not doc or not doc.get("text"):
                continue
            table.documents += 1
            table.outlets.setdefault(outlet_of(doc), OutletLines()).add(doc["text"])
    return table


def load_table(store: Store, site: str, *, max_age_hours: float = 24.0, recount: bool = False,
               save: bool = True) -> BoilerplateTable:
    """The cached table when fresh enough, else a new count (saved back when `save`)."""
    if not recount:
        try:
            table = BoilerplateTable.from_json(store.get_bytes(cache_key(site)))
            if table.age() < timedelta(hours=max_age_hours):
                return table
        except NotFound:
            pass
        except (ValueError, KeyError, TypeError) as e:
            logger.warning("unreadable boilerplate table %s (%s); recounting", cache_key(site), e)
    table = count_site(store, site)
    if save and table.documents:
        try:
            store.put_bytes(cache_key(site), table.to_json(), content_type="application/json")
        except Exception as e:  # noqa: BLE001 -- a cache; the crawl goes on without it
            logger.warning("could not save %s: %s", cache_key(site), e)
    return table
