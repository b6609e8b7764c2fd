"""Errors raised by the archive layer; the CLI turns them into one-line messages."""
from __future__ import annotations


class ArchiveError(Exception):
    """Base for every expected, user-facing failure of the archive layer."""


class StoreUnavailable(ArchiveError):
    """The store cannot be reached or refuses us (down, bad credentials, no bucket)."""


class StoreConflict(ArchiveError):
    """A conditional write lost: another writer got there first."""


class BadStoreURI(ArchiveError):
    """The store URI cannot be understood."""


class NotFound(ArchiveError):
    """A key that should exist does not."""
