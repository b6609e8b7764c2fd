"""govwire show URL: the latest clean text of a URL and every capture of it."""
from __future__ import annotations

import argparse
import json

from archive.errors import NotFound
from archive.keys import capture_prefix
from crawler.commands._store import add_store_arguments, store_from_args
from crawler.errors import BadInput, UsageError
from crawler.urlnorm import redact_url, request_url

HELP = "print the latest clean text of a URL and the list of its captures"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("url", metavar="URL")
    p.add_argument("--json", action="store_true", help="print the latest document and captures as JSON")
    p.add_argument("--captures-only", action="store_true", help="list captures, no text")
    add_store_arguments(p)


def run(args: argparse.Namespace) -> int:
    from crawler.runner import check_url

    why = check_url(args.url)
    if why:
        raise UsageError(f"{why}: {redact_url(args.url)}")
    url = request_url(args.url)  # as archived: no fragment, percent-encoded
    store = store_from_args(args)
    captures = []
    for key in store.list(capture_prefix(url)):
        captures.append(json.loads(store.get_bytes(key)))
    if not captures:
        raise BadInput(f"no capture of {url} in {store.uri}")
    captures.sort(key=lambda c: c.get("fetched_at") or "")
    doc = None
    for c in reversed(captures):
        if c.get("document"):
            try:
                doc = json.loads(store.get_bytes(c["document"]))
            except NotFound:
                continue
            break
    if args.json:
        print(json.dumps({"document": doc, "captures": captures}, ensure_ascii=False, indent=2))
        return 0
    if doc and not args.captures_only:
        print(f"# {doc.get('title') or '(untitled)'}")
        print(f"# {doc.get('outlet') or doc.get('site')} | published {doc.get('published')} | "
              f"{doc.get('word_count')} words | fetched {doc.get('fetched_at')}\n")
        print(doc.get("text", ""))
        print()
    print(f"{len(captures)} capture(s) of {url}:")
    for c in captures:
        if c.get("failed"):  # refused or failed before any byte was archived
            print(f"  {c.get('fetched_at')}  -    failed    {c['failed']}")
            continue
        kind = "revisit " if c.get("revisit") else "response"
        w = c.get("warc") or {}
        print(f"  {c.get('fetched_at')}  {c.get('status')}  {kind}  {w.get('file')}:{w.get('offset')}"
              + (f"  -> {c['redirect_to']}" if c.get("redirect_to") else "")
              + ("  [document]" if c.get("document") else ""))
    return 0
