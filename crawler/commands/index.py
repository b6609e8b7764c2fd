"""govwire index: one sorted CDXJ over every WARC in the store, for pywb and other replay tools."""
from __future__ import annotations

import argparse
import heapq
import sys
from collections.abc import Iterator
from typing import TextIO

from archive.index import resolve_not_modified
from archive.storage import Store
from crawler.commands._store import add_store_arguments, store_from_args

HELP = "merge the per-WARC CDXJ indexes into one sorted index (for pywb)"
DESCRIPTION = """Each WARC has its own sorted CDXJ under indexes/ in the store. Replay tools such
as pywb want one sorted index: this streams a k-way merge of them (memory: one line per file).

The `filename` field is the WARC's key in the store, so point pywb's archive_paths at the store
root:

  govwire index --store ./data --out ./pywb/index.cdxj
  # pywb config.yaml:
  #   collections:
  #     govwire: {index_paths: ./pywb/, archive_paths: ./data/}

A re-crawl of an unchanged page that answered 304 is archived faithfully as a
`server-not-modified` revisit holding the 304's head. pywb replays a revisit with its own head,
i.e. as an empty 304, so by default the merged index points such a capture's timestamp at the
200 response it refers to (the per-WARC indexes and the WARCs are left as they are; the
`revisit_filename/offset/length` fields keep the revisit's own location). --as-recorded turns
that off. See docs/replay.md.
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", default="-", metavar="FILE", help="where to write (default: stdout)")
    p.add_argument("--site", action="append", default=[], metavar="SITE",
                   help="only these sites' WARCs (repeatable)")
    p.add_argument("--as-recorded", action="store_true",
                   help="leave 304 revisits pointing at themselves (pywb then replays them as "
                        "empty 304s)")
    add_store_arguments(p)


def _lines(store: Store, key: str) -> Iterator[str]:
    yield from store.get_bytes(key).decode("utf-8").splitlines(keepends=True)


def merged(store: Store, sites: list[str] | None = None, *, as_recorded: bool = False
           ) -> Iterator[str]:
    """One sorted CDXJ stream over the per-WARC indexes (304 revisits resolved unless as_recorded)."""
    prefixes = [f"indexes/{s}/" for s in sites] if sites else ["indexes/"]
    keys = [k for p in prefixes for k in store.list(p) if k.endswith(".cdxj")]
    lines = heapq.merge(*(_lines(store, k) for k in keys))
    return lines if as_recorded else resolve_not_modified(lines)


def run(args: argparse.Namespace) -> int:
    store = store_from_args(args)
    out: TextIO = sys.stdout if args.out == "-" else open(args.out, "w", encoding="utf-8")
    n = 0
    try:
        for line in merged(store, args.site, as_recorded=args.as_recorded):
            out.write(line)
            n += 1
    finally:
        if out is not sys.stdout:
            out.close()
    print(f"govwire: {n} captures indexed", file=sys.stderr)
    return 0
