"""Seed configs: one TOML file per site in `seeds/`, validated at load (style rule 21).

Why data and not code: a site's addresses, feeds and politeness change more often than its
spider, and relocating a site (fixture web, a mirror) must be one override of `base_url`.
Feed and sitemap paths are relative to `base_url` for that reason.

    seed = load_seed("govuk")                       # SeedConfig
    seed.url(seed.feeds[0])                         # absolute feed URL
    local = with_base_urls(seed, {"www.gov.uk": "http://127.0.0.1:8001"})
    domain_for("http://127.0.0.1:8001/government/news/x", local)  # -> https://www.gov.uk/government/news/x

A seeds directory may also hold `_relocate.toml` (`[base_urls]` table, host = base URL, and an
optional `[politeness]` table); every seed loaded from that directory is relocated with it. The fixture web and `govwire demo` use it
so spiders read relocated seeds through the ordinary `GOVWIRE_SEEDS_DIR` setting.
"""
from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import urlsplit, urlunsplit

from archive import environment
from crawler.errors import ConfigError

__all__ = ["SeedConfig", "Source", "Politeness", "Filters", "Quality", "SearchConfig", "load_seed", "load_all",
           "seed_names", "seeds_dir", "with_base_urls", "domain_for", "write_relocation",
           "RELOCATE_FILE", "DEFAULT_SEEDS_DIR"]

BUNDLED = "bundled_seeds"  # the checkout's seeds/, copied into the package by setup.py's build_py


def _default_seeds_dir() -> Path:
    """The checkout's seeds/ (editable install, a clone), else the copy shipped inside the
    package (a wheel, or the egg scrapyd runs: a zip, whose files are copied out once)."""
    repo = Path(__file__).resolve().parent.parent / "seeds"
    if repo.is_dir():
        return repo
    import importlib.resources

    res = importlib.resources.files("crawler") / BUNDLED
    if isinstance(res, Path) or not res.is_dir():
        return Path(str(res))  # a real directory (or nothing: seed loading says which path)
    import tempfile

    out = Path(tempfile.mkdtemp(prefix="govwire-seeds-"))
    for f in res.iterdir():
        if f.name.endswith(".toml"):
            (out / f.name).write_bytes(f.read_bytes())
    return out


DEFAULT_SEEDS_DIR = _default_seeds_dir()
RELOCATE_FILE = "_relocate.toml"
_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Politeness:
    download_delay: float = 1.0
    concurrency: int = 1           # requests in flight per domain; at most 2
    max_rps: float = 1.0

    @property
    def effective_delay(self) -> float:
        """Seconds between requests to one host: the delay, raised so the rate stays <= max_rps."""
        return max(self.download_delay, 1.0 / self.max_rps) if self.max_rps > 0 else self.download_delay

    def scrapy_settings(self) -> dict[str, Any]:
        """The Scrapy settings a spider should put in `custom_settings`/update_settings."""
        return {"DOWNLOAD_DELAY": self.download_delay,
                "CONCURRENT_REQUESTS_PER_DOMAIN": self.concurrency,
                "AUTOTHROTTLE_START_DELAY": max(self.download_delay, 1.0 / self.max_rps if self.max_rps else 1.0)}


@dataclass(frozen=True)
class Filters:
    """What marks a UK-government story on an outlet that also publishes everything else."""

    sections: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    bylines: tuple[str, ...] = ()
    source_domains: tuple[str, ...] = ()


@dataclass(frozen=True)
class Quality:
    """Per-site quality thresholds (docs/quality.md): learned boilerplate and run alarms."""

    min_words: int = 60                 # a clean text shorter than this counts as empty
    boilerplate_share: float = 0.3      # a line on more than this share of the outlet's pages
    boilerplate_min_pages: int = 10     # ... of at least this many archived pages is suspect
    remove_boilerplate: bool = False    # remove suspects (else only flag them in `removed`)
    drop_ratio: float = 0.25            # alarm when selected < ratio x median of recent runs
    history_runs: int = 10              # recent runs compared against


