"""govwire sync: upload everything the local spool holds, mending WARCs of killed runs first."""
from __future__ import annotations

import argparse
import json
import sys

from archive.errors import StoreUnavailable
from archive.locks import sweep_dead_locks
from archive.spool import Spool
from crawler import exitcodes
from crawler.commands._store import add_store_arguments, store_from_args

HELP = "upload objects kept in the local spool while the store was unavailable"
DESCRIPTION = """Repair WARC files left '.open' by a killed run (truncated to their last complete
record; their responses go back into the crawl state, so the next crawl revisits them), then
upload every spooled WARC, index, document, capture and state object to the store, deleting each
spool copy only after the store has verified it. State snapshots are merged into the store's
copy; lock releases that could not reach the store are carried out, and locks of dead runs (this
host and the pid is gone, or no heartbeat for GOVWIRE_LOCK_STALE_MINUTES) are removed. Files
still being written by a live run are left alone. Run it before each scheduled crawl (docs/scheduling.md).

Exit status: 0 if nothing is left in the spool, 1 otherwise (the store error is printed).

examples:
  govwire sync --store s3://my-bucket/govwire
  govwire sync --store s3://archive/govwire --endpoint-url http://127.0.0.1:8333 --json
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print the sync report as JSON")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress line")
    add_store_arguments(p)


def _progress(done: int, total: int, key: str, nbytes: int) -> None:
    name = key if len(key) <= 60 else "…" + key[-59:]
    print(f"\r[{done}/{total}] {nbytes / 1e6:8.1f} MB  {name:<60}", end="", file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    store = store_from_args(args)
    spool = Spool(store)
    show = not args.quiet and not args.json and sys.stderr.isatty()
    report = spool.sync(progress=_progress if show else None)
    if show and report.uploaded:
        print(file=sys.stderr)
    if report.error is None:
        # a killed run's lock (this host, pid gone; or no heartbeat for its staleness period)
        # must not block the crawl this sync is meant to prepare
        try:
            swept = sweep_dead_locks(spool.store)
            report.locks_released += len(swept)
        except StoreUnavailable as e:
            report.error = str(e)
    if report.error is None and report.uploaded == 0:
        # nothing to upload: still prove the store answers, so `sync` doubles as a check
        try:
            spool.store.exists("state/.sync-probe")
        except StoreUnavailable as e:
            report.error = str(e)
    if args.json:
        print(json.dumps({"store": store.uri, "spool": str(spool.dir), **report.to_dict()}, indent=2))
    else:
        print(f"{store.uri}: uploaded {report.uploaded} ({report.bytes / 1e6:.1f} MB), "
              f"repaired {report.repaired}, live {report.skipped_live}, failed {report.failed}, "
              f"pending {report.pending}  (spool {spool.dir})")
        if report.state_entries_recovered or report.locks_released or report.states_merged:
            print(f"  state: {report.states_merged} snapshot(s) merged, {report.state_entries_recovered} "
                  f"entr(ies) rebuilt from repaired WARCs; locks released: {report.locks_released}")
        for key in report.quarantined:
            print(f"  set aside (points past the end of a repaired WARC): {spool.dir}/.quarantine/{key}")
    if report.error:
        print(f"govwire: error: {report.error}", file=sys.stderr)
        return exitcodes.FAILED
    return exitcodes.OK if report.ok else exitcodes.FAILED
