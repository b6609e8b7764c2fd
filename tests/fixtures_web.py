"""Pytest plugin: the fixture web (real HTTP servers on 127.0.0.1) and seeds pointing at it.

    def test_x(web, seeds_for_fixture_web):
        web.urls["www.gov.uk"]               # "http://127.0.0.1:PORT"
        run spiders with GOVWIRE_SEEDS_DIR=str(seeds_for_fixture_web)
        web.requests("www.wired-gov.net")    # what the server saw
        web.apply_update("update-1")         # the sites change between two runs
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.demo.server import FixtureWeb
from crawler.seeds import write_relocation

# Politeness for crawls of the loopback fixture web: no reason to wait between requests.
FIXTURE_POLITENESS = {"download_delay": 0.0, "max_rps": 1000.0}


@pytest.fixture(scope="session")
def fixture_web() -> Iterator[FixtureWeb]:
    """One FixtureWeb for the session (starting 7 servers per test would be slow)."""
    web = FixtureWeb()
    web.start()
    try:
        yield web
    finally:
        web.stop()


@pytest.fixture
def web(fixture_web: FixtureWeb) -> Iterator[FixtureWeb]:
    """The session's fixture web, with request log, updates and throttles reset for this test."""
    fixture_web.reset()
    yield fixture_web
    fixture_web.reset()


@pytest.fixture(scope="session")
def seeds_for_fixture_web(fixture_web: FixtureWeb, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A seeds dir (copies of seeds/*.toml + _relocate.toml) whose base URLs are the fixture web.

    Pass it as GOVWIRE_SEEDS_DIR (env or `-s GOVWIRE_SEEDS_DIR=...`)."""
    d = tmp_path_factory.mktemp("seeds")
    write_relocation(d, fixture_web.urls, politeness=FIXTURE_POLITENESS)
    return d
