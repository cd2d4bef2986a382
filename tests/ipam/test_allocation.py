"""Allocation hands each service the lowest free addresses of its server's pools, idempotently (SPEC S4, S11)."""

from __future__ import annotations

import pytest
from django.db import IntegrityError

from proxvps.domain.cloudinit import static_network
from proxvps.inventory.models import Server
from proxvps.ipam import allocation
from proxvps.ipam.allocation import PoolExhausted, addresses_of, allocate, pool_addresses, release
from proxvps.ipam.models import Address, Pool, address_key
from tests.ipam import make_pool
from tests.ipam.conftest import ServiceFactory

pytestmark = pytest.mark.django_db


def ips(addresses: list[Address]) -> list[str]:
    return [address.ip for address in addresses]


@pytest.fixture
def v4(server: Server) -> Pool:
    return make_pool(server, "192.0.2.0/24", ("192.0.2.0", "192.0.2.255"), gateway="192.0.2.1")


def test_the_lowest_free_address_comes_first(v4: Pool, make_service: ServiceFactory) -> None:
    assert ips(allocate(make_service(), 4, 1)) == ["192.0.2.2"]
    assert ips(allocate(make_service(), 4, 2)) == ["192.0.2.3", "192.0.2.4"]


def test_network_broadcast_and_gateway_are_never_handed_out(server: Server, make_service: ServiceFactory) -> None:
    make_pool(server, "198.51.100.0/29", ("198.51.100.0", "198.51.100.7"), gateway="198.51.100.1")
    service = make_service()
    assert ips(allocate(service, 4, 5)) == [f"198.51.100.{n}" for n in range(2, 7)]
    with pytest.raises(PoolExhausted):
        allocate(make_service(), 4, 1)


def test_the_pools_own_resolvers_are_not_handed_out(server: Server, make_service: ServiceFactory) -> None:
    make_pool(server, "192.0.2.0/24", ("192.0.2.10", "192.0.2.12"), dns1="192.0.2.10", dns2="192.0.2.11")
    assert ips(allocate(make_service(), 4, 1)) == ["192.0.2.12"]


def test_a_retry_returns_what_the_service_already_holds(v4: Pool, make_service: ServiceFactory) -> None:
    service = make_service()
    first = allocate(service, 4, 2)
    again = allocate(service, 4, 2)
    assert [a.pk for a in again] == [a.pk for a in first]
    assert Address.objects.filter(service=service).count() == 2


def test_a_retry_adds_only_the_missing_addresses(v4: Pool, make_service: ServiceFactory) -> None:
    service = make_service()
    (primary,) = allocate(service, 4, 1)
    allocate(make_service(), 4, 1)  # .3 goes to someone else in between
    grown = allocate(service, 4, 3)
    assert grown[0].pk == primary.pk
    assert ips(grown) == ["192.0.2.2", "192.0.2.4", "192.0.2.5"]


def test_a_smaller_count_releases_the_highest_and_keeps_the_primary(v4: Pool, make_service: ServiceFactory) -> None:
    service = make_service()
    allocate(service, 4, 3)
    assert ips(allocate(service, 4, 1)) == ["192.0.2.2"]
    assert ips(addresses_of(service)) == ["192.0.2.2"]
    assert ips(allocate(make_service(), 4, 2)) == ["192.0.2.3", "192.0.2.4"]


def test_exhaustion_raises_names_the_server_and_changes_nothing(server: Server, make_service: ServiceFactory) -> None:
    make_pool(server, "2001:db8::/64", ("2001:db8::10", "2001:db8::12"), gateway="2001:db8::1")
    service = make_service()
    allocate(service, 6, 1)
    with pytest.raises(PoolExhausted) as raised:
        allocate(service, 6, 4)
    assert str(raised.value) == "No free IPv6 address is left in the pools of server pve."
    assert (raised.value.server, raised.value.family) == ("pve", 6)
    assert ips(addresses_of(service)) == ["2001:db8::10"]
    assert Address.objects.count() == 1


