"""govwire export wacz: the archive as one WACZ file, for ReplayWeb.page, pywb or a colleague."""
from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from crawler import __version__
from crawler.commands._store import add_store_arguments, store_from_args
from crawler.errors import UsageError

HELP = "export the archive as a WACZ file (WARCs + index + pages, for ReplayWeb.page/pywb)"
DESCRIPTION = """Write one WACZ (https://specs.webrecorder.net/wacz/1.1.1/) holding the store's
WARC files, a sorted CDXJ index (304 revisits resolved as `govwire index` does), a pages.jsonl
with one entry per clean document, and a datapackage.json with every file's sha256. Open it
in ReplayWeb.page or pywb; `wacz validate -f FILE.wacz` accepts it. See docs/replay.md.

examples:
  govwire export wacz --store ./data --out govwire.wacz
  govwire export wacz --store ./data --site govuk --site mirage --since 2026-11-01 --out nov.wacz
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("format", choices=["wacz"], help="export format (only wacz for now)")
    p.add_argument("--out", required=True, metavar="FILE.wacz", help="where to write the WACZ")
    p.add_argument("--site", action="append", default=[], metavar="SITE",
                   help="only this site's WARCs (repeatable; default: every site)")
    p.add_argument("--since", metavar="YYYY-MM-DD",
                   help="only WARC files written on or after this day (UTC)")
    p.add_argument("--title", help="collection title shown by replay tools")
    add_store_arguments(p)


def run(args: argparse.Namespace) -> int:
    from archive.wacz import write_wacz

    since = None
    if args.since:
        try:
            since = date.fromisoformat(args.since)
        except ValueError:
            raise UsageError(f"--since must be a date like 2026-11-01, not {args.since!r}") from None
    out = Path(args.out)
    if out.suffix != ".wacz":
        raise UsageError(f"--out must end in .wacz: {args.out}")
    if out.is_dir():
        raise UsageError(f"--out is a directory: {args.out}")
    store = store_from_args(args)
    s = write_wacz(store, out, sites=args.site or None, since=since, title=args.title,
                   software=f"govwire {__version__}")
    print(f"govwire: wrote {s.path} ({s.warcs} WARC files, {s.captures} captures, "
          f"{s.pages} pages, {s.bytes} bytes)", file=sys.stderr)
    return 0
