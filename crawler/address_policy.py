"""Which network addresses govwire may fetch from.

govwire follows links and redirects chosen by other people's servers, and runs inside networks
that hold secrets (cloud metadata at 169.254.169.254, intranet services, the operator's own
loopback). So only globally routable unicast addresses are fetched; everything else is refused
unless an operator lists it explicitly. The check runs on the *resolved peer address* at connect
time (crawler/download_handler.py), so neither a redirect nor a DNS name pointing inward (DNS
rebinding) gets round it. docs/security.md has the threat model.
"""
from __future__ import annotations

import ipaddress
import socket
from archive import environment
from dataclasses import dataclass, field
from typing import Iterable, Union

IPAddress = Union[ipaddress.IPv4Address, ipaddress.IPv6Address]
IPNetwork = Union[ipaddress.IPv4Network, ipaddress.IPv6Network]

ENV_ALLOW = "GOVWIRE_ALLOW_ADDRESSES"

# Addresses that `is_global` may call global but that reach the machine's own or a cloud
# provider's infrastructure; named so the refusal says why.
_METADATA = {
    ipaddress.ip_address("169.254.169.254"): "cloud metadata address",   # AWS, GCP, Azure, OpenStack
    ipaddress.ip_address("169.254.170.2"): "cloud metadata address",     # ECS task credentials
    ipaddress.ip_address("100.100.100.200"): "cloud metadata address",   # Alibaba Cloud
    ipaddress.ip_address("fd00:ec2::254"): "cloud metadata address",     # AWS IPv6 IMDS
}
# NAT64 and 6to4 embed an IPv4 address that the gateway will connect to.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_6TO4 = ipaddress.ip_network("2002::/16")


class AddressRefused(Exception):
    """A fetch was refused by the address policy; str() is the one-line reason."""


def _kind(ip: IPAddress) -> str | None:
    """Why `ip` is not a public unicast address, or None when it is."""
    if ip in _METADATA:
        return _METADATA[ip]
    if ip.is_loopback:
        return "loopback address"
    if ip.is_link_local:
        return "link-local address"
    if ip.is_multicast:
        return "multicast address"
    if ip.is_unspecified:
        return "unspecified address"
    if ip.is_private:
        return "private address"
    if ip.is_reserved:
        return "reserved address"
    if isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local:
        return "site-local address"
    if not ip.is_global:
        return "non-public address"
    return None


def embedded_ipv4(ip: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for (mapped, NAT64, 6to4), if any."""
    if not isinstance(ip, ipaddress.IPv6Address):
        return None
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip.sixtofour is not None:
        return ip.sixtofour
    return None


@dataclass(frozen=True)
class AllowRule:
    """One allow-list entry: a network, or a host name, optionally limited to one port."""

    network: IPNetwork | None = None
    host: str | None = None
    port: int | None = None

    def matches(self, ip: IPAddress, host: str | None, port: int | None) -> bool:
        if self.port is not None and port != self.port:
            return False
        if self.network is not None:
            return ip in self.network
        if host is not None and host.lower().rstrip(".") == self.host:
            return True
        return ip in _resolve(self.host or "")


_RESOLVED: dict[str, frozenset[IPAddress]] = {}


def _resolve(host: str) -> frozenset[IPAddress]:
    """The addresses an allow-listed host name has (looked up once per process).

    Only names the operator wrote are resolved; a page's own host names never are here.
    """
    if host not in _RESOLVED:
        try:
            infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
            _RESOLVED[host] = frozenset(ipaddress.ip_address(str(i[4][0]).split("%", 1)[0])
                                        for i in infos)
        except (OSError, UnicodeError, ValueError):
            _RESOLVED[host] = frozenset()
    return _RESOLVED[host]


def parse_allow_entry(entry: str) -> AllowRule:
    """`10.0.0.0/8`, `192.0.2.7`, `[::1]`, `intranet.example`, optionally `…:PORT`.

    Raises ValueError with a one-line reason for anything else.
    """
    text = entry.strip()
    if not text:
        raise ValueError("empty allow-address entry")
    port: int | None = None
    if text.startswith("["):  # [v6] or [v6]:port or [v6/len]:port
        end = text.find("]")
        if end < 0:
            raise ValueError(f"bad allow-address entry {entry!r}: missing ']'")
        rest = text[end + 1:]
        text = text[1:end]
        if rest:
            if not rest.startswith(":") or not rest[1:].isdigit():
                raise ValueError(f"bad allow-address entry {entry!r}")
            port = int(rest[1:])
    elif text.count(":") == 1:  # host:port or v4:port (bare IPv6 has several colons)
        text, _, p = text.partition(":")
        if not p.isdigit():
            raise ValueError(f"bad allow-address entry {entry!r}: port must be a number")
        port = int(p)
    if port is not None and not 0 < port < 65536:
        raise ValueError(f"bad allow-address entry {entry!r}: port out of range")
    try:
        return AllowRule(network=ipaddress.ip_network(text, strict=False), port=port)
    except ValueError:
        pass
    host = text.lower().rstrip(".")
    if not host or "/" in host or not all(c.isalnum() or c in "-._" for c in host):
        raise ValueError(f"bad allow-address entry {entry!r}: not a CIDR, address or host name")
    return AllowRule(host=host, port=port)


def split_entries(value: str | Iterable[str] | None) -> list[str]:
    if not value:
        return []
    items = value.split(",") if isinstance(value, str) else [
        part for v in value for part in str(v).split(",")]
    return [i.strip() for i in items if i.strip()]


@dataclass
class AddressPolicy:
    """Refuses non-public peers unless an allow rule names them."""

    allow: list[AllowRule] = field(default_factory=list)

    @classmethod
    def from_entries(cls, *values: str | Iterable[str] | None) -> AddressPolicy:
        return cls([parse_allow_entry(e) for v in values for e in split_entries(v)])

    @classmethod
    def from_env(cls) -> AddressPolicy:
        return cls.from_entries(environment.get(ENV_ALLOW, ""))

    def refusal(self, address: str, host: str | None = None, port: int | None = None) -> str | None:
        """None when `address` may be fetched, else the one-line reason."""
        try:
            ip: IPAddress = ipaddress.ip_address(address.split("%", 1)[0])
        except ValueError:
            return f"refused: {address!r} is not an IP address"
        inner = embedded_ipv4(ip)
        # a mapped/NAT64/6to4 address reaches the IPv4 address inside it: judge that one
        candidates: list[IPAddress] = [ip] if inner is None else [inner]
        if any(rule.matches(c, host, port) for rule in self.allow for c in {ip, *candidates}):
            return None
        for c in candidates:
            why = _kind(c)
            if why is not None:
                shown = f"{address} ({c})" if c is not ip else address
                name = f"{host} -> " if host and host != address else ""
                return (f"refused: {name}{shown} is a {why} "
                        f"(allow it with {ENV_ALLOW} or --allow-address)")
        return None


def policy_from_settings(settings: object) -> AddressPolicy:
    """The policy of one crawl: the GOVWIRE_ALLOW_ADDRESSES setting plus the environment.

    A bad entry is a configuration error (ValueError with a one-line reason).
    """
    get = getattr(settings, "get", None)
    value = get("GOVWIRE_ALLOW_ADDRESSES") if callable(get) else None
    return AddressPolicy.from_entries(value, environment.get(ENV_ALLOW, ""))
