"""User-facing errors: main() prints them as one line; anything else is a bug and shows a traceback."""
from __future__ import annotations

from archive.errors import ArchiveError
from cleaners.errors import CleanerInputError


class GovwireError(Exception):
    """Base of the CLI's own expected failures."""

    exit_code = 1


class UsageError(GovwireError):
    exit_code = 2


class ConfigError(GovwireError):
    exit_code = 2


class BadInput(GovwireError):
    exit_code = 1


class LockHeld(GovwireError):
    """Another live run holds the site's lock."""

    exit_code = 75  # EX_TEMPFAIL: cron should simply try again later


# Everything main() turns into one line.
USER_ERRORS: tuple[type[BaseException], ...] = (GovwireError, ArchiveError, CleanerInputError)
