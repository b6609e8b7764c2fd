"""Helpers shared by the verbs that run crawls."""
from __future__ import annotations

import argparse
from typing import Any

from archive import environment
from crawler.commands._store import store_options
from crawler.session import STORE_OPTION_SETTINGS


def store_settings(args: argparse.Namespace) -> dict[str, Any]:
    """The store flags as the settings the crawl's archive session reads (one mapping, two uses)."""
    return {STORE_OPTION_SETTINGS[k]: v for k, v in store_options(args).items()}


def add_engine_arguments(p: argparse.ArgumentParser) -> None:
    """--engine and --scheduler, as reclean and dataset build share them (archive/cluster.py)."""
    p.add_argument("--engine", choices=("local", "dask"), default="local",
                   help="local: a process pool here (default); dask: a dask.distributed cluster "
                        "(pip install -e '.[cluster]'), see docs/scaling.md")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="with --engine dask: a running scheduler (tcp://host:8786); default a local "
                        "cluster of --workers processes")


def add_policy_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--allow-address", action="append", default=[], metavar="CIDR|HOST",
                   help="also fetch from this non-public network or host (repeatable; "
                        "e.g. 10.20.0.0/16, intranet.example, 127.0.0.1:8080). "
                        "Loopback, private, link-local and cloud-metadata addresses are refused "
                        "otherwise; see docs/security.md")


def policy_settings(args: argparse.Namespace) -> dict[str, Any]:
    """--allow-address entries, checked now so a typo is a usage error, not a crawl error."""
    from crawler.address_policy import ENV_ALLOW, AddressPolicy, split_entries
    from crawler.errors import UsageError

    entries = split_entries(getattr(args, "allow_address", None) or [])
    try:
        AddressPolicy.from_entries(entries, environment.get(ENV_ALLOW, ""))
    except ValueError as e:
        raise UsageError(f"{e} (--allow-address or ${ENV_ALLOW})") from None
    if not entries:
        return {}
    return {ENV_ALLOW: ",".join(entries)}
