"""Every GOVWIRE_* environment variable, read in one place.

The crawl settings (crawler/settings.py), the store backends (archive/storage.py,
archive/s3store.py), the seeds loader and the CLI read the environment only through `get()`
and friends here, and only names listed in `VARIABLES`, so this table is the one list of what
can be set (tests/test_environment.py fails on a GOVWIRE_* read anywhere else). Scrapy
settings of the same names (`-s NAME=VALUE`, `--set`) still win over the environment.
In archive/ because archive/ must work without Scrapy; crawler/ may import it, cleaners/ need
nothing from the environment.
"""
from __future__ import annotations

import os

from archive.errors import ArchiveError

__all__ = ["VARIABLES", "BadEnvironment", "get", "get_int", "get_float", "get_bool"]


class BadEnvironment(ArchiveError):
    """A GOVWIRE_* variable holds something that is not a value of its kind."""


# name: (default as a string, what it does). Defaults that depend on the machine are "".
VARIABLES: dict[str, tuple[str, str]] = {
    "GOVWIRE_STORE": ("./data", "where the archive lives: a path, file://… or s3://bucket/prefix"),
    "GOVWIRE_CONTACT": ("", "contact URL or e-mail for the User-Agent and warcinfo"),
    "GOVWIRE_SEEDS_DIR": ("", "seed configs directory (default: the repository's seeds/)"),
    "GOVWIRE_WARC_MAX_SIZE": ("1000000000", "roll WARC files over at this size (bytes)"),
    "GOVWIRE_WARC_GZIP_LEVEL": ("6", "zlib level of the per-record gzip members"),
    "GOVWIRE_HELPER_PROCESSES": ("1", "build WARC records and write a local store's small objects in helper processes, off the crawl's GIL (0: in threads)"),
    "GOVWIRE_CLEAN_WORKERS": ("", "cleaning worker processes during a crawl (default: cores - 1; 0 inline)"),
    "GOVWIRE_DEFER_CLEAN": ("0", "archive only, no cleaning during the crawl (govwire reclean later)"),
    "GOVWIRE_STORE_THREADS": ("4", "threads writing documents and capture records"),
    "GOVWIRE_LOCK": ("1", "take the per-site run lock (0 to skip)"),
    "GOVWIRE_LOCK_STALE_MINUTES": ("15", "a lock without heartbeat this long is taken over"),
    "GOVWIRE_STATE_CHECKPOINT_PAGES": ("100", "checkpoint the crawl state every N pages (or 1/5 of its URLs, if more)"),
    "GOVWIRE_STATE_CHECKPOINT_SECONDS": ("60", "… or every T seconds"),
    "GOVWIRE_STORE_RETRY_AFTER": ("30", "seconds the store circuit breaker stays open"),
    "GOVWIRE_PROGRESS_INTERVAL": ("10", "seconds between progress lines (0: off)"),
    "GOVWIRE_RETRY_AFTER_MAX": ("300", "longest Retry-After honoured (seconds)"),
    "GOVWIRE_REDIS_URL": ("", "share one crawl through scrapy-redis"),
    "GOVWIRE_RUN_ID": ("", "names one distributed run"),
    "GOVWIRE_LEASE_TTL": ("30", "seconds before a silent worker's leased requests return"),
    "GOVWIRE_PREFETCH": ("0", "requests one distributed worker may hold"),
    "GOVWIRE_DOWNLOAD_TIMEOUT": ("30", "seconds per download"),
    "GOVWIRE_MAX_BODY": ("52428800", "body size cap (bytes); longer bodies are truncated"),
    "GOVWIRE_LOG_LEVEL": ("INFO", "Scrapy log level"),
    "GOVWIRE_ALLOW_ADDRESSES": ("", "non-public networks/hosts that may be fetched anyway (docs/security.md)"),
    "GOVWIRE_SPOOL": ("", "local spool directory for an S3 store"),
    "GOVWIRE_S3_ENDPOINT_URL": ("", "S3-compatible endpoint (else AWS_ENDPOINT_URL, else AWS)"),
    "GOVWIRE_S3_CONNECT_TIMEOUT": ("3.0", "S3 connect timeout (seconds)"),
    "GOVWIRE_S3_READ_TIMEOUT": ("20.0", "S3 read timeout (seconds)"),
    "GOVWIRE_S3_MAX_ATTEMPTS": ("3", "S3 attempts per call"),
    "GOVWIRE_S3_MULTIPART_THRESHOLD": ("", "S3 multipart upload threshold (bytes)"),
    "GOVWIRE_S3_PART_SIZE": ("", "S3 multipart part size (bytes)"),
}


def get(name: str, default: str | None = None) -> str:
    """The variable's value; unset or empty: `default`, else the table's default."""
    if name not in VARIABLES:
        raise KeyError(f"{name} is not a known GOVWIRE_* variable (add it to archive/environment.py)")
    value = os.environ.get(name)
    if value is None or value == "":
        return VARIABLES[name][0] if default is None else default
    return value


def get_int(name: str, default: int | None = None) -> int:
    raw = get(name, None if default is None else str(default))
    try:
        return int(raw)
    except ValueError:
        raise BadEnvironment(f"{name} must be an integer, got {raw!r}") from None


def get_float(name: str, default: float | None = None) -> float:
    raw = get(name, None if default is None else str(default))
    try:
        return float(raw)
    except ValueError:
        raise BadEnvironment(f"{name} must be a number, got {raw!r}") from None


def get_bool(name: str, default: bool | None = None) -> bool:
    raw = get(name, None if default is None else ("1" if default else "0"))
    return raw.strip().lower() not in ("0", "false", "no", "off", "")
