"""Helpers shared by the verbs that run crawls."""
from __future__ import annotations

import argparse
from typing import Any


def store_settings(args: argparse.Namespace) -> dict[str, Any]:
    """Map the store flags (see _store.add_store_arguments) onto the settings the session reads."""
    pairs = {"GOVWIRE_S3_ENDPOINT_URL": getattr(args, "endpoint_url", None),
             "AWS_REGION_NAME": getattr(args, "region", None),
             "GOVWIRE_AWS_PROFILE": getattr(args, "profile", None),
             "GOVWIRE_SPOOL": getattr(args, "spool", None)}
    return {k: v for k, v in pairs.items() if v}
