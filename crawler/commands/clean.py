"""govwire clean FILE|-: clean one saved page (or already-extracted text) and print it."""
from __future__ import annotations

import argparse
import json
import sys

from cleaners import clean, clean_text
from crawler.errors import BadInput

HELP = "clean a saved HTML page (or extracted text) and print the clean text"
DESCRIPTION = """Run the site cleaner chosen by --url (or --site) and the generic rules on one
saved page, and print the clean text. With --text the input is already-extracted text (as a
naive scraper saved it) and only the text rules run.

examples:
  govwire clean page.html --url https://www.gov.uk/government/news/some-release
  govwire clean --text capture.txt --url https://www.wired-gov.net/wg/news.nsf/articles/...
  curl -s URL | govwire clean - --url URL --json
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", metavar="FILE", help="HTML file (gzip allowed) or text file; '-' = stdin")
    p.add_argument("--url", help="the page's address (picks the site cleaner by domain)")
    p.add_argument("--site", help="cleaner name or domain to use, e.g. govuk or miragenews.com")
    p.add_argument("--text", action="store_true", help="FILE is already-extracted text, not HTML")
    p.add_argument("--json", action="store_true", help="print the whole document as JSON")


def _read(path: str) -> bytes:
    if path == "-":
        return sys.stdin.buffer.read()
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as e:
        raise BadInput(f"cannot read {path}: {e.strerror}") from None


def run(args: argparse.Namespace) -> int:
    data = _read(args.file)
    if args.text:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise BadInput(f"{args.file}: --text input must be UTF-8") from None
        doc = clean_text(text, url=args.url, site=args.site)
    else:
        doc = clean(data, args.url or "", site=args.site)
    if args.json:
        print(json.dumps(doc.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(doc.text)
    return 0
