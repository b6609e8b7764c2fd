"""The fixture web: local imitations of GOV.UK and its syndicators, for tests and `govwire demo`."""
from __future__ import annotations

from crawler.demo.server import FixtureWeb, LoggedRequest

__all__ = ["FixtureWeb", "LoggedRequest"]
