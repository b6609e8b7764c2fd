"""govwire unlock SITE...: break a site lock left by a run that died."""
from __future__ import annotations

import argparse
import sys

from archive import environment
from archive.keys import lock_key
from archive.locks import DEFAULT_STALE_MINUTES, break_lock
from crawler import exitcodes
from crawler.commands._store import add_store_arguments, store_from_args
from crawler.commands.crawl import known_sites
from crawler.errors import UsageError

HELP = "remove a site's run lock left by a dead run (refuses a live one without --force)"
DESCRIPTION = """A crawl holds locks/<site>.lock in the store while it runs and refreshes its
heartbeat several times per staleness period (GOVWIRE_LOCK_STALE_MINUTES, default 15). The next
run takes over a lock whose heartbeat is older than that, or at once when the lock names this
host and a pid that is gone. This verb does the same now, for an operator who knows the run is
dead; a lock with a fresh heartbeat is left alone unless --force is given.

exit status: 0 unlocked (or not locked); 75 a live run holds it (not removed); 1 store error;
2 a site that is neither configured nor locked (a typo).

examples:
  govwire unlock govuk --store s3://my-bucket/govwire
  govwire unlock govuk independent --store ./data --force
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("sites", nargs="+", metavar="SITE", help="site name(s) whose lock to remove")
    p.add_argument("--force", action="store_true", help="remove it even if its heartbeat is fresh")
    add_store_arguments(p)


def run(args: argparse.Namespace) -> int:
    store = store_from_args(args)
    stale = environment.get_float("GOVWIRE_LOCK_STALE_MINUTES", DEFAULT_STALE_MINUTES)
    code = exitcodes.OK
    sites = list(dict.fromkeys(args.sites))
    known = set(known_sites())
    for site in sites:  # a typo must not read as "not locked": say so before touching any lock
        if site not in known and not store.exists(lock_key(site)):
            raise UsageError(f"unknown site {site!r} (known: {', '.join(sorted(known))})")
    for site in sites:
        done, msg = break_lock(store, site, force=args.force, stale_minutes=stale)
        print(f"govwire: {msg}", file=sys.stdout if done else sys.stderr)
        if not done:
            code = exitcodes.LOCKED
    return code
