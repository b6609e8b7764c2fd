"""The operator's contact in the User-Agent, so a site owner can reach whoever crawls them.

`GOVWIRE_CONTACT` (setting or environment variable; `-s GOVWIRE_CONTACT=mailto:ops@example.org`
works like any setting) is read when the crawler's settings are final, so every way of setting
it reaches both the User-Agent and the warcinfo record. Unset, the User-Agent names govwire
alone (never a placeholder address) and the run warns once.
"""
from __future__ import annotations

import logging

from scrapy.settings import SETTINGS_PRIORITIES, BaseSettings

from crawler import __version__

logger = logging.getLogger(__name__)

MISSING_CONTACT = ("GOVWIRE_CONTACT is not set: the User-Agent gives site owners no way to reach "
                   "you (set it to an e-mail or URL, e.g. GOVWIRE_CONTACT=mailto:ops@example.org)")


def user_agent(contact: str | None) -> str:
    """`govwire/<version> (+<contact>)`, or `govwire/<version>` without a contact."""
    contact = (contact or "").strip()
    return f"govwire/{__version__} (+{contact})" if contact else f"govwire/{__version__}"


class ContactAddon:
    """Builds USER_AGENT from GOVWIRE_CONTACT unless USER_AGENT itself was set."""

    def update_settings(self, settings: BaseSettings) -> None:
        contact = settings.get("GOVWIRE_CONTACT")
        if not contact:
            logger.warning(MISSING_CONTACT)
        if (settings.getpriority("USER_AGENT") or 0) <= SETTINGS_PRIORITIES["addon"]:
            settings.set("USER_AGENT", user_agent(contact), priority="addon")