@dataclass(frozen=True)
class SearchConfig:
    """GOV.UK Search API discovery (sites.md §1c)."""

    api_path: str = "api/search.json"
    content_api_path: str = "api/content"
    organisations: tuple[str, ...] = ()
    document_types: tuple[str, ...] = ()
    page_size: int = 50
    max_pages: int = 20
    order: str = "-public_timestamp"
    fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class Source:
    """One crawlable site of a seed: the seed itself, or one of its [[sources]]/[[titles]]."""

    name: str
    domains: tuple[str, ...]
    base_url: str
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    allow: tuple[str, ...] = ()
    deny: tuple[str, ...] = ()
    outlet: str = ""
    real_base_url: str = ""        # base_url before any relocation

    def url(self, path: str) -> str:
        """Absolute URL of a feed/sitemap/API path relative to base_url."""
        if "://" in path:
            return path
        return self.base_url.rstrip("/") + "/" + path.lstrip("/")

    @property
    def feed_urls(self) -> list[str]:
        return [self.url(p) for p in self.feeds]

    @property
    def sitemap_urls(self) -> list[str]:
        return [self.url(p) for p in self.sitemaps]


@dataclass(frozen=True)
class SeedConfig:
    name: str
    path: Path
    description: str = ""
    domains: tuple[str, ...] = ()
    base_url: str = ""
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    allow: tuple[str, ...] = ()
    deny: tuple[str, ...] = ()
    schedule: str = ""
    search: SearchConfig | None = None
    filters: Filters = field(default_factory=Filters)
    politeness: Politeness = field(default_factory=Politeness)
    sources: tuple[Source, ...] = ()   # [[sources]] or [[titles]] (iconic)
    quality: Quality = field(default_factory=Quality)
    real_base_url: str = ""
    outlet: str = ""               # human name, as the cleaner says it ("The Independent")
    cleaner: str = ""              # registry name of the cleaner; default the seed name; "auto": by URL
    spider: str = "feeds"          # spider kind (crawler/spider_loader.py SPIDER_KINDS) or "module:Class"
    page_metadata: Mapping[str, str] = field(default_factory=dict)  # metadata field -> XPath on article pages

    def url(self, path: str) -> str:
        return self.as_source().url(path)

    def as_source(self) -> Source:
        return Source(self.name, self.domains, self.base_url, self.feeds, self.sitemaps, self.allow,
                      self.deny, self.outlet, self.real_base_url or self.base_url)

    def all_sources(self) -> list[Source]:
        """Every site to crawl: the [[sources]]/[[titles]], or the seed itself when it has none."""
        if self.sources:
            return list(self.sources)
        return [self.as_source()] if self.base_url else []

    @property
    def titles(self) -> tuple[Source, ...]:
        return self.sources

    @property
    def all_domains(self) -> list[str]:
        out = list(self.domains)
        for s in self.sources:
            out += [d for d in s.domains if d not in out]
        return out


# ------------------------------------------------------------------------------------------------
# Schema: key -> expected type ("str", "list", "float", "int", "table").

_SEED_KEYS = {"name": str, "outlet": str, "cleaner": str, "spider": str, "page_metadata": dict,
              "description": str, "domains": list, "base_url": str, "feeds": list,
              "sitemaps": list, "allow": list, "deny": list, "schedule": str, "search": dict,
              "filters": dict, "politeness": dict, "sources": list, "titles": list,
              "quality": dict}
_SOURCE_KEYS = {"name": str, "outlet": str, "domains": list, "domain": str, "base_url": str, "feeds": list,
                "sitemaps": list, "allow": list, "deny": list}
_SEARCH_KEYS = {"api_path": str, "content_api_path": str, "organisations": list, "document_types": list,
                "page_size": int, "max_pages": int, "order": str, "fields": list}
_FILTER_KEYS = {"sections": list, "keywords": list, "bylines": list, "source_domains": list}
_QUALITY_KEYS: dict[str, Any] = {"min_words": int, "boilerplate_share": float,
                                 "boilerplate_min_pages": int, "remove_boilerplate": bool,
                                 "drop_ratio": float, "history_runs": int}
_POLITE_KEYS = {"download_delay": (int, float), "concurrency": int, "max_rps": (int, float)}


def seeds_dir(value: str | os.PathLike[str] | None = None, settings: Any = None) -> Path:
    """The seeds directory: explicit value, else setting/env GOVWIRE_SEEDS_DIR, else the repo's seeds/."""
    if not value and settings is not None:
        value = settings.get("GOVWIRE_SEEDS_DIR") or None
    if not value:
        value = environment.get("GOVWIRE_SEEDS_DIR") or None
    return Path(value) if value else DEFAULT_SEEDS_DIR


def _where(path: Path) -> str:
    return f"{path.parent.name}/{path.name}" if path.parent.name else path.name


