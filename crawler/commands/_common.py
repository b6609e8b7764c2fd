"""Helpers shared by the verbs that run crawls."""
from __future__ import annotations

import argparse
from typing import Any

from crawler.commands._store import store_options
from crawler.session import STORE_OPTION_SETTINGS


def store_settings(args: argparse.Namespace) -> dict[str, Any]:
    """The store flags as the settings the crawl's archive session reads (one mapping, two uses)."""
    return {STORE_OPTION_SETTINGS[k]: v for k, v in store_options(args).items()}
