"""Concurrent orders never get one address twice (SPEC S11), with eight worker processes on PostgreSQL.

The processes are real ones (bench/ipam.py's `hammer`, spawned, each with its own connection to the test
database), so the lock and the unique constraint are what keeps them apart, not anything inside one Python
process.

The workload makes every count exact: 8 processes place 200 orders each (1600), every order asks the IPv4 /24
first and, once the /24 is full, gets an IPv6 address from the /64. The /24 hands out 253 addresses (.2-.254:
the network, the gateway .1 and the broadcast are never handed out), so exactly 253 orders get IPv4, the other
1347 are refused IPv4 (PoolExhausted) and get IPv6, and no order goes without an address. As allocation takes
the lowest free address and nothing is released, the addresses handed out are exactly the 253 of the /24 and the
1347 lowest of the /64.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import quote

import pytest
from django.db import connection

from bench.ipam import hammer
from proxvps.inventory.models import Plan, Server, Service
from proxvps.ipam.models import Address
from tests.ipam import make_pool

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

PROCESSES = 8
PER_PROCESS = 200
ORDERS = PROCESSES * PER_PROCESS
IPV4_SIZE = 253
"""Assignable addresses of 198.51.100.0/24 with the gateway at .1."""


@pytest.fixture
def postgres_url() -> str:
    """The URL of the test database, for the worker processes; skips on anything but PostgreSQL."""
    if connection.vendor != "postgresql":
        pytest.skip(
            "concurrent allocation needs PostgreSQL: SQLite admits one writer at a time, so its test database "
            "file cannot show concurrent orders (run with DATABASE_URL=postgres://...)"
        )
    settings = connection.settings_dict
    user = quote(settings["USER"] or "", safe="")
    password = f":{quote(settings['PASSWORD'], safe='')}" if settings["PASSWORD"] else ""
    return f"postgres://{user}{password}@{settings['HOST']}:{settings['PORT'] or 5432}/{settings['NAME']}"


def test_eight_processes_of_200_orders_on_a_24_and_a_64_never_get_one_address_twice(
    postgres_url: str, server: Server
) -> None:
    v4 = make_pool(server, "198.51.100.0/24", ("198.51.100.1", "198.51.100.254"), gateway="198.51.100.1")
    v6 = make_pool(
        server, "2001:db8:100::/64", ("2001:db8:100::1", "2001:db8:100::ffff:ffff:ffff:ffff"), gateway="2001:db8:100::1"
    )
    plan = Plan.objects.create(name="vps")
    services = Service.objects.bulk_create(
        Service(billing_service_id=str(n), client_ref="c1", plan=plan, server=server) for n in range(ORDERS)
    )

    results, _seconds = hammer(postgres_url, [service.pk for service in services], PROCESSES, retry_ipv4=True)

    assert sum(result.ipv4 for result in results) == IPV4_SIZE
    assert sum(result.ipv4_refused for result in results) == ORDERS - IPV4_SIZE
    assert sum(result.ipv6 for result in results) == ORDERS - IPV4_SIZE
    assert sum(result.exhausted for result in results) == 0
    rows = list(Address.objects.values_list("pool_id", "ip", "service_id"))
    assert len(rows) == ORDERS
    assert len({service for _pool, _ip, service in rows}) == ORDERS, "one address per order"
    v4_ips = [ip for pool, ip, _service in rows if pool == v4.pk]
    v6_ips = [ip for pool, ip, _service in rows if pool == v6.pk]
    assert len(v4_ips) == len(set(v4_ips)) == IPV4_SIZE
    assert len(v6_ips) == len(set(v6_ips)) == ORDERS - IPV4_SIZE
    first_v4, first_v6 = ipaddress.ip_address("198.51.100.2"), ipaddress.ip_address("2001:db8:100::2")
    assert set(v4_ips) == {str(first_v4 + n) for n in range(IPV4_SIZE)}
    assert set(v6_ips) == {str(first_v6 + n) for n in range(ORDERS - IPV4_SIZE)}
