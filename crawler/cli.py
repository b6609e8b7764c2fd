"""The `govwire` command: one script, one verb per module in crawler/commands/."""
from __future__ import annotations

import argparse
import importlib
import os
import sys
from types import ModuleType

from crawler import __version__
from crawler.errors import USER_ERRORS, GovwireError

# Explicit list (no package walk); each module has HELP, add_arguments(parser) and run(args) -> int.
COMMANDS = ("archive", "crawl", "probe", "reclean", "show", "clean", "sync", "unlock", "index", "dataset", "demo",
            "sites", "serve", "export")


def _load(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(f"crawler.commands.{name}")
    except ModuleNotFoundError as e:
        if e.name == f"crawler.commands.{name}":
            return None  # verb not built yet
        raise


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="govwire",
        description="Archive UK government press releases and every press copy of them: "
        "WARC originals (bytes as received) plus clean text, on local disk or any S3 store.",
        epilog="Run 'govwire VERB --help' for a verb's options. Store defaults to ./data "
        "(or $GOVWIRE_STORE).",
    )
    parser.add_argument("--version", action="version", version=f"govwire {__version__}")
    sub = parser.add_subparsers(dest="verb", required=True, metavar="VERB")
    for name in COMMANDS:
        mod = _load(name)
        if mod is None:
            continue
        p = sub.add_parser(name, help=mod.HELP, description=getattr(mod, "DESCRIPTION", mod.HELP),
                           formatter_class=argparse.RawDescriptionHelpFormatter)
        mod.add_arguments(p)
        p.set_defaults(func=mod.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except USER_ERRORS as e:
        code = e.exit_code if isinstance(e, GovwireError) else 1
        print(f"govwire: error: {e}", file=sys.stderr)
        return code
    except KeyboardInterrupt:
        print("govwire: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `govwire show URL | head`: the reader left, which is fine
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
