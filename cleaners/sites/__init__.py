"""Every site cleaner, imported by name (no package walk): importing registers them.

One import per line; tests/test_golden.py checks that each module in this folder is listed.
"""
from __future__ import annotations

from cleaners.sites import gov_uk  # noqa: F401
from cleaners.sites import miragenews_com  # noqa: F401
from cleaners.sites import wired_gov_net  # noqa: F401
from cleaners.sites import iconic_media  # noqa: F401
from cleaners.sites import independent_co_uk  # noqa: F401
from cleaners.sites import standard_co_uk  # noqa: F401
