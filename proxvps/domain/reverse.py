"""Reverse-DNS names: the zone a pool's prefix needs (SPEC S11) and the PTR name of an address (SPEC S12).

Names come from `ipaddress`' `reverse_pointer`, never from nibbles built by hand: the seed once built IPv6 PTR
names by deleting colons, which gave garbage for every compressed address (`2001:db8::1`). Parsing the address
first makes every spelling (compressed, expanded, leading zeros in a group, upper case) give one name.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Final

CLASSLESS: Final = "classless delegation required"
"""The hint for a prefix that is no whole zone (IPv4 /25, IPv6 /61): its PTRs need RFC 2317-style delegation."""

_IPV4_ZONE_PREFIXES: Final = frozenset({8, 16, 24})


@dataclass(frozen=True)
class ReverseZoneHint:
    """The reverse zone a prefix needs, or None when none fits (`classless` is then True).

    A type rather than a bare string so the web layer can translate the classless message; `str()` gives the
    zone or the English hint.
    """

    network: str
    zone: str | None

    @property
    def classless(self) -> bool:
        return self.zone is None

    def __str__(self) -> str:
        return self.zone or CLASSLESS


def _labels_dropped(name: str, count: int) -> str:
    """`name` without its first `count` labels: the host part of a reverse pointer."""
    return name.split(".", count)[count] if count else name


def reverse_zone_hint(network: str) -> ReverseZoneHint:
    """The reverse zone of `network` (CIDR; host bits are ignored): IPv4 /8, /16 or /24, IPv6 any prefix that is
    a multiple of 4 bits. ValueError for text that is no network."""
    subnet = ipaddress.ip_network(network.strip(), strict=False)
    pointer = subnet.network_address.reverse_pointer
    if subnet.version == 4:
        if subnet.prefixlen not in _IPV4_ZONE_PREFIXES:
            return ReverseZoneHint(str(subnet), None)
        return ReverseZoneHint(str(subnet), _labels_dropped(pointer, (32 - subnet.prefixlen) // 8))
    if subnet.prefixlen % 4:
        return ReverseZoneHint(str(subnet), None)
    return ReverseZoneHint(str(subnet), _labels_dropped(pointer, (128 - subnet.prefixlen) // 4))


def ptr_name(address: str, *, trailing_dot: bool = False) -> str:
    """The PTR owner name of `address`: `1.2.0.192.in-addr.arpa`, or all 32 nibbles under `ip6.arpa` for IPv6.

    `trailing_dot` gives the fully qualified spelling some providers want (PowerDNS). An IPv4 address with
    leading zeros (`192.000.002.001`) is refused, as `ipaddress` refuses it: some tools read such octets as
    octal, so the address it means is ambiguous.
    """
    name = ipaddress.ip_address(address.strip()).reverse_pointer
    return f"{name}." if trailing_dot else name
