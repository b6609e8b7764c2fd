"""Dataset build failures a user can fix; the CLI prints them as one line."""
from __future__ import annotations

from archive.errors import ArchiveError

__all__ = ["DatasetError", "EmptyInput", "OutputMismatch", "ReleaseNotFound"]


class DatasetError(ArchiveError):
    """Base for the dataset's expected failures (bad flags, unusable input or output)."""


class EmptyInput(DatasetError):
    """The store has no documents to build from (wrong store, or nothing crawled yet)."""


class OutputMismatch(DatasetError):
    """--out holds something that this build must not extend (other format, other text flag)."""


class ReleaseNotFound(DatasetError):
    """show-release was given a URL that is not a GOV.UK release in the dataset."""
