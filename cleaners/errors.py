"""Errors for bad input to the cleaners (binary, undecodable, absurdly large)."""
from __future__ import annotations


class CleanerInputError(ValueError):
    """The input cannot be cleaned; the message is one line fit for a user."""
