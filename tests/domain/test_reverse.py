"""Reverse zones of pool prefixes (SPEC S11) and PTR names for every spelling of an address (SPEC S12)."""

import pytest

from proxvps.domain.reverse import ReverseZoneHint, ptr_name, reverse_zone_hint

V6_120 = "0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa"
DB8_1 = "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa"


@pytest.mark.parametrize(
    ("network", "zone"),
    [
        pytest.param("10.0.0.0/8", "10.in-addr.arpa", id="v4-8"),
        pytest.param("192.168.0.0/16", "168.192.in-addr.arpa", id="v4-16"),
        pytest.param("192.0.2.0/24", "2.0.192.in-addr.arpa", id="v4-24"),
        pytest.param("192.0.2.77/24", "2.0.192.in-addr.arpa", id="v4-24-host-bits-ignored"),
        pytest.param(" 192.0.2.0/24 ", "2.0.192.in-addr.arpa", id="v4-24-spaces"),
        pytest.param("2001:db8::/120", V6_120, id="v6-120-spec-example"),
        pytest.param("2001:0DB8:0000::/120", V6_120, id="v6-120-expanded-uppercase"),
        pytest.param("2001:db8::/64", "0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa", id="v6-64"),
        pytest.param("2001:db8::/48", "0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa", id="v6-48"),
        pytest.param("2001:db8::/32", "8.b.d.0.1.0.0.2.ip6.arpa", id="v6-32"),
        pytest.param("2001:db8::1/128", DB8_1, id="v6-128"),
    ],
)
def test_a_whole_zone_prefix_gives_its_reverse_zone(network: str, zone: str) -> None:
    hint = reverse_zone_hint(network)
    assert (hint.zone, hint.classless, str(hint)) == (zone, False, zone)


@pytest.mark.parametrize("network", ["192.0.2.0/25", "192.0.2.0/23", "10.0.0.0/12", "192.0.2.1/32", "2001:db8::/61"])
def test_any_other_prefix_needs_classless_delegation(network: str) -> None:
    hint = reverse_zone_hint(network)
    assert hint == ReverseZoneHint(network=hint.network, zone=None)
    assert (hint.classless, str(hint)) == (True, "classless delegation required")


def test_a_network_that_is_no_network_is_refused() -> None:
    with pytest.raises(ValueError, match="does not appear to be an IPv4 or IPv6 network"):
        reverse_zone_hint("192.0.2.0/33")


@pytest.mark.parametrize(
    "spelling",
    [
        "2001:db8::1",
        "2001:0db8:0000:0000:0000:0000:0000:0001",
        "2001:db8:0:0:0:0:0:1",
        "2001:DB8::1",
        "2001:0DB8::0001",
        " 2001:db8::1\n",
    ],
)
def test_every_spelling_of_an_ipv6_address_gives_the_full_32_nibble_name(spelling: str) -> None:
    assert ptr_name(spelling) == DB8_1
    assert len(ptr_name(spelling).removesuffix(".ip6.arpa").split(".")) == 32


def test_ipv4_ptr_names_reverse_the_octets() -> None:
    assert ptr_name("192.0.2.10") == "10.2.0.192.in-addr.arpa"


def test_the_trailing_dot_is_asked_for() -> None:
    assert ptr_name("192.0.2.10", trailing_dot=True) == "10.2.0.192.in-addr.arpa."
    assert ptr_name("2001:db8::1", trailing_dot=True) == f"{DB8_1}."


def test_an_ipv4_address_with_leading_zeros_is_refused_as_ambiguous() -> None:
    with pytest.raises(ValueError, match="does not appear to be an IPv4 or IPv6 address"):
        ptr_name("192.000.002.010")
