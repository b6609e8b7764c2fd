"""Shared pytest wiring. Each area keeps its fixtures in its own tests/fixtures_*.py plugin."""
from __future__ import annotations

import importlib.util
import os

# Every test server lives on loopback, which the address policy refuses by default
# (docs/security.md). The suite opts in, for itself and every govwire process it starts; tests of
# the policy itself take the variable out again.
os.environ["GOVWIRE_ALLOW_ADDRESSES"] = "127.0.0.0/8,::1"

pytest_plugins = [
    name for name in (
        "tests.fixtures_web",      # real HTTP servers on 127.0.0.1
        "tests.fixtures_s3",       # SeaweedFS S3 on loopback
        "tests.fixtures_golden",   # --update-golden
        "tests.fixtures_demo_store",  # a demo store crawled three times (revisits, a revision)
        "tests.fixtures_ui",       # `govwire serve` and headless Chromium
    ) if importlib.util.find_spec(name) is not None
]
