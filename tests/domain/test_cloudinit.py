"""Cloud-init network settings: ipconfig0, nameserver and searchdomain as PVE's schema takes them."""

from typing import Any

import pytest
from fakepve import schema

from proxvps.domain.cloudinit import CloudInitNetwork, PoolAddress, dhcp_network, static_network

QEMU_CONFIG = schema.load().paths["/nodes/{node}/qemu/{vmid}/config"]["PUT"]["parameters"]

V4 = PoolAddress("192.0.2.10", 24, gateway="192.0.2.1", dns1="192.0.2.53", dns2="192.0.2.54")
V4_EXTRA = PoolAddress("192.0.2.11", 24, gateway="192.0.2.1", dns1="192.0.2.53", dns2="192.0.2.54")
V6 = PoolAddress("2001:db8::10", 64, gateway="2001:db8::1", dns1="2001:db8::53", dns2="2001:db8::54")
V6_EXTRA = PoolAddress("2001:db8::11", 64, gateway="2001:db8::1", dns1="2001:db8::53", dns2="2001:db8::54")


def assert_schema_valid(network: CloudInitNetwork) -> None:
    _, errors = schema.validate(QEMU_CONFIG, {"node": "pve1", "vmid": "100", **network.config()})
    assert errors == {}


@pytest.mark.parametrize(
    ("ipv4", "ipv6", "ipconfig0", "nameserver"),
    [
        pytest.param([V4], [], "ip=192.0.2.10/24,gw=192.0.2.1", "192.0.2.53 192.0.2.54", id="ipv4-only"),
        pytest.param(
            [], [V6], "ip6=2001:db8::10/64,gw6=2001:db8::1", "2001:db8::53 2001:db8::54", id="ipv6-only-no-ip-part"
        ),
        pytest.param(
            [V4],
            [V6],
            "ip=192.0.2.10/24,gw=192.0.2.1,ip6=2001:db8::10/64,gw6=2001:db8::1",
            "192.0.2.53 192.0.2.54 2001:db8::53 2001:db8::54",
            id="both-families-both-kinds-of-resolver",
        ),
        pytest.param([PoolAddress("192.0.2.10", 24)], [], "ip=192.0.2.10/24", None, id="no-gateway-no-resolver"),
    ],
)
def test_static_addresses_give_ipconfig0_and_nameserver(
    ipv4: list[PoolAddress], ipv6: list[PoolAddress], ipconfig0: str, nameserver: str | None
) -> None:
    network = static_network(ipv4, ipv6)
    assert (network.ipconfig0, network.nameserver, network.extra) == (ipconfig0, nameserver, ())
    assert_schema_valid(network)


@pytest.mark.parametrize(
    ("pool", "nameserver"),
    [
        pytest.param({"dns1": "2001:db8::53"}, "2001:db8::53", id="dns1-only"),
        pytest.param({"dns2": "2001:db8::54"}, "2001:db8::54", id="dns2-only"),
        pytest.param({"dns1": "", "dns2": "2001:db8::54"}, "2001:db8::54", id="dns1-empty-text"),
        pytest.param({"dns1": "2001:0DB8::0053", "dns2": "2001:db8::53"}, "2001:db8::53", id="same-resolver-once"),
    ],
)
def test_either_resolver_of_a_pool_alone_is_enough(pool: dict[str, Any], nameserver: str) -> None:
    """The seed's v3.2 fix: a pool with only DNS1 or only DNS2 still gives the VM a resolver."""
    network = static_network([], [PoolAddress("2001:db8::10", 64, gateway="2001:db8::1", **pool)])
    assert network.nameserver == nameserver
    assert_schema_valid(network)


def test_only_the_primary_of_each_family_goes_in_ipconfig0_the_rest_are_extra() -> None:
    network = static_network([V4, V4_EXTRA], [V6, V6_EXTRA], searchdomain="example.com")
    assert network.ipconfig0 == "ip=192.0.2.10/24,gw=192.0.2.1,ip6=2001:db8::10/64,gw6=2001:db8::1"
    assert [extra.cidr for extra in network.extra] == ["192.0.2.11/24", "2001:db8::11/64"]
    assert network.config() == {
        "ipconfig0": network.ipconfig0,
        "nameserver": "192.0.2.53 192.0.2.54 2001:db8::53 2001:db8::54",
        "searchdomain": "example.com",
    }
    assert_schema_valid(network)


def test_addresses_are_written_in_their_short_form() -> None:
    network = static_network([], [PoolAddress("2001:0DB8:0000::0010", 64, gateway="2001:DB8::1")])
    assert network.ipconfig0 == "ip6=2001:db8::10/64,gw6=2001:db8::1"


@pytest.mark.parametrize(
    ("kwargs", "config"),
    [
        pytest.param({}, {"ipconfig0": "ip=dhcp,ip6=auto"}, id="slaac-by-default"),
        pytest.param({"ipv6": "dhcp"}, {"ipconfig0": "ip=dhcp,ip6=dhcp"}, id="dhcpv6"),
        pytest.param({"ipv6": None}, {"ipconfig0": "ip=dhcp"}, id="no-ipv6"),
        pytest.param(
            {"nameservers": ["192.0.2.53", "2001:db8::53"], "searchdomain": "example.com"},
            {"ipconfig0": "ip=dhcp,ip6=auto", "nameserver": "192.0.2.53 2001:db8::53", "searchdomain": "example.com"},
            id="own-resolvers",
        ),
    ],
)
def test_dhcp_mode_asks_the_network(kwargs: dict[str, Any], config: dict[str, str]) -> None:
    network = dhcp_network(**kwargs)
    assert network.config() == config
    assert_schema_valid(network)


@pytest.mark.parametrize(
    ("ipv4", "ipv6", "message"),
    [
        pytest.param([], [], "at least one address", id="nothing"),
        pytest.param([V6], [], "not an IPv4 address", id="ipv6-in-the-ipv4-list"),
        pytest.param([PoolAddress("10.0.0.5", 7)], [], "/8 or longer", id="prefix-pve-refuses"),
        pytest.param([PoolAddress("10.0.0.5", 24, gateway="2001:db8::1")], [], "gateway", id="gateway-of-other-family"),
        pytest.param([PoolAddress("10.0.0.500", 24)], [], "does not appear", id="no-address"),
    ],
)
def test_what_pve_would_refuse_is_refused_here(ipv4: list[PoolAddress], ipv6: list[PoolAddress], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        static_network(ipv4, ipv6)


def test_the_schema_check_of_these_tests_catches_a_bad_ipconfig() -> None:
    _, errors = schema.validate(QEMU_CONFIG, {"node": "pve1", "vmid": "100", "ipconfig0": "ip=192.0.2.10,gw=x"})
    assert "ipconfig0" in errors
