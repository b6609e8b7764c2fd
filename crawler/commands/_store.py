"""Store-selection flags shared by every verb that reads or writes the archive.

Kept tiny and stable: archive, crawl, show, sync and dataset all call these two functions, and
`_common.store_settings` maps the same attribute names onto Scrapy settings.
"""
from __future__ import annotations

import argparse
from typing import Any

from archive import environment
from archive.storage import Store, open_store

__all__ = ["add_store_arguments", "store_from_args", "store_options"]


def add_store_arguments(parser: argparse.ArgumentParser) -> None:
    """Add --store, --endpoint-url, --region, --profile and --spool in one 'store' group."""
    g = parser.add_argument_group("store")
    g.add_argument("--store", metavar="URI", default=environment.get("GOVWIRE_STORE"),
                   help="where the archive lives: a directory, file:///path or s3://bucket/prefix "
                        "(default: $GOVWIRE_STORE or ./data)")
    g.add_argument("--endpoint-url", metavar="URL", default=None,
                   help="S3-compatible endpoint, e.g. http://127.0.0.1:8333 for SeaweedFS/MinIO "
                        "(default: $GOVWIRE_S3_ENDPOINT_URL or $AWS_ENDPOINT_URL, else AWS)")
    g.add_argument("--region", metavar="NAME", default=None,
                   help="S3 region (default: $AWS_REGION / $AWS_DEFAULT_REGION / the profile's)")
    g.add_argument("--profile", metavar="NAME", default=None,
                   help="AWS credentials profile (default: $AWS_PROFILE, else the standard chain)")
    g.add_argument("--spool", metavar="DIR", default=None,
                   help="local spool for objects the store could not take yet (S3 only; default: "
                        "$GOVWIRE_SPOOL or ~/.cache/govwire/spool/<bucket>/<prefix-hash>)")


def store_options(args: argparse.Namespace) -> dict[str, Any]:
    """The open_store() keyword options given on the command line (unset ones left out)."""
    pairs = {"endpoint_url": getattr(args, "endpoint_url", None),
             "region": getattr(args, "region", None),
             "profile": getattr(args, "profile", None),
             "spool_dir": getattr(args, "spool", None)}
    return {k: v for k, v in pairs.items() if v}


def store_from_args(args: argparse.Namespace) -> Store:
    """Open the store the flags describe; errors are one-line ArchiveErrors for main()."""
    return open_store(getattr(args, "store", None), **store_options(args))
