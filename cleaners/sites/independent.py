"""The Independent (independent.co.uk, the-independent.com): PA wire copies and own reporting.

All its rules are the ESI CMS rules it shares with the Evening Standard
(``cleaners/sites/shared/esi.py``): donation appeal, newsletter, register wall, comments,
sidebar rails and ad slots, the " date 2025-10-08" capture prefix (sites.md §2c, seeds/003).
"""
from __future__ import annotations

from cleaners.base import register
from cleaners.sites.shared.esi import EsiCleaner


@register("independent.co.uk", "the-independent.com")
class IndependentCleaner(EsiCleaner):
    outlet = "The Independent"