def test_a_server_without_a_pool_of_the_family_is_exhausted(v4: Pool, make_service: ServiceFactory) -> None:
    service = make_service()
    with pytest.raises(PoolExhausted):
        allocate(service, 6, 1)
    assert allocate(service, 6, 0) == []


def test_released_addresses_are_handed_out_again_lowest_first(v4: Pool, make_service: ServiceFactory) -> None:
    services = [make_service() for _ in range(4)]
    for service in services:
        allocate(service, 4, 1)
    assert release(services[2]) == 1
    assert release(services[1]) == 1
    assert ips(allocate(make_service(), 4, 1)) == ["192.0.2.3"]
    assert ips(allocate(make_service(), 4, 2)) == ["192.0.2.4", "192.0.2.6"]


def test_a_hole_beyond_the_first_window_of_keys_is_found(server: Server, make_service: ServiceFactory) -> None:
    pool = make_pool(server, "10.0.0.0/16", ("10.0.0.1", "10.0.255.254"))
    taken = [f"10.0.{n // 256}.{n % 256}" for n in range(1, allocation.WINDOW * 2 + 50)]
    hole = taken.pop(allocation.WINDOW + 20)
    Address.objects.bulk_create(Address(pool=pool, ip=ip, ip_key=address_key(ip)) for ip in taken)
    assert ips(allocate(make_service(), 4, 1)) == [hole]


def test_an_address_written_by_hand_is_never_handed_out(v4: Pool, make_service: ServiceFactory) -> None:
    Address.objects.create(pool=v4, ip="192.0.2.2")
    assert ips(allocate(make_service(), 4, 1)) == ["192.0.2.3"]


def test_pools_of_the_server_are_used_in_name_order(server: Server, make_service: ServiceFactory) -> None:
    make_pool(server, "198.51.100.0/24", ("198.51.100.10", "198.51.100.200"), name="b-second")
    make_pool(server, "192.0.2.0/24", ("192.0.2.10", "192.0.2.11"), name="a-first")
    make_pool(server, "2001:db8::/64", ("2001:db8::10", "2001:db8::ff"), name="a-ipv6")
    other = Server.objects.create(name="other", url="https://o.example.com", token_id="a@pam!b", token_secret="s")
    make_pool(other, "203.0.113.0/24", ("203.0.113.1", "203.0.113.9"), name="0-elsewhere")
    assert ips(allocate(make_service(), 4, 3)) == ["192.0.2.10", "192.0.2.11", "198.51.100.10"]


def test_overlapping_ranges_offer_each_address_once(server: Server, make_service: ServiceFactory) -> None:
    make_pool(server, "192.0.2.0/24", ("192.0.2.10", "192.0.2.20"), ("192.0.2.15", "192.0.2.25"))
    assert ips(allocate(make_service(), 4, 16)) == [f"192.0.2.{n}" for n in range(10, 26)]
    with pytest.raises(PoolExhausted):
        allocate(make_service(), 4, 1)


def test_an_ipv6_only_service_gets_only_ipv6(server: Server, make_service: ServiceFactory) -> None:
    make_pool(server, "2001:db8::/64", ("2001:db8::1", "2001:db8::ffff:ffff:ffff:ffff"), gateway="2001:db8::1")
    service = make_service()
    assert allocate(service, 4, 0) == []
    assert ips(allocate(service, 6, 2)) == ["2001:db8::2", "2001:db8::3"]


def test_addresses_of_lists_ipv4_first_then_each_family_in_allocation_order(
    server: Server, v4: Pool, make_service: ServiceFactory
) -> None:
    make_pool(server, "2001:db8::/64", ("2001:db8::a", "2001:db8::ff"))
    service = make_service()
    allocate(service, 6, 1)
    allocate(service, 4, 1)
    allocate(make_service(), 4, 1)  # takes .3, so the service's second IPv4 address is .4
    allocate(service, 4, 2)
    allocate(service, 6, 2)
    assert ips(addresses_of(service)) == ["192.0.2.2", "192.0.2.4", "2001:db8::a", "2001:db8::b"]
    assert release(service) == 4
    assert addresses_of(service) == []


