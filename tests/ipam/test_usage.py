"""A pool shows its size, use and free addresses, counted by the database (SPEC S11)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from proxvps.inventory.models import Server
from proxvps.ipam.allocation import allocate, release
from proxvps.ipam.models import Address, Pool
from proxvps.ipam.usage import pool_usage
from tests.ipam import make_pool
from tests.ipam.conftest import ServiceFactory

pytestmark = pytest.mark.django_db


def test_usage_counts_what_allocation_can_hand_out(server: Server, make_service: ServiceFactory) -> None:
    pool = make_pool(server, "192.0.2.0/24", ("192.0.2.1", "192.0.2.254"), gateway="192.0.2.1")
    for _ in range(3):
        allocate(make_service(), 4, 1)
    (usage,) = pool_usage(Pool.objects.all())
    assert (usage.pool, usage.size, usage.used, usage.free, usage.percent) == (pool, 253, 3, 250, 1.2)


def test_released_addresses_are_free_again_in_the_figures(server: Server, make_service: ServiceFactory) -> None:
    make_pool(server, "192.0.2.0/29", ("192.0.2.2", "192.0.2.5"))
    services = [make_service() for _ in range(4)]
    for service in services:
        allocate(service, 4, 1)
    assert (pool_usage(Pool.objects.all())[0].free, pool_usage(Pool.objects.all())[0].percent) == (0, 100.0)
    release(services[0])
    assert pool_usage(Pool.objects.all())[0].free == 1


def test_a_slash_64_is_sized_without_listing_it(server: Server, make_service: ServiceFactory) -> None:
    make_pool(server, "2001:db8::/64", ("2001:db8::", "2001:db8::ffff:ffff:ffff:ffff"), gateway="2001:db8::1")
    allocate(make_service(), 6, 2)
    (usage,) = pool_usage(Pool.objects.all())
    assert (usage.size, usage.used, usage.free) == (2**64 - 2, 2, 2**64 - 4)
    assert usage.percent == 0.0


def test_a_pool_without_ranges_has_nothing_to_offer(server: Server) -> None:
    pool = make_pool(server, "192.0.2.0/24", gateway="192.0.2.1")
    Address.objects.create(pool=pool, ip="192.0.2.7")
    (usage,) = pool_usage(Pool.objects.all())
    assert (usage.size, usage.used, usage.free, usage.percent) == (0, 1, 0, 0.0)


def test_an_address_outside_todays_ranges_is_used_but_takes_nothing_free(server: Server) -> None:
    pool = make_pool(server, "192.0.2.0/24", ("192.0.2.10", "192.0.2.19"), gateway="192.0.2.1")
    Address.objects.create(pool=pool, ip="192.0.2.50")
    Address.objects.create(pool=pool, ip="192.0.2.10")
    (usage,) = pool_usage(Pool.objects.all())
    assert (usage.size, usage.used, usage.free) == (10, 2, 9)


def test_usage_of_many_pools_takes_three_queries(server: Server) -> None:
    for n in range(5):
        pool = make_pool(server, f"10.{n}.0.0/24", (f"10.{n}.0.1", f"10.{n}.0.100"), (f"10.{n}.0.150", f"10.{n}.0.160"))
        Address.objects.create(pool=pool, ip=f"10.{n}.0.{n + 1}")
    with CaptureQueriesContext(connection) as queries:
        usage = pool_usage(Pool.objects.order_by("network"))
    assert len(queries) == 3
    assert [(u.size, u.used, u.free) for u in usage] == [(111, 1, 110)] * 5
