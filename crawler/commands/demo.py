"""govwire demo: the whole pipeline, offline, against the bundled fixture web."""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from crawler.errors import UsageError

HELP = "offline demo: serve the bundled sample sites on 127.0.0.1 and crawl them into a store"
DESCRIPTION = """Start the fixture web (local imitations of GOV.UK, Wired-Gov, Mirage News, the
Independent, the Standard and two Iconic Media titles, each on its own 127.0.0.1 port), point
the seed configs at it, and run the real crawl (same spiders, WARC capture, cleaners and store)
into a fresh local store. Nothing leaves the machine.

Prints the store path, a WARC file, a clean document and a `govwire show` command to try.

examples:
  govwire demo
  govwire demo --store /tmp/govwire-demo --keep-serving
  govwire demo --sites govuk mirage --update update-1
"""


def demo_allow(urls: dict[str, str]) -> str:
    """Allow-list entries for the fixture web's servers: 127.0.0.1:PORT each."""
    ports = sorted({int(u.rsplit(":", 1)[1].split("/", 1)[0]) for u in urls.values()})
    return ",".join(f"127.0.0.1:{p}" for p in ports)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--store", metavar="DIR", help="local store to crawl into (default: ./demo-data/<timestamp>)")
    p.add_argument("--sites", nargs="+", metavar="SITE", help="only these sites (default: every seeded site)")
    p.add_argument("--update", action="append", default=[], metavar="NAME",
                   help="apply a fixture update before crawling (e.g. update-1; see crawler/demo/updates/)")
    p.add_argument("--keep-serving", action="store_true",
                   help="after the crawl, keep the fixture web up (Ctrl-C to stop) so you can browse it")
    p.add_argument("-v", "--verbose", action="store_true", help="show Scrapy's log")


def demo_sites(requested: list[str] | None, seeds_dir: Path) -> list[str]:
    """Seeds that have a spider (the fixture web carries every seeded site)."""
    from crawler.commands.crawl import known_sites
    from crawler.seeds import seed_names

    seeded = [n for n in seed_names(seeds_dir) if n != "urls"]
    spiders = set(known_sites())
    if requested:
        unknown = [s for s in requested if s not in seeded]
        if unknown:
            raise UsageError(f"not a demo site: {', '.join(unknown)} (known: {', '.join(seeded)})")
        return requested
    return [s for s in seeded if s in spiders]


def first_file(root: Path, pattern: str) -> Path | None:
    return next(iter(sorted(root.glob(pattern))), None)


def run(args: argparse.Namespace) -> int:
    from crawler.demo.server import FixtureWeb
    from crawler.runner import run_crawl
    from crawler.seeds import write_relocation

    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    store = Path(args.store or Path("demo-data") / stamp).resolve()
    if store.exists() and any(store.iterdir()) and not args.store:
        raise UsageError(f"{store} already exists")
    store.mkdir(parents=True, exist_ok=True)
    web = FixtureWeb()
    ports_file = store / "demo-ports.json"  # same ports next time, so a re-run is incremental
    try:
        ports = json.loads(ports_file.read_text(encoding="utf-8")) if ports_file.exists() else None
    except ValueError:
        ports = None
    urls = web.start(ports)
    ports_file.write_text(json.dumps({h: int(u.rsplit(":", 1)[1]) for h, u in urls.items()}), encoding="utf-8")
    try:
        for name in args.update:
            try:
                web.apply_update(name)
            except FileNotFoundError as e:
                raise UsageError(str(e)) from None
        with tempfile.TemporaryDirectory(prefix="govwire-demo-seeds-") as seeds:
            # Loopback: no reason to wait between requests; every other setting is production's.
            write_relocation(seeds, urls, politeness={"download_delay": 0.0, "max_rps": 1000.0})
            sites = demo_sites(args.sites, Path(seeds))
            print(f"fixture web: {len(urls)} sites on 127.0.0.1 ({', '.join(f'{h}={u}' for h, u in urls.items())})",
                  file=sys.stderr)
            print(f"crawling {', '.join(sites)} into {store}", file=sys.stderr)
            settings: dict[str, Any] = {"GOVWIRE_SEEDS_DIR": seeds, "DOWNLOAD_DELAY": 0,
                                        "AUTOTHROTTLE_ENABLED": False,
                                        # the fixture web's own ports, and nothing else on loopback
                                        "GOVWIRE_ALLOW_ADDRESSES": demo_allow(urls)}
            if not args.verbose:
                settings["LOG_LEVEL"] = "ERROR"
            summary = run_crawl(sites, store_uri=str(store), settings=settings)
        print(json.dumps({k: v for k, v in summary.to_dict().items() if k != "sites"}))
        report(store, summary, urls)
        if args.keep_serving:
            print("\nfixture web still serving (Ctrl-C to stop):")
            for host, base in urls.items():
                print(f"  {host:24} {base}/")
            sys.stdout.flush()
            try:
                threading.Event().wait()
            except KeyboardInterrupt:
                pass
        return int(summary.exit_code)
    finally:
        web.stop()


def report(store: Path, summary: Any, urls: dict[str, str]) -> None:
    """Tell the user where to look: the store, one WARC, one clean document, a show command."""
    print(f"\nstore:     {store}")
    for site, s in summary.sites.items():
        counts = ", ".join(f"{k} {s.get(k, 0)}" for k in ("fetched", "new", "changed", "unchanged", "failed"))
        print(f"  {site:12} {counts}")
    warc = first_file(store, "warcs/*/*/*/*/*.warc.gz")
    if warc:
        print(f"a WARC:    {warc}")
        print(f"           (read it with: warcio index {warc})")
    doc = first_file(store, "docs/govuk/*/*/*.json") or first_file(store, "docs/*/*/*/*.json")
    if doc:
        print(f"a document: {doc}")
        try:
            d = json.loads(doc.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            d = {}
        url = d.get("url") or d.get("source_url")
        if d.get("title"):
            print(f"           title: {d['title']}")
        if url:
            print(f"try:       govwire show --store {store} '{url}'")
    print("crawl again (incremental: unchanged pages become revisits):")
    print(f"           govwire demo --store {store}")