def _check_table(where: str, prefix: str, table: Mapping[str, Any], schema: Mapping[str, Any]) -> None:
    for k, v in table.items():
        if k not in schema:
            raise ConfigError(f"{where}: unknown key '{prefix}{k}'")
        want = schema[k]
        if want is float:
            want = (int, float)
        if want is bool:
            if not isinstance(v, bool):
                raise ConfigError(f"{where}: '{prefix}{k}' must be true or false, not {type(v).__name__}")
            continue
        if isinstance(v, bool) or not isinstance(v, want):
            names = " or ".join(t.__name__ for t in (want if isinstance(want, tuple) else (want,)))
            raise ConfigError(f"{where}: '{prefix}{k}' must be {names.replace('dict', 'a table')}, "
                              f"not {type(v).__name__}")
        if want is list and k not in ("sources", "titles") and not all(isinstance(x, str) for x in v):
            raise ConfigError(f"{where}: '{prefix}{k}' must be a list of strings")


def _check_url(where: str, key: str, url: str) -> None:
    p = urlsplit(url)
    if p.scheme not in ("http", "https") or not p.netloc:
        raise ConfigError(f"{where}: '{key}' must be an http(s) URL, got {url!r}")


def _check_relative(where: str, key: str, paths: list[str]) -> None:
    for p in paths:
        if "://" in p or p.startswith("//"):
            raise ConfigError(f"{where}: '{key}' entries are paths relative to base_url, got {p!r}")


def _check_regexes(where: str, key: str, patterns: list[str]) -> None:
    for p in patterns:
        try:
            re.compile(p)
        except re.error as e:
            raise ConfigError(f"{where}: bad regex in '{key}': {p!r} ({e})") from None


def _check_cron(where: str, expr: str) -> None:
    if not expr:
        return
    fields = expr.split()
    if len(fields) != 5 or not all(re.fullmatch(r"[\d*/,\-A-Za-z]+", f) for f in fields):
        raise ConfigError(f"{where}: 'schedule' must be a 5-field cron expression, got {expr!r}")


def _set_dotted(raw: dict[str, Any], key: str, value: Any) -> None:
    parts = key.split(".")
    d = raw
    for p in parts[:-1]:
        d = d.setdefault(p, {})
        if not isinstance(d, dict):
            raise ConfigError(f"override {key!r}: {p!r} is not a table")
    d[parts[-1]] = value


def _relocate_url(url: str, mapping: Mapping[str, str]) -> str:
    host = urlsplit(url).hostname or ""
    return mapping[host].rstrip("/") if host in mapping else url


