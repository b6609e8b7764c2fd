"""govwire sites: what is configured to be crawled (seeds/*.toml), and when."""
from __future__ import annotations

import argparse
import json
from typing import Any

from crawler.commands._store import add_store_arguments, store_from_args
from crawler.errors import ConfigError
from crawler.seeds import SeedConfig, load_all, load_seed, seeds_dir

HELP = "list the configured sites: domains, feeds, schedules"
DESCRIPTION = """List every seed config (seeds/<site>.toml, or $GOVWIRE_SEEDS_DIR): the site name you
pass to `govwire crawl`, its domains, feeds/sitemaps (absolute), politeness and cron schedule.
Loading validates every file, so this is also the quickest config check (exit 2 on a bad file).

With --boilerplate SITE it counts, over the newest archived document of every URL of SITE
in the store, the lines each outlet repeats across its pages (CCNet-style paragraph hashing,
docs/quality.md) and lists the most repeated ones; `*` marks the suspects a crawl flags
(`quality.boilerplate_share` of the seed). The count is saved for the next crawl.

examples:
  govwire sites
  govwire sites --json | jq '.[] | {name, schedule}'
  govwire sites --boilerplate iconic --store s3://bucket/govwire --top 30
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print the configs as JSON")
    p.add_argument("--seeds-dir", metavar="DIR", help="read seeds from DIR (default: $GOVWIRE_SEEDS_DIR or seeds/)")
    p.add_argument("--boilerplate", metavar="SITE", help="list the lines SITE's outlets repeat across pages")
    p.add_argument("--top", type=int, default=20, metavar="N", help="with --boilerplate: lines per outlet")
    add_store_arguments(p)


def describe(seed: SeedConfig) -> dict[str, Any]:
    """A JSON-able view of one seed, with feed and sitemap URLs made absolute."""
    return {
        "name": seed.name,
        "description": seed.description,
        "file": str(seed.path),
        "domains": seed.all_domains,
        "schedule": seed.schedule,
        "politeness": {"download_delay": seed.politeness.download_delay,
                       "effective_delay": seed.politeness.effective_delay,
                       "concurrency": seed.politeness.concurrency, "max_rps": seed.politeness.max_rps},
        "search": None if seed.search is None else {
            "api": seed.url(seed.search.api_path), "organisations": list(seed.search.organisations),
            "document_types": list(seed.search.document_types), "page_size": seed.search.page_size},
        "sources": [{"name": s.name, "outlet": s.outlet, "base_url": s.base_url, "domains": list(s.domains),
                     "feeds": s.feed_urls, "sitemaps": s.sitemap_urls} for s in seed.all_sources()],
    }


def _seconds(value: float) -> str:
    """A delay as the crawl uses it: exact to the millisecond, no float noise (3.333s, 0.5s)."""
    return f"{round(value, 3):g}s"


def show_boilerplate(args: argparse.Namespace) -> int:
    from crawler.boilerplate import load_table

    seed = load_seed(args.boilerplate, args.seeds_dir)
    q = seed.quality
    store = store_from_args(args)
    table = load_table(store, seed.name, recount=True)
    if args.json:
        print(json.dumps({"site": seed.name, "documents": table.documents, "outlets": {
            name: {"pages": o.pages, "suspects": sorted(o.suspects(q.boilerplate_share, q.boilerplate_min_pages)),
                   "top": [{"key": k, "pages": c, "share": round(sh, 3), "line": ex}
                           for k, c, sh, ex in o.top(args.top)]}
            for name, o in table.outlets.items()}}, ensure_ascii=False, indent=2))
        return 0
    print(f"{seed.name}: {table.documents} archived document(s) counted in {store.uri}; suspects: lines on"
          f" more than {q.boilerplate_share:.0%} of an outlet's pages (at least {q.boilerplate_min_pages} pages)")
    if not table.documents:
        print("  (no documents yet: crawl the site first)")
    for name, o in sorted(table.outlets.items()):
        bad = o.suspects(q.boilerplate_share, q.boilerplate_min_pages)
        print(f"\n{name}: {o.pages} page(s), {len(bad)} suspect line(s)")
        for k, c, share, example in o.top(args.top):
            if c < 2:
                break
            mark = "*" if k in bad else " "
            line = example if len(example) <= 100 else example[:97] + "..."
            print(f" {mark} {share:5.0%} {c:5d}  {line}")
    return 0


def run(args: argparse.Namespace) -> int:
    if args.boilerplate:
        return show_boilerplate(args)
    seeds = load_all(args.seeds_dir)
    if not seeds:
        raise ConfigError(f"no seed configs (*.toml) in {seeds_dir(args.seeds_dir)}")
    rows = [describe(s) for s in seeds.values()]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    print(f"seeds: {seeds_dir(args.seeds_dir)}")
    for r in rows:
        sched = r["schedule"] or "(on demand)"
        pol = r["politeness"]
        print(f"\n{r['name']:12} {sched:16} delay {_seconds(pol['effective_delay'])}"
              f" (max {pol['max_rps']:g} req/s), {pol['concurrency']} at a time  - {r['description']}")
        if r["search"]:
            print(f"  search   {r['search']['api']}  ({', '.join(r['search']['document_types'])})")
        for s in r["sources"]:
            label = f"{s['name']} ({s['outlet']})" if s["outlet"] else s["name"]
            print(f"  {label}: {', '.join(s['domains'])}")
            for u in s["feeds"]:
                print(f"    feed     {u}")
            for u in s["sitemaps"]:
                print(f"    sitemap  {u}")
        if not r["sources"]:
            print(f"  domains: {', '.join(r['domains']) or 'any (URLs given on the command line)'}")
    return 0
