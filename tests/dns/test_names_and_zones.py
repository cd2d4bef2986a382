"""Names, zones and PTRs: one canonical spelling, zones matched with or without a trailing dot, the longest
suffix wins, and every spelling of an address lands on one PTR name in the reverse zone its pool needs."""

from __future__ import annotations

import pytest

from proxvps.dns import DnsConfigError, RecordSet, absolute, best_zone, canonical_name, in_zone
from proxvps.dns.base import canonical_value, qualified_value, relative
from proxvps.domain.reverse import ptr_name, reverse_zone_hint

V6_120 = "0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa"
DB8_1 = "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa"


@pytest.mark.parametrize("spelling", ["example.com", "example.com.", "Example.COM", "EXAMPLE.com.", " example.com "])
def test_every_spelling_of_a_zone_is_one_canonical_name(spelling: str) -> None:
    assert canonical_name(spelling) == "example.com"
    assert absolute(spelling) == "example.com."


@pytest.mark.parametrize("zone", ["example.com", "example.com.", "EXAMPLE.COM."])
@pytest.mark.parametrize("host", ["vps.example.com", "vps.example.com.", "VPS.Example.Com"])
def test_zones_match_with_or_without_a_trailing_dot(zone: str, host: str) -> None:
    assert in_zone(host, zone)
    assert best_zone(host, [zone]) == zone


@pytest.mark.parametrize(
    ("host", "zones", "expected"),
    [
        pytest.param("a.b.example.com", ["example.com", "b.example.com."], "b.example.com.", id="longest-suffix"),
        pytest.param("example.com", ["example.com."], "example.com.", id="apex"),
        pytest.param("vps.badexample.com", ["example.com"], None, id="label-boundary"),
        pytest.param("vps.example.org", ["example.com", "com"], None, id="no-zone"),
        pytest.param("vps.example.com", ["com", "example.com"], "example.com", id="tld-and-domain"),
    ],
)
def test_the_forward_zone_is_the_longest_suffix_on_label_boundaries(host: str, zones: list[str], expected) -> None:
    assert best_zone(host, zones) == expected


@pytest.mark.parametrize(
    ("network", "address", "zones", "ptr", "zone"),
    [
        pytest.param("2001:db8::/120", "2001:db8::1", [V6_120], DB8_1, V6_120, id="v6-120-spec-example"),
        pytest.param(
            "2001:db8::/120",
            "2001:0db8:0000:0000:0000:0000:0000:0001",
            [V6_120 + "."],
            DB8_1,
            V6_120 + ".",
            id="v6-120-expanded",
        ),
        pytest.param("2001:db8::/120", "2001:DB8::0:1", [V6_120], DB8_1, V6_120, id="v6-120-mixed-case"),
        pytest.param(
            "2001:db8::/64",
            "2001:db8::1",
            ["8.b.d.0.1.0.0.2.ip6.arpa", "0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa"],
            DB8_1,
            "0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa",
            id="v6-64-longest",
        ),
        pytest.param(
            "192.0.2.0/24",
            "192.0.2.10",
            ["2.0.192.in-addr.arpa"],
            "10.2.0.192.in-addr.arpa",
            "2.0.192.in-addr.arpa",
            id="v4-24",
        ),
        pytest.param(
            "192.0.2.128/25",
            "192.0.2.130",
            ["2.0.192.in-addr.arpa."],
            "130.2.0.192.in-addr.arpa",
            "2.0.192.in-addr.arpa.",
            id="v4-25-non-aligned-goes-to-the-enclosing-zone",
        ),
        pytest.param(
            "2001:db8::/61",
            "2001:db8:0:7::1",
            ["0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa"],
            "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.7.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa",
            "0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa",
            id="v6-61-non-aligned-goes-to-the-enclosing-zone",
        ),
        pytest.param(
            "192.0.2.128/25",
            "192.0.2.130",
            ["128/25.2.0.192.in-addr.arpa"],
            "130.2.0.192.in-addr.arpa",
            None,
            id="v4-25-classless-zone-holds-no-plain-ptr",
        ),
    ],
)
def test_the_ptr_of_an_address_lands_in_the_reverse_zone_that_holds_it(
    network: str, address: str, zones: list[str], ptr: str, zone: str | None
) -> None:
    assert ptr_name(address) == ptr
    assert best_zone(ptr_name(address), zones) == zone
    hint = reverse_zone_hint(network)
    if not hint.classless:
        assert in_zone(ptr_name(address), str(hint))


@pytest.mark.parametrize("prefix", ["192.0.2.128/25", "10.0.0.0/12", "2001:db8::/61", "2001:db8::/127"])
def test_a_non_aligned_prefix_asks_for_classless_delegation(prefix: str) -> None:
    assert str(reverse_zone_hint(prefix)) == "classless delegation required"


def test_compressed_and_expanded_spellings_give_one_record_set() -> None:
    spellings = ["2001:db8::1", "2001:0db8:0000:0000:0000:0000:0000:0001", "2001:DB8:0:0:0:0:0:1"]
    sets = {RecordSet.of(ptr_name(s), "PTR", ["VPS1.example.test."], 300) for s in spellings}
    assert sets == {RecordSet(DB8_1, "PTR", 300, frozenset({"vps1.example.test"}))}
    aaaa = {RecordSet.of("vps1.example.test", "AAAA", [s], 300) for s in spellings}
    assert aaaa == {RecordSet("vps1.example.test", "AAAA", 300, frozenset({"2001:db8::1"}))}


def test_values_are_compared_canonically_and_written_fully_qualified_where_names() -> None:
    assert canonical_value("PTR", "VPS.Example.test.") == "vps.example.test"
    assert canonical_value("AAAA", "2001:0DB8::0010") == "2001:db8::10"
    assert qualified_value("PTR", "vps.example.test") == "vps.example.test."
    assert qualified_value("CNAME", "vps.example.test.") == "vps.example.test."
    assert qualified_value("A", "192.0.2.1") == "192.0.2.1"


def test_relative_names_are_as_panels_write_them() -> None:
    assert relative("vps1.example.test.", "example.test") == "vps1"
    assert relative("example.test", "example.test.") == "@"
    assert relative(DB8_1, V6_120) == "1.0"


@pytest.mark.parametrize("name", ["", ".", "a..b", "x" * 64 + ".example.com"])
def test_a_name_that_is_no_dns_name_is_refused_with_one_sentence(name: str) -> None:
    with pytest.raises(DnsConfigError, match="is not a valid DNS name"):
        canonical_name(name)