def _parse(path: Path, raw: dict[str, Any], relocation: Mapping[str, str]) -> SeedConfig:
    where = _where(path)
    _check_table(where, "", raw, _SEED_KEYS)
    name = raw.get("name")
    if not name:
        raise ConfigError(f"{where}: missing key 'name'")
    if not _NAME_RE.match(name):
        raise ConfigError(f"{where}: 'name' must be lower-case letters, digits and _ (got {name!r})")
    if name != path.stem:
        raise ConfigError(f"{where}: 'name' is {name!r} but the file is {path.name} (they must match)")
    if "domains" not in raw:
        raise ConfigError(f"{where}: missing key 'domains'")
    page_metadata = raw.get("page_metadata", {})
    for k, v in page_metadata.items():
        if not isinstance(v, str):
            raise ConfigError(f"{where}: 'page_metadata.{k}' must be an XPath string, not {type(v).__name__}")
    for sect, schema in (("search", _SEARCH_KEYS), ("filters", _FILTER_KEYS), ("politeness", _POLITE_KEYS),
                         ("quality", _QUALITY_KEYS)):
        if sect in raw:
            _check_table(where, f"{sect}.", raw[sect], schema)
    if "sources" in raw and "titles" in raw:
        raise ConfigError(f"{where}: use either [[sources]] or [[titles]], not both")
    subs_key = "titles" if "titles" in raw else "sources"
    subs_raw = raw.get(subs_key, [])
    base_url = raw.get("base_url", "")
    if base_url:
        _check_url(where, "base_url", base_url)
    elif not subs_raw and (raw.get("feeds") or raw.get("sitemaps") or "search" in raw):
        raise ConfigError(f"{where}: feeds/sitemaps/search need a 'base_url'")
    for k in ("feeds", "sitemaps"):
        _check_relative(where, k, raw.get(k, []))
    for k in ("allow", "deny"):
        _check_regexes(where, k, raw.get(k, []))
    _check_cron(where, raw.get("schedule", ""))

    pol = raw.get("politeness", {})
    politeness = Politeness(float(pol.get("download_delay", 1.0)), int(pol.get("concurrency", 1)),
                            float(pol.get("max_rps", 1.0)))
    if not 1 <= politeness.concurrency <= 2:
        raise ConfigError(f"{where}: 'politeness.concurrency' must be 1 or 2 (be polite), got {politeness.concurrency}")
    if politeness.download_delay < 0 or politeness.max_rps <= 0:
        raise ConfigError(f"{where}: 'politeness' delays must be >= 0 and max_rps > 0")

    sources = []
    seen: set[str] = set()
    for i, s in enumerate(subs_raw):
        sw = f"{subs_key}[{i}]."
        if not isinstance(s, dict):
            raise ConfigError(f"{where}: '{subs_key}' must be an array of tables ([[{subs_key}]])")
        _check_table(where, sw, s, _SOURCE_KEYS)
        for req in ("name", "base_url"):
            if req not in s:
                raise ConfigError(f"{where}: missing key '{sw}{req}'")
        if s["name"] in seen:
            raise ConfigError(f"{where}: duplicate {subs_key} name {s['name']!r}")
        seen.add(s["name"])
        _check_url(where, f"{sw}base_url", s["base_url"])
        for k in ("feeds", "sitemaps"):
            _check_relative(where, sw + k, s.get(k, []))
        for k in ("allow", "deny"):
            _check_regexes(where, sw + k, s.get(k, []))
        domains = tuple(s.get("domains", [])) + ((s["domain"],) if "domain" in s else ())
        if not domains:
            domains = (urlsplit(s["base_url"]).hostname or "",)
        sources.append(Source(s["name"], domains, _relocate_url(s["base_url"], relocation),
                              tuple(s.get("feeds", [])), tuple(s.get("sitemaps", [])),
                              tuple(s.get("allow", raw.get("allow", []))), tuple(s.get("deny", raw.get("deny", []))),
                              s.get("outlet", ""), s["base_url"]))

    search = None
    if "search" in raw:
        sr = raw["search"]
        _check_relative(where, "search.api_path", [sr.get("api_path", "")])
        search = SearchConfig(sr.get("api_path", "api/search.json"), sr.get("content_api_path", "api/content"),
                              tuple(sr.get("organisations", [])), tuple(sr.get("document_types", [])),
                              int(sr.get("page_size", 50)), int(sr.get("max_pages", 20)),
                              sr.get("order", "-public_timestamp"), tuple(sr.get("fields", [])))
        if not 1 <= search.page_size <= 1500:
            raise ConfigError(f"{where}: 'search.page_size' must be 1..1500 (the API maximum)")
    quality = _quality(where, raw.get("quality", {}))
    fl = raw.get("filters", {})
    filters = Filters(*(tuple(fl.get(k, [])) for k in ("sections", "keywords", "bylines", "source_domains")))
    return SeedConfig(
        name=name, path=path, description=raw.get("description", ""), domains=tuple(raw["domains"]),
        base_url=_relocate_url(base_url, relocation) if base_url else "", feeds=tuple(raw.get("feeds", [])),
        sitemaps=tuple(raw.get("sitemaps", [])), allow=tuple(raw.get("allow", [])), deny=tuple(raw.get("deny", [])),
        schedule=raw.get("schedule", ""), search=search, filters=filters, politeness=politeness,
        sources=tuple(sources), real_base_url=base_url, outlet=raw.get("outlet", ""),
        cleaner=raw.get("cleaner") or name, spider=raw.get("spider") or "feeds",
        page_metadata=dict(page_metadata), quality=quality)


def _quality(where: str, q: Mapping[str, Any]) -> Quality:
    out = replace(Quality(), **dict(q))
    if not 0 < out.boilerplate_share <= 1 or not 0 <= out.drop_ratio < 1:
        raise ConfigError(f"{where}: 'quality.boilerplate_share' must be in (0, 1] and "
                          "'quality.drop_ratio' in [0, 1)")
    if out.min_words < 0 or out.boilerplate_min_pages < 1 or out.history_runs < 1:
        raise ConfigError(f"{where}: 'quality' counts must be positive")
    return out


