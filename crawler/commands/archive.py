"""govwire archive URL...: fetch, archive (WARC) and clean pages on demand."""
from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from crawler import exitcodes
from crawler.commands._common import add_policy_arguments, policy_settings, store_settings
from crawler.commands._store import add_store_arguments
from crawler.errors import BadInput, UsageError
from crawler.urlnorm import redact_url

HELP = "archive one or more URLs now (WARC + clean text)"
DESCRIPTION = """Fetch each URL with the same Scrapy downloader, middlewares and pipeline as the
crawls, write request/response records to WARC, clean the page and store its document.

One line per URL: OK/FAILED, site, title, words kept, where it was stored.
Exit status: 0 if every URL was archived, 4 if some failed, 1 if all failed, 2 on a usage error.

examples:
  govwire archive https://www.gov.uk/government/news/some-release
  govwire archive --from-file urls.txt --store s3://my-bucket/govwire
  cat urls.txt | govwire archive --from-file - --json
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("urls", nargs="*", metavar="URL", help="page(s) to archive")
    p.add_argument("--from-file", metavar="FILE", help="read URLs, one per line, from FILE ('-' = stdin)")
    p.add_argument("--json", action="store_true", help="print the stored document(s) as JSON instead")
    p.add_argument("--ignore-robots", action="store_true", help="do not obey robots.txt (use with care)")
    p.add_argument("-s", "--set", action="append", default=[], metavar="NAME=VALUE",
                   help="override a Scrapy/govwire setting (repeatable)")
    p.add_argument("-v", "--verbose", action="store_true", help="show Scrapy's log")
    add_policy_arguments(p)
    add_store_arguments(p)


def read_urls(args: argparse.Namespace) -> list[str]:
    urls = list(args.urls)
    if args.from_file:
        try:
            text = sys.stdin.read() if args.from_file == "-" else open(args.from_file, encoding="utf-8").read()
        except OSError as e:
            raise BadInput(f"cannot read {args.from_file}: {e.strerror}") from None
        urls += [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]
    if not urls:
        raise UsageError("no URL given (pass URLs or --from-file FILE)")
    return urls


def parse_sets(pairs: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise UsageError(f"bad --set {pair!r} (expected NAME=VALUE)")
        out[name] = value
    return out


def run(args: argparse.Namespace) -> int:
    from crawler.runner import run_archive

    urls = read_urls(args)
    settings = {**store_settings(args), **policy_settings(args), **parse_sets(args.set)}
    if not args.verbose:
        settings.setdefault("LOG_LEVEL", "ERROR")
    outcomes, summary = run_archive(urls, store_uri=args.store, ignore_robots=args.ignore_robots,
                                    settings=settings)
    if args.json:
        out = [o.document if o.document else {"url": redact_url(o.url), "ok": o.ok, "reason": o.reason,
                                              "stored": o.stored} for o in outcomes]
        print(json.dumps(out if len(out) != 1 else out[0], ensure_ascii=False, indent=2))
    else:
        store = next((s.get("store") for s in summary.sites.values() if s.get("store")), args.store)
        for o in outcomes:
            if o.ok:
                title = f'"{o.title}"' if o.title else "-"
                extra = f" ({o.reason})" if o.reason else ""
                print(f"OK      {redact_url(o.url)}  [{o.document.get('outlet') or o.document.get('cleaner') if o.document else o.site}]"
                      f"  {title}  {o.words} words  -> {store}/{o.stored}{extra}")
            else:
                hint = " (the site asks robots not to fetch it; --ignore-robots overrides)" \
                    if o.reason == "robots.txt disallows" else ""
                print(f"FAILED  {redact_url(o.url)}: {o.reason}{hint}")
    ok = sum(o.ok for o in outcomes)
    if ok == len(outcomes) and not any(s.get("store_error") for s in summary.sites.values()):
        return exitcodes.OK
    for s in summary.sites.values():
        if s.get("store_error"):
            print(f"govwire: error: {s['store_error']}", file=sys.stderr)
    return exitcodes.FAILED if ok == 0 else exitcodes.PARTIAL
