"""govwire serve: the local audit UI over an archive (documents, originals, releases, sites)."""
from __future__ import annotations

import argparse
import ipaddress
import signal
import sys
from pathlib import Path
from typing import Any

from archive.storage import Store, open_store
from crawler.commands._store import add_store_arguments, store_from_args, store_options
from crawler.errors import ConfigError, UsageError

HELP = "browse the archive in a local web UI (127.0.0.1 only by default)"
DESCRIPTION = """Start a read-only web UI over the store: every document with search and
filters, the archived original from the WARC next to its clean text with every block the
cleaners removed outlined and labelled with its rule, capture history and revision diffs, each
GOV.UK release with its press copies and aligned paragraphs, and per-site quality over time.

Archived pages are shown inert (no script runs, nothing is fetched from the live web); see
docs/ui.md. Needs the `ui` extra: pip install 'govwire[ui]'.

Release pages show the syndication links, scores and paragraph alignments of the
researchers' dataset (`govwire dataset`): from --dataset when it holds the release, else from
a dataset the UI builds from the store (in a temporary directory, redone when the store changes).

examples:
  govwire serve --store ./data
  govwire serve --store ./data --dataset ./dataset
  govwire serve --store s3://bucket/archive --port 8700
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--host", default="127.0.0.1",
                   help="address to bind (default: 127.0.0.1; anything else exposes the archive)")
    p.add_argument("--port", type=int, default=8700, help="port (default: 8700; 0 picks a free one)")
    p.add_argument("--threads", type=int, default=4, help=argparse.SUPPRESS)
    p.add_argument("--dataset", metavar="DIR_OR_S3",
                   help="a dataset built by `govwire dataset build` to read release links from "
                        "(default: build one from the store when a release page is first opened)")
    add_store_arguments(p)


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def run(args: argparse.Namespace) -> int:
    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port must be 0-65535, not {args.port}")
    try:
        from waitress.server import create_server

        from crawler.web.app import create_app
    except ImportError as e:
        raise ConfigError(f"govwire serve needs the ui extra ({e.name} missing): "
                          "pip install 'govwire[ui]'") from None
    store = store_from_args(args)
    dataset = _dataset(args)
    hosts: set[str] | None = None if not _loopback(args.host) else set()
    app = create_app(store, allowed_hosts=hosts, dataset=dataset)
    try:
        server = create_server(app, host=args.host, port=args.port, threads=args.threads,
                               ident="govwire", clear_untrusted_proxy_headers=True)
    except OSError as e:
        raise ConfigError(f"cannot listen on {args.host}:{args.port}: {e.strerror}") from None
    port = server.effective_port  # type: ignore[union-attr]
    shown = f"[{args.host}]" if ":" in args.host else args.host
    if hosts is not None:  # loopback: answer only to these names (no DNS rebinding)
        hosts.update({f"{shown}:{port}", f"localhost:{port}", f"127.0.0.1:{port}"})
    else:
        print(f"govwire: warning: serving on {args.host}, not loopback: anyone who can reach it "
              "can read the archive", file=sys.stderr)
    print(f"govwire serve: http://{shown}:{port}/  (store {store.uri}; Ctrl-C to stop)", flush=True)
    signal.signal(signal.SIGTERM, _interrupt)  # so the private dataset build is removed
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
        app.extensions["govwire_syndication"].close()
    return 0


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def _dataset(args: argparse.Namespace) -> Store | None:
    if not args.dataset:
        return None
    if "://" not in args.dataset and not (Path(args.dataset) / "manifest.json").is_file():
        raise UsageError(f"--dataset {args.dataset}: no dataset there (no manifest.json); "
                         "run 'govwire dataset build' first")
    return open_store(args.dataset, **store_options(args))
