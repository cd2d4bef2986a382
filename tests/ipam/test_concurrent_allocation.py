"""Concurrent orders never get one address twice (SPEC S11), with eight worker processes on PostgreSQL.

The processes are real ones (bench/ipam.py's `hammer`, spawned, each with its own connection to the test
database), so the lock and the unique constraint are what keeps them apart, not anything inside one Python
process.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import quote

import pytest
from django.db import connection

from bench.ipam import hammer
from proxvps.inventory.models import Server
from proxvps.ipam.models import Address
from tests.ipam import make_pool
from tests.ipam.conftest import ServiceFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

PROCESSES = 8
PER_PROCESS = 50
POOL_SIZE = 350
"""Addresses in the pool: fewer than the 400 orders, so the last 50 find it exhausted."""


@pytest.fixture
def postgres_url() -> str:
    """The URL of the test database, for the worker processes; skips on anything but PostgreSQL."""
    if connection.vendor != "postgresql":
        pytest.skip(
            "concurrent allocation needs PostgreSQL: SQLite admits one writer at a time and its test database "
            "lives in this process's memory (run with DATABASE_URL=postgres://...)"
        )
    settings = connection.settings_dict
    user = quote(settings["USER"] or "", safe="")
    password = f":{quote(settings['PASSWORD'], safe='')}" if settings["PASSWORD"] else ""
    return f"postgres://{user}{password}@{settings['HOST']}:{settings['PORT'] or 5432}/{settings['NAME']}"


def test_eight_processes_never_get_one_address_twice(
    postgres_url: str, server: Server, make_service: ServiceFactory
) -> None:
    first = ipaddress.ip_address("10.20.0.10")
    expected = {str(first + n) for n in range(POOL_SIZE)}
    pool = make_pool(server, "10.20.0.0/22", (str(first), str(first + POOL_SIZE - 1)))
    services = [make_service() for _ in range(PROCESSES * PER_PROCESS)]

    results, _seconds = hammer(postgres_url, [service.pk for service in services], PROCESSES)

    assert sum(result.ipv4 for result in results) == POOL_SIZE
    assert sum(result.ipv6 for result in results) == 0
    assert sum(result.exhausted for result in results) == PROCESSES * PER_PROCESS - POOL_SIZE
    rows = list(Address.objects.filter(pool=pool).values_list("ip", "service_id"))
    assert len(rows) == POOL_SIZE
    assert len({ip for ip, _service in rows}) == POOL_SIZE
    assert len({service for _ip, service in rows}) == POOL_SIZE
    assert {ip for ip, _service in rows} == expected