def _read_relocation(d: Path) -> tuple[dict[str, str], dict[str, Any]]:
    """`_relocate.toml`: `[base_urls]` host -> base, optional `[politeness]` applied to every seed."""
    p = d / RELOCATE_FILE
    if not p.exists():
        return {}, {}
    try:
        raw = tomllib.loads(p.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{_where(p)}: not valid TOML: {e}") from None
    unknown = set(raw) - {"base_urls", "politeness"}
    if unknown:
        raise ConfigError(f"{_where(p)}: unknown key '{sorted(unknown)[0]}'")
    mapping = raw.get("base_urls", {})
    for host, base in mapping.items():
        _check_url(_where(p), f"base_urls.{host}", base)
    _check_table(_where(p), "politeness.", raw.get("politeness", {}), _POLITE_KEYS)
    return dict(mapping), dict(raw.get("politeness", {}))


def seed_names(seeds_dir_: str | os.PathLike[str] | None = None) -> list[str]:
    d = seeds_dir(seeds_dir_)
    return sorted(p.stem for p in d.glob("*.toml") if not p.name.startswith("_"))


def load_seed(name: str, seeds_dir_: str | os.PathLike[str] | None = None,
              overrides: Mapping[str, Any] | None = None, *, settings: Any = None) -> SeedConfig:
    """Load and validate `seeds/<name>.toml`.

    Args:
        name: the seed (= spider) name, e.g. "govuk".
        seeds_dir_: directory to read; default from `settings`/env GOVWIRE_SEEDS_DIR, else repo seeds/.
        overrides: values applied over the file before validation; dotted keys reach into
            tables ({"base_url": "http://127.0.0.1:8000", "politeness.download_delay": 0}).
        settings: Scrapy settings to read GOVWIRE_SEEDS_DIR from.

    Raises:
        ConfigError: one line naming the file and the problem.
    """
    d = seeds_dir(seeds_dir_, settings)
    path = d / f"{name}.toml"
    if not path.exists():
        known = ", ".join(seed_names(d)) or "none"
        raise ConfigError(f"{_where(path)}: no such seed (known: {known})")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{_where(path)}: not valid TOML: {e}") from None
    mapping, politeness = _read_relocation(d)
    file_base = raw.get("base_url", "")
    for k, v in politeness.items():
        _set_dotted(raw, f"politeness.{k}", v)
    for k, v in (overrides or {}).items():
        _set_dotted(raw, k, v)
    seed = _parse(path, raw, mapping)
    if file_base and seed.real_base_url != file_base:  # base_url overridden: remember the real site
        seed = replace(seed, real_base_url=file_base)
    return seed


def load_all(seeds_dir_: str | os.PathLike[str] | None = None, *, settings: Any = None) -> dict[str, SeedConfig]:
    d = seeds_dir(seeds_dir_, settings)
    return {n: load_seed(n, d) for n in seed_names(d)}


def with_base_urls(seed: SeedConfig, mapping: Mapping[str, str]) -> SeedConfig:
    """The same seed pointed at other servers: `mapping` is real host -> base URL (fixture web)."""
    sources = tuple(replace(s, base_url=_relocate_url(s.real_base_url or s.base_url, mapping),
                            real_base_url=s.real_base_url or s.base_url) for s in seed.sources)
    real = seed.real_base_url or seed.base_url
    return replace(seed, base_url=_relocate_url(real, mapping) if real else "", real_base_url=real,
                   sources=sources)


def domain_for(url: str, seed: SeedConfig) -> str:
    """Map a URL on a relocated site back to the real site's URL (what cleaners key on).

    Unrelocated URLs come back unchanged, so this is safe to call on every page.
    """
    for s in seed.all_sources():
        real = s.real_base_url or s.base_url
        if not real or s.base_url == real:
            continue
        b = urlsplit(s.base_url)
        u = urlsplit(url)
        if (u.scheme, u.netloc) == (b.scheme, b.netloc) and u.path.startswith(b.path.rstrip("/")):
            r = urlsplit(real)
            path = r.path.rstrip("/") + u.path[len(b.path.rstrip("/")):]
            return urlunsplit((r.scheme, r.netloc, path, u.query, u.fragment))
    return url


def write_relocation(directory: str | os.PathLike[str], mapping: Mapping[str, str],
                     source_dir: str | os.PathLike[str] | None = None,
                     politeness: Mapping[str, float | int] | None = None) -> Path:
    """Make `directory` a seeds dir: copies of the seed files plus `_relocate.toml` for `mapping`.

    This is how the fixture web and `govwire demo` point spiders elsewhere without touching the
    seed files: pass the directory as GOVWIRE_SEEDS_DIR.
    """
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    src = seeds_dir(source_dir)
    for p in src.glob("*.toml"):
        if not p.name.startswith("_"):
            (out / p.name).write_bytes(p.read_bytes())
    lines = ["# Written by crawler.seeds.write_relocation: real host -> where to fetch it instead.",
             "[base_urls]"] + [f'"{h}" = "{b}"' for h, b in sorted(mapping.items())]
    if politeness:
        lines += ["", "[politeness]"] + [f"{k} = {v!r}" for k, v in sorted(politeness.items())]
    rel = out / RELOCATE_FILE
    rel.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return rel
