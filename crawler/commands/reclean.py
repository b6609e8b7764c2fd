"""govwire reclean: re-derive the clean documents from the archived WARCs (no network)."""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import replace
from typing import Any

from crawler import exitcodes
from crawler.commands._common import add_engine_arguments
from crawler.commands._store import add_store_arguments, store_from_args, store_options
from crawler.commands.crawl import known_sites
from crawler.errors import UsageError

HELP = "re-clean archived pages straight from the WARCs (new rules, deferred cleaning)"
DESCRIPTION = """Read every archived response record of the store's WARCs and clean it again through the
crawl's own cleaning path, with the rule version of its capture date (WARC-Date). A document is
written only where its text or metadata changed (or where it is missing: after a
`crawl --defer-clean`, or if docs/ was deleted); identical ones are left alone, so a second run
changes nothing. Shards are WARC files, run in a process pool; a finished shard is remembered,
so a run that was killed resumes where it stopped (--restart ignores that). Learned outlet
boilerplate is flagged (or removed, where the seed says so) as the crawl does, from the
table the crawl last used (boilerplate/<site>.json; --no-learned-boilerplate turns it off).

Prints a progress line on stderr and one JSON summary line on stdout.

exit status: 0 done; 1 failed; 2 usage (e.g. a site neither configured nor in the store); 3 no WARCs
matched; 4 some pages could not be cleaned.

examples:
  govwire reclean --store ./data
  govwire reclean --store s3://bucket/govwire --site independent --since 2025-01-01 --workers 8
  govwire reclean --store ./data --engine dask --scheduler tcp://10.0.0.5:8786   (a cluster)
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--site", action="append", default=[], metavar="SITE",
                   help="only this outlet's WARCs (repeatable; default: all)")
    p.add_argument("--since", help="only captures at or after DATE (YYYY-MM-DD, ISO date-time or 2d/12h/1w)")
    p.add_argument("--until", help="only captures up to DATE (a bare date: its end)")
    p.add_argument("--workers", type=int, default=None, metavar="N",
                   help="worker processes (default: every core); 1 = in this process")
    add_engine_arguments(p)
    p.add_argument("--restart", action="store_true", help="ignore the record of shards already done")
    p.add_argument("--no-learned-boilerplate", action="store_true",
                   help="do not flag the lines the crawl learned as an outlet's boilerplate")
    p.add_argument("--progress-interval", type=float, default=5.0, metavar="SECONDS",
                   help="seconds between progress lines on stderr (0: none)")
    add_store_arguments(p)


def _when(value: str | None, end: bool = False) -> Any:
    from crawler.spiders.base import parse_when

    try:
        return parse_when(value, end=end)
    except ValueError as e:
        raise UsageError(str(e)) from None


def run(args: argparse.Namespace) -> int:
    from archive.cluster import EngineUnavailable, run_shards
    from archive.reclean import RecleanOptions, list_shards, summarise

    workers = args.workers if args.workers is not None else (os.cpu_count() or 1)
    if workers < 1:
        raise UsageError("--workers must be at least 1")
    options = RecleanOptions(sites=tuple(args.site), since=_when(args.since), until=_when(args.until, end=True),
                             restart=args.restart)
    if options.since and options.until and options.since > options.until:
        raise UsageError("--since is after --until")
    store = store_from_args(args)
    known = set(known_sites())
    for site in options.sites:  # a typo must not read as "no WARCs" (exit 3)
        if site not in known and not any(True for _ in store.list(f"warcs/{site}/")):
            raise UsageError(f"unknown site {site!r} (known: {', '.join(sorted(known))})")
    if not args.no_learned_boilerplate:
        learned, remove = learned_boilerplate(store, options.sites)
        options = replace(options, learned=learned, remove_learned=remove)
    shards = list_shards(store, options)
    t0 = time.monotonic()
    results: list[dict[str, Any]] = []
    last = [t0]

    def progress(final: bool = False) -> None:
        now = time.monotonic()
        if not final and (args.progress_interval <= 0 or now - last[0] < args.progress_interval):
            return
        last[0] = now
        docs = sum(r["documents"] for r in results)
        rate = docs / (now - t0) if now > t0 else 0.0
        print(f"reclean: {len(results)}/{len(shards)} WARCs, {sum(r['records'] for r in results)} records, "
              f"{docs} documents ({sum(r['new'] for r in results)} new, "
              f"{sum(r['changed'] for r in results)} changed), {rate:.1f} pages/s", file=sys.stderr)

    def on_result(r: dict[str, Any]) -> None:
        results.append(r)
        progress()

    if args.scheduler and args.engine != "dask":
        raise UsageError("--scheduler needs --engine dask")
    try:
        run_shards(args.engine, args.store, store_options(args), shards, options, workers, on_result,
                   scheduler=args.scheduler)
    except EngineUnavailable as e:
        raise UsageError(str(e)) from None
    progress(final=True)
    summary = summarise(results, time.monotonic() - t0, workers)
    code = exitcodes.NOTHING if not shards else exitcodes.PARTIAL if summary["errors"] else exitcodes.OK
    summary["engine"] = args.engine
    summary["exit_code"] = code
    print(json.dumps(summary, sort_keys=True))
    return code


def learned_boilerplate(store: Any, sites: tuple[str, ...]) -> tuple[dict[str, dict[str, frozenset[str]]],
                                                                      frozenset[str]]:
    """The suspect lines the crawl flags, per site and outlet, from the table it last used
    (the cached `boilerplate/<site>.json`, never recounted here: re-derived documents must
    match the crawl's), with each seed's thresholds; and the sites whose seed removes them."""
    from archive.errors import NotFound
    from crawler.boilerplate import BoilerplateTable, cache_key
    from crawler.errors import ConfigError
    from crawler.seeds import load_seed, seed_names

    learned: dict[str, dict[str, frozenset[str]]] = {}
    remove: set[str] = set()
    for site in sites or tuple(seed_names()):
        try:
            table = BoilerplateTable.from_json(store.get_bytes(cache_key(site)))
            q = load_seed(site).quality
        except (NotFound, ConfigError, ValueError, KeyError, TypeError):
            continue  # no table (or no seed): the crawl flagged nothing either
        per_outlet = {o: frozenset(table.suspects(o, q.boilerplate_share, q.boilerplate_min_pages))
                      for o in table.outlets}
        learned[site] = {o: keys for o, keys in per_outlet.items() if keys}
        if q.remove_boilerplate:
            remove.add(site)
    return learned, frozenset(remove)