def test_pool_addresses_carry_what_cloud_init_needs(server: Server, make_service: ServiceFactory) -> None:
    make_pool(server, "192.0.2.0/24", ("192.0.2.10", "192.0.2.20"), gateway="192.0.2.1", dns2="192.0.2.54")
    make_pool(server, "2001:db8::/64", ("2001:db8::10", "2001:db8::ff"), gateway="2001:db8::1", dns1="2001:db8::53")
    service = make_service()
    allocate(service, 4, 2)
    allocate(service, 6, 1)
    ipv4, ipv6 = pool_addresses(addresses_of(service))
    network = static_network(ipv4, ipv6)
    assert network.ipconfig0 == "ip=192.0.2.10/24,gw=192.0.2.1,ip6=2001:db8::10/64,gw6=2001:db8::1"
    assert network.nameserver == "192.0.2.54 2001:db8::53"
    assert [extra.cidr for extra in network.extra] == ["192.0.2.11/24"]


def test_allocation_needs_the_services_server(v4: Pool, make_service: ServiceFactory) -> None:
    service = make_service()
    service.server = None
    with pytest.raises(ValueError, match="no server"):
        allocate(service, 4, 1)
    with pytest.raises(ValueError, match="negative"):
        allocate(make_service(), 4, -1)


def _blind(monkeypatch: pytest.MonkeyPatch, calls: list[int], times: int = 1) -> None:
    """Make the first `times` reads of what is free see an empty pool, as a writer that bypassed the lock would
    leave it: the insert then meets the unique constraint."""
    free_in = allocation._free_in

    def blind_free_in(span: allocation.Span, wanted: int) -> list[int]:
        calls.append(1)
        if len(calls) <= times:
            return allocation._take(allocation._free_run(span.first, span.last, span.reserved), wanted)
        return free_in(span, wanted)

    monkeypatch.setattr(allocation, "_free_in", blind_free_in)


def test_an_insert_refused_by_the_constraint_is_retried_with_the_next_address(
    v4: Pool, make_service: ServiceFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A row the lock did not see (a writer that bypassed it) makes the insert fail; the retry takes the next."""
    allocate(make_service(), 4, 1)
    calls: list[int] = []
    _blind(monkeypatch, calls)
    assert ips(allocate(make_service(), 4, 1)) == ["192.0.2.3"]
    assert len(calls) == 2


def test_retries_after_refused_inserts_are_bounded(
    v4: Pool, make_service: ServiceFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    allocate(make_service(), 4, 1)
    _blind(monkeypatch, [], times=allocation.ATTEMPTS)
    with pytest.raises(IntegrityError):
        allocate(make_service(), 4, 1)
    assert Address.objects.count() == 1


def test_a_service_that_already_holds_its_addresses_keeps_them_and_gets_no_more(
    v4: Pool, make_service: ServiceFactory
) -> None:
    """A second run for the same service (a retry after a crash) adds nothing."""
    service = make_service()
    first = ips(allocate(service, 4, 2))
    assert ips(allocate(service, 4, 2)) == first
    assert Address.objects.filter(service=service).count() == 2


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_an_allocation_commits_on_its_own_and_an_exhausted_pool_changes_nothing(
    server: Server, make_service: ServiceFactory
) -> None:
    """With no transaction open (a worker's step), an allocation commits on its own. Asked for more than is left,
    it inserts nothing and the pool reports exhaustion."""
    make_pool(server, "192.0.2.0/29", ("192.0.2.1", "192.0.2.6"), gateway="192.0.2.1")
    services = [make_service() for _ in range(3)]
    assert ips(allocate(services[0], 4, 2)) == ["192.0.2.2", "192.0.2.3"]
    assert ips(allocate(services[1], 4, 2)) == ["192.0.2.4", "192.0.2.5"]

    with pytest.raises(PoolExhausted):
        allocate(services[2], 4, 2)

    assert list(Address.objects.filter(service=services[2])) == []
    assert ips(allocate(services[2], 4, 1)) == ["192.0.2.6"]
    assert Address.objects.count() == 5
