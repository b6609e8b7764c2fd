"""govwire crawl SITE... | --all: the scheduled job."""
from __future__ import annotations

import argparse
import json
import re
import sys
from datetime import date, datetime, timedelta, timezone

from crawler.commands._common import add_policy_arguments, policy_settings, store_settings
from crawler.commands._store import add_store_arguments
from crawler.commands.archive import parse_sets
from crawler.errors import UsageError

HELP = "crawl GOV.UK and the syndicating outlets (incremental, polite, cron-safe)"
DESCRIPTION = """Crawl the configured sites (seeds/*.toml) into the store. Incremental: pages seen
before are requested conditionally; unchanged ones become WARC revisit records and no new
document; changed ones a new revision. A per-site lock in the store keeps two runs apart.

Prints a progress line on stderr while it runs and one JSON summary line on stdout at the end
(fetched, new, changed, unchanged, failed, skipped, bytes) with per-site quality telemetry.

exit status: 0 done; 1 failed (store down, disk full, nothing archived); 2 usage; 3 nothing
new; 4 partial failure (some items failed, or objects were only spooled: run `govwire sync`);
5 quality alarm (a site yielded nothing or dropped sharply: see docs/quality.md);
75 another live run holds a site's lock (try later, or `govwire unlock SITE` if it is dead).

examples:
  govwire crawl --all --since 2d
  govwire crawl govuk independent --since 2025-10-01 --until 2025-10-31 --max-items 200
  govwire crawl --all --defer-clean && govwire reclean    (archive now, clean after)
  scrapy crawl govuk -a since=2d          (same spiders, for schedulers that expect scrapy)
"""

_REL = re.compile(r"^(\d+)([dhw])$")


def parse_when(value: str | None) -> str | None:
    """'2d', '12h', '1w' or an ISO date -> ISO date-time (UTC)."""
    if not value:
        return None
    m = _REL.match(value.strip())
    if m:
        n, unit = int(m.group(1)), m.group(2)
        delta = {"d": timedelta(days=n), "h": timedelta(hours=n), "w": timedelta(weeks=n)}[unit]
        return (datetime.now(timezone.utc) - delta).replace(microsecond=0).isoformat()
    try:
        if len(value) == 10:
            return date.fromisoformat(value).isoformat()
        return datetime.fromisoformat(value.replace("Z", "+00:00")).isoformat()
    except ValueError:
        raise UsageError(f"bad date {value!r} (use YYYY-MM-DD, an ISO date-time, or 2d/12h/1w)") from None


def known_sites() -> list[str]:
    from crawler.runner import project_settings
    from crawler.spider_loader import SeedSpiderLoader

    return sorted(SeedSpiderLoader.from_settings(project_settings(None)).list())


def check_sites(sites: list[str]) -> None:
    """Every named seed must be a complete outlet (cleaner + spider): ConfigError otherwise,
    so `--all` never skips a half-configured seed silently."""
    from crawler.runner import project_settings
    from crawler.seeds import load_seed
    from crawler.spider_loader import check_outlet

    settings = project_settings(None)
    for site in sites:
        check_outlet(load_seed(site, settings=settings))


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("sites", nargs="*", metavar="SITE", help="spider/seed names (see `govwire sites`)")
    p.add_argument("--all", action="store_true", help="every configured site")
    p.add_argument("--since", help="only items published/updated since DATE or 2d/12h/1w")
    p.add_argument("--until", help="only items published/updated until DATE")
    p.add_argument("--defer-clean", action="store_true",
                   help="archive only (fetch, WARC, capture records): no cleaning during the crawl; "
                        "`govwire reclean` makes the documents later, here or elsewhere")
    p.add_argument("--max-items", type=int, help="at most N articles from each source (a site's feed set, or each title of "
                        "a multi-title site such as iconic)")
    p.add_argument("-s", "--set", action="append", default=[], metavar="NAME=VALUE",
                   help="override a Scrapy/govwire setting (repeatable)")
    p.add_argument("-v", "--verbose", action="store_true", help="show Scrapy's log")
    add_policy_arguments(p)
    add_store_arguments(p)


def run(args: argparse.Namespace) -> int:
    from crawler.runner import run_crawl

    sites_known = known_sites()
    if args.all:
        sites = [s for s in sites_known if s != "urls"]
    else:
        sites = list(dict.fromkeys(args.sites))
    if not sites:
        raise UsageError("name at least one site or use --all (known: " + ", ".join(sites_known) + ")")
    unknown = [s for s in sites if s not in sites_known]
    if unknown:
        raise UsageError(f"unknown site {unknown[0]!r} (known: {', '.join(sites_known)})")
    if args.max_items is not None and args.max_items < 1:
        raise UsageError("--max-items must be at least 1")
    check_sites(sites)
    settings = {**store_settings(args), **policy_settings(args), **parse_sets(args.set)}
    if args.defer_clean:
        settings["GOVWIRE_DEFER_CLEAN"] = True
    if not args.verbose:
        settings.setdefault("LOG_LEVEL", "WARNING")
    summary = run_crawl(sites, store_uri=args.store, settings=settings, since=parse_when(args.since),
                        until=parse_when(args.until), max_items=args.max_items)
    d = summary.to_dict()
    print(json.dumps(d, sort_keys=True))
    for name, s in summary.sites.items():
        if s.get("lock_held"):
            print(f"govwire: {name}: {s['lock_held']}", file=sys.stderr)
        if s.get("store_error"):
            print(f"govwire: error: {name}: {s['store_error']}", file=sys.stderr)
        if s.get("distributed_error"):
            print(f"govwire: error: {name}: {s['distributed_error']}", file=sys.stderr)
        if s.get("spool") and s.get("spooled"):
            print(f"govwire: {name}: {s.get('spooled', 0)} object(s) kept in the spool {s['spool']}; "
                  f"when the store is back run: govwire sync --store {s.get('store') or args.store}"
                  + (f" --spool {args.spool}" if getattr(args, "spool", None) else ""), file=sys.stderr)
    for name, s in summary.sites.items():
        api = (s.get("quality") or {}).get("search_api") or {}
        if api and not api.get("ok"):
            print(f"govwire: {name}: Search API failed ({api.get('error')}); discovery fell back to the"
                  f" feeds ({api.get('fallback_entries', 0)} entries)", file=sys.stderr)
    for name, alarms in summary.alarms.items():
        print(f"govwire: ALARM: {name}: {'; '.join(alarms)}", file=sys.stderr)
    deferred = f"{d['deferred']} deferred (govwire reclean cleans them), " if d.get("deferred") else ""
    print(f"govwire: {d['fetched']} fetched, {d['new']} new, {d['changed']} changed, "
          f"{d['unchanged']} unchanged, {deferred}{d['failed']} failed, {d['bytes'] / 1e6:.1f} MB "
          f"(exit {summary.exit_code})", file=sys.stderr)
    return summary.exit_code
