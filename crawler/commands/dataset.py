"""govwire dataset build|show-release: the researchers' Parquet dataset and its syndication view."""
from __future__ import annotations

import argparse
import json
import sys
from importlib import metadata
from pathlib import Path
from urllib.parse import urlsplit

from archive.dataset import BuildOptions, build_dataset, release_copies
from archive.dataset.progress import Progress
from archive.errors import StoreUnavailable
from archive.storage import Store, open_store
from crawler import __version__
from crawler.commands._store import add_store_arguments, store_from_args, store_options
from crawler.errors import UsageError

HELP = "build the researchers' dataset (Parquet + syndication links + card) from the archive"
DESCRIPTION = """Build the researchers' dataset from the archive, or show one release's copies.

  govwire dataset build --store ./data --out ./dataset
  govwire dataset build --store s3://bucket/archive --out s3://bucket/dataset --since 2025-10-01
  govwire dataset show-release https://www.gov.uk/government/news/... --out ./dataset

Rebuilding into the same --out adds new documents in new shards and never rewrites old ones.
See docs/dataset.md for the schema."""


def add_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="dataset_cmd", required=True, metavar="{build,show-release}")
    b = sub.add_parser("build", help="build or extend the dataset",
                       description="Build or extend the dataset in --out from the documents in --store.")
    add_store_arguments(b)
    b.add_argument("--out", metavar="DIR|s3://...", required=True, help="where the dataset goes")
    b.add_argument("--since", metavar="DATE", help="only documents published (else fetched) on or "
                   "after DATE (YYYY-MM-DD); releases are still read for matching")
    b.add_argument("--sites", metavar="a,b", help="only these seed names, e.g. govuk,wiredgov")
    b.add_argument("--format", choices=("parquet", "jsonl"), default="parquet",
                   help="file format of the tables (default: parquet, zstd)")
    b.add_argument("--no-outlet-text", action="store_true",
                   help="leave outlet copies' text out: keep their metadata, links and WARC pointers")
    b.add_argument("--shard-rows", type=int, default=5000, metavar="N",
                   help="rows per document shard (default: 5000); bounds the build's memory")
    b.add_argument("--json", action="store_true", help="print a machine-readable summary")
    b.add_argument("--quiet", action="store_true", help="no progress on stderr")

    s = sub.add_parser("show-release", help="list every copy of one GOV.UK release",
                       description="List every copy of a GOV.UK release: from a built dataset "
                       "(--out, fast) or straight from the archive (--store, matches every copy).")
    s.add_argument("url", metavar="URL")
    s.add_argument("--out", metavar="DIR|s3://...", help="a built dataset to read")
    add_store_arguments(s)
    s.add_argument("--json", action="store_true", help="print the copies as JSON")


def _existing_store(args: argparse.Namespace) -> Store:
    """Open --store, refusing a local path that does not exist (open_store would create it)."""
    uri = args.store
    if "://" not in uri or uri.startswith("file://"):
        path = Path(urlsplit(uri).path if uri.startswith("file://") else uri).expanduser()
        if not path.is_dir():
            raise StoreUnavailable(f"store {uri}: no such directory")
    return store_from_args(args)


def _versions() -> dict[str, str]:
    out = {"govwire": __version__}
    for pkg in ("pyarrow", "numpy"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "unknown"
    return out


def run_build(args: argparse.Namespace) -> int:
    if args.shard_rows < 1:
        raise UsageError("--shard-rows must be at least 1")
    sites = [s.strip() for s in args.sites.split(",") if s.strip()] if args.sites else None
    store = _existing_store(args)
    out = open_store(args.out, **store_options(args))
    progress = Progress(enabled=not args.quiet)
    try:
        summary = build_dataset(
            store, out, BuildOptions(sites=sites, since=args.since, format=args.format,
                                     outlet_text=not args.no_outlet_text, shard_rows=args.shard_rows),
            progress=progress, versions=_versions())
    finally:
        progress.close()
    if args.json:
        print(json.dumps(summary.to_dict(), indent=2, sort_keys=True))
    else:
        s = summary
        skipped = sum(s.skipped.values())
        print(f"dataset {s.out}: {s.rows_total} documents ({s.rows_new} new) in {s.shards_total} "
              f"shard(s), {len(s.shards_new)} new")
        print(f"  read {s.documents_read} stored revisions; {s.duplicates_collapsed} exact duplicates "
              f"collapsed; {s.filtered_out} filtered out; {skipped} skipped")
        for reason, n in s.skipped.items():
            print(f"    skipped {n}: {reason}")
        print(f"  releases {s.releases}, copies {s.copies}: {s.links} syndication links "
              f"({', '.join(f'{k} {v}' for k, v in s.links_by_method.items()) or 'none'}), "
              f"{s.unmatched_copies} copies unmatched")
        print("  by site: " + ", ".join(f"{k} {v}" for k, v in s.rows_by_site.items()))
        print(f"  {s.seconds:.1f}s")
    return 0


def run_show(args: argparse.Namespace) -> int:
    if args.out:
        rid, links = release_copies(args.url, out=open_store(args.out, **store_options(args)))
    else:
        progress = Progress(enabled=sys.stderr.isatty())
        try:
            rid, links = release_copies(args.url, store=_existing_store(args), progress=progress)
        finally:
            progress.close()
    if args.json:
        print(json.dumps({"release_id": rid, "url": args.url, "copies": links}, indent=2,
                         ensure_ascii=False, sort_keys=True))
        return 0
    title = links[0]["release_title"] if links else ""
    print(f"{args.url}\n  {title or ''} (id {rid}): {len(links)} cop{'y' if len(links) == 1 else 'ies'}")
    if links:
        print(f"  {'outlet':<18} {'similarity':>10} {'reused':>7} {'added':>5} {'delay':>9}  method  url")
    for r in links:
        d = r["delay_seconds"]
        delay = "?" if d is None else f"{d / 3600:+.1f}h"
        print(f"  {(r['copy_outlet'] or r['copy_site'] or '')[:18]:<18} {r['similarity']:>10.2f} "
              f"{r['reused_share']:>7.2f} {r['added_paragraph_count']:>5} {delay:>9}  "
              f"{r['method']}  {r['copy_url']}")
    return 0


def run(args: argparse.Namespace) -> int:
    return run_build(args) if args.dataset_cmd == "build" else run_show(args)
