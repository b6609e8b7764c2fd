"""govwire probe SITE: is this site still what its seed and cleaner expect?"""
from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from crawler import exitcodes
from crawler.commands._common import add_policy_arguments, policy_settings, store_settings
from crawler.commands._store import add_store_arguments
from crawler.commands.archive import parse_sets
from crawler.errors import UsageError

HELP = "fetch a site's feed and a few articles now, clean them, and say whether it looks broken"
DESCRIPTION = """Fetch SITE's feed or search and N articles (politely, with the site's own spider,
selection and cleaner), clean them into a scratch store that is thrown away, and print per page:
selected or not and why, the cleaner, words kept, the rules that fired, known junk signatures
still present, suspected boilerplate (learned from --store), and a verdict.

Run it when a site may have changed (a crawl alarm, a redesign). Nothing is written to the store.

page verdicts: ok; rejected (not a UK-government copy, with the reason); FAILED (fetch failed);
EMPTY (under the seed's quality.min_words); FALLBACK (site cleaner failed); LEAK (junk left).

exit status: 0 the site looks healthy; 5 it looks broken (discovery found nothing, nothing
selected, every text empty, junk or cleaner fallbacks on most pages, a failed Search API);
1 nothing could be fetched; 2 usage.

examples:
  govwire probe mirage --pages 5
  govwire probe wiredgov --pages 10 --store s3://bucket/govwire --json
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("site", metavar="SITE", help="seed name (see `govwire sites`)")
    p.add_argument("--pages", type=int, default=5, metavar="N", help="articles to fetch (default 5)")
    p.add_argument("--json", action="store_true", help="print the probe record as JSON")
    p.add_argument("-s", "--set", action="append", default=[], metavar="NAME=VALUE",
                   help="override a Scrapy/govwire setting (repeatable)")
    p.add_argument("-v", "--verbose", action="store_true", help="show Scrapy's log")
    add_policy_arguments(p)
    add_store_arguments(p)


def _line(page: dict[str, Any], verdict: str) -> str:
    url = page.get("url")
    if page.get("failed"):
        return f"  {verdict:9} {url}: {page['failed']}"
    if not page.get("selected"):
        ev = page.get("evidence") or []
        seen = f" (seen: {', '.join(map(str, ev))})" if ev else ""
        return f"  {verdict:9} {url}: {page.get('reason')}{seen}"
    parts = [f"  {verdict:9} {url}  [{page.get('cleaner')}] {page.get('words')} words"]
    if page.get("evidence"):
        parts.append(f"      selected on: {', '.join(map(str, page['evidence']))}")
    if page.get("rules"):
        parts.append(f"      rules: {', '.join(map(str, page['rules']))}")
    if page.get("junk"):
        parts.append(f"      junk still present: {', '.join(map(str, page['junk']))}")
    if page.get("boilerplate"):
        parts.append(f"      suspected boilerplate: {len(page['boilerplate'])} line(s), e.g. "
                     f"{str(page['boilerplate'][0])[:80]!r}")
    if page.get("fallback_reason"):
        parts.append(f"      fallback: {page['fallback_reason']}")
    return "\n".join(parts)


def run(args: argparse.Namespace) -> int:
    from crawler.commands.crawl import known_sites
    from crawler.probe import page_verdict, run_probe

    if args.pages < 1:
        raise UsageError("--pages must be at least 1")
    sites = known_sites()
    if args.site not in sites:
        raise UsageError(f"unknown site {args.site!r} (known: {', '.join(sites)})")
    settings = {**store_settings(args), **policy_settings(args), **parse_sets(args.set)}
    if not args.verbose:
        settings.setdefault("LOG_LEVEL", "ERROR")
    result = run_probe(args.site, pages=args.pages, store_uri=args.store, settings=settings)
    rec = result.record
    if not rec:
        print(f"govwire: error: probe of {args.site} produced no record (see --verbose)", file=sys.stderr)
        return exitcodes.FAILED
    problems = result.problems
    pages = result.pages
    if args.json:
        out = {**rec, "verdicts": [page_verdict(p, result.quality) for p in pages], "problems": problems}
        print(json.dumps(out, ensure_ascii=False, indent=2, sort_keys=True))
    else:
        sel = [p for p in pages if p.get("selected")]
        print(f"probe {args.site}: {rec.get('entries', 0)} entries discovered, {len(pages)} page(s) fetched,"
              f" {len(sel)} selected, median {result.median_words()} words")
        if rec.get("rejected"):
            print("  rejected: " + ", ".join(f"{r} x{n}" for r, n in rec["rejected"].items()))
        for p in pages:
            print(_line(p, page_verdict(p, result.quality)))
        print(("verdict: BROKEN: " + "; ".join(problems)) if problems else "verdict: OK")
    fetched = [p for p in pages if not p.get("failed")]
    if not fetched and pages:
        return exitcodes.FAILED
    return exitcodes.ALARM if problems else exitcodes.OK
