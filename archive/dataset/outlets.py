"""Who publishes what: the outlets table (owner, country, kind, paywall), keyed by web host.

Why keyed by host and not by seed name: seed names are an operational detail that may change
(one name per outlet), while the host a page came from is in every row. Facts come from
../shared/sites.md (§2) and each outlet's own pages; `kind` is what the outlet does with
government text:
- ``government``: the original publisher (GOV.UK);
- ``aggregator``: republishes releases whole, usually naming the source (Wired-Gov, Mirage News);
- ``newspaper``: a newsroom that runs its own and PA wire stories (The Independent, The Standard);
- ``wire reprint``: a title whose national news is PA wire copy run as received (Iconic
  Media's regional titles).
`paywall`: ``none``, ``registration`` (a free sign-in wall), ``soft`` (text in the page before a
client-side wall) or ``metered``.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlsplit

__all__ = ["Outlet", "OUTLETS", "outlet_for", "outlet_rows"]


@dataclass(frozen=True)
class Outlet:
    outlet: str
    domains: tuple[str, ...]
    owner: str
    country: str        # ISO 3166-1 alpha-2
    kind: str           # government | aggregator | newspaper | wire reprint
    paywall: str        # none | registration | soft | metered
    language: str       # BCP 47 tag of the outlet's text

    def row(self) -> dict[str, Any]:
        return {**asdict(self), "domains": list(self.domains)}


OUTLETS: tuple[Outlet, ...] = (
    Outlet("GOV.UK", ("gov.uk",), "UK Government (Government Digital Service)", "GB",
           "government", "none", "en-GB"),
    Outlet("Wired-Gov", ("wired-gov.net",), "Wired-Gov Ltd", "GB", "aggregator", "none", "en-GB"),
    Outlet("Mirage News", ("miragenews.com",), "Mirage News", "AU", "aggregator", "none", "en"),
    Outlet("The Independent", ("independent.co.uk", "the-independent.com"),
           "Independent Digital News & Media Ltd", "GB", "newspaper", "registration", "en-GB"),
    Outlet("The Standard", ("standard.co.uk",), "Evening Standard Ltd", "GB", "newspaper",
           "registration", "en-GB"),
    Outlet("Donegal Democrat / Donegal Live", ("donegallive.ie",), "Iconic Media Group", "IE",
           "wire reprint", "soft", "en-IE"),
    Outlet("Limerick Leader", ("limerickleader.ie",), "Iconic Media Group", "IE", "wire reprint",
           "soft", "en-IE"),
)


def _host(url: str | None) -> str:
    return (urlsplit(url or "").hostname or "").lower().removeprefix("www.")


def outlet_for(url: str | None, name: str | None = None) -> Outlet | None:
    """The registry entry for a page's host (subdomains included), else by outlet name."""
    host = _host(url)
    for o in OUTLETS:
        if any(host == d or host.endswith("." + d) for d in o.domains):
            return o
    if name:
        for o in OUTLETS:
            if o.outlet == name or name.startswith(o.outlet.split(" /")[0]):
                return o
    return None


def outlet_rows(seen: dict[str, set[str]]) -> list[dict[str, Any]]:
    """One row per outlet name seen in the documents ({outlet name: hosts}), registry facts
    joined where known (null where not: an unknown outlet is listed, never guessed)."""
    rows = []
    for name in sorted(seen):
        hosts = sorted(seen[name])
        o = next((outlet_for(f"https://{h}/", name) for h in hosts if outlet_for(f"https://{h}/")),
                 None) or outlet_for(None, name)
        base = o.row() if o else {"owner": None, "country": None, "kind": None, "paywall": None,
                                   "language": None, "domains": []}
        rows.append({**base, "outlet": name, "hosts": hosts, "known": o is not None})
    return rows
