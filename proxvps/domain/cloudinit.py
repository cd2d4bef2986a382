"""The network part of a VM's cloud-init settings: PVE's `ipconfig0`, `nameserver` and `searchdomain`.

PVE's `ipconfigN` carries one address per family (`ip=192.0.2.10/24,gw=192.0.2.1,ip6=2001:db8::10/64,gw6=...`),
so only the primary address of each family goes there; the service's other addresses are returned as `extra`
for the client area to list with its "configure these by hand" note (SPEC S17). The resolvers are the DNS1 and
DNS2 of the pools the addresses come from, either one alone being enough (the seed's v3.2 fix: a pool with only
DNS1 or only DNS2 used to leave the VM without a resolver), IPv4 and IPv6 ones alike, each listed once.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

Ipv6Dhcp = Literal["auto", "dhcp"]
"""How a DHCP-mode VM gets IPv6: `auto` is SLAAC (router advertisements), `dhcp` is DHCPv6."""

# PVE's pve-ipv4-config / pve-ipv6-config accept a CIDR whose prefix is at least 8 bits.
_MIN_PREFIX = 8


@dataclass(frozen=True)
class PoolAddress:
    """One address of a service with what its pool says about it."""

    address: str
    prefix: int
    gateway: str | None = None
    dns1: str | None = None
    dns2: str | None = None

    @property
    def interface(self) -> ipaddress.IPv4Interface | ipaddress.IPv6Interface:
        """The address with its prefix; ValueError when either is not valid."""
        return ipaddress.ip_interface(f"{self.address.strip()}/{self.prefix}")

    @property
    def cidr(self) -> str:
        """`192.0.2.10/24`, the spelling PVE and a person configuring the guest use."""
        return self.interface.with_prefixlen


@dataclass(frozen=True)
class CloudInitNetwork:
    """Values for the VM config: `ipconfig0`, and `nameserver` / `searchdomain` when there is one."""

    ipconfig0: str
    nameserver: str | None = None
    searchdomain: str | None = None
    extra: tuple[PoolAddress, ...] = ()
    """Addresses beyond the primary of each family, IPv4 first: the client configures these in the guest."""

    def config(self) -> dict[str, str]:
        """The parameters to write to `/nodes/{node}/qemu/{vmid}/config`."""
        values = {"ipconfig0": self.ipconfig0}
        if self.nameserver:
            values["nameserver"] = self.nameserver
        if self.searchdomain:
            values["searchdomain"] = self.searchdomain
        return values


def _checked(addresses: Sequence[PoolAddress], version: int) -> list[PoolAddress]:
    for entry in addresses:
        interface = entry.interface
        if interface.version != version:
            raise ValueError(f"{entry.address} is not an IPv{version} address")
        if entry.prefix < _MIN_PREFIX:
            raise ValueError(f"PVE takes a prefix of /{_MIN_PREFIX} or longer, not /{entry.prefix}")
        if entry.gateway and ipaddress.ip_address(entry.gateway.strip()).version != version:
            raise ValueError(f"the gateway {entry.gateway} of {entry.address} is not an IPv{version} address")
    return list(addresses)


def _resolvers(addresses: Sequence[PoolAddress]) -> str | None:
    """DNS1 and DNS2 of each address's pool, in order, each once, normalised; None when no pool has any."""
    found: list[str] = []
    for entry in addresses:
        for text in (entry.dns1, entry.dns2):
            if text and text.strip():
                resolver = str(ipaddress.ip_address(text.strip()))
                if resolver not in found:
                    found.append(resolver)
    return " ".join(found) or None


def static_network(
    ipv4: Sequence[PoolAddress], ipv6: Sequence[PoolAddress], *, searchdomain: str | None = None
) -> CloudInitNetwork:
    """Cloud-init network settings for addresses from pools; the first of each list is that family's primary.

    Either list may be empty (an IPv6-only VM has no `ip=` part), not both: a VM without addresses is DHCP mode.
    """
    v4, v6 = _checked(ipv4, 4), _checked(ipv6, 6)
    if not v4 and not v6:
        raise ValueError("a static network needs at least one address; without any, use dhcp_network")
    parts: list[str] = []
    for key, gateway_key, family in (("ip", "gw", v4), ("ip6", "gw6", v6)):
        if family:
            primary = family[0]
            parts.append(f"{key}={primary.cidr}")
            if primary.gateway and primary.gateway.strip():
                parts.append(f"{gateway_key}={ipaddress.ip_address(primary.gateway.strip())}")
    return CloudInitNetwork(
        ipconfig0=",".join(parts),
        nameserver=_resolvers([*v4, *v6]),
        searchdomain=searchdomain or None,
        extra=(*v4[1:], *v6[1:]),
    )


def dhcp_network(
    *, ipv6: Ipv6Dhcp | None = "auto", nameservers: Sequence[str] = (), searchdomain: str | None = None
) -> CloudInitNetwork:
    """Cloud-init network settings for DHCP mode: no address is allocated, the network hands them out.

    `ipv6=None` leaves IPv6 out of ipconfig0. With no `nameservers` the guest takes the DHCP server's.
    """
    parts = ["ip=dhcp"] + ([f"ip6={ipv6}"] if ipv6 else [])
    resolvers = " ".join(str(ipaddress.ip_address(text.strip())) for text in nameservers if text.strip())
    return CloudInitNetwork(ipconfig0=",".join(parts), nameserver=resolvers or None, searchdomain=searchdomain or None)
