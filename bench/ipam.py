"""Concurrent address allocation on PostgreSQL: how fast, and never one address twice (SPEC S11).

    python bench/ipam.py [--processes 8] [--per-process 200]

Uses DATABASE_URL (default postgres://postgres@127.0.0.1:5432/proxvps_bench) as the name of a database it creates,
migrates and drops at the end. One server has an IPv4 /24 pool (.1-.254 minus the gateway: 253 addresses) and
an IPv6 /64 pool; every process orders one address for each of its own services, IPv4 while any is left, then
IPv6, all processes starting together. The database then counts duplicates. The last line is
`allocations=N duplicates=D per_second=X`.

`hammer` is also what the PostgreSQL test of concurrent allocation runs, on a pool of its own.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import secrets
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier
from typing import Literal

import psycopg
from psycopg import sql

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/proxvps_bench"
START_TIMEOUT = 120.0
"""Seconds the processes may take to start Django and meet at the starting line."""


@dataclass(frozen=True)
class WorkerResult:
    """What one process did: addresses it got per family, orders the IPv4 pools refused, and orders no pool could
    serve."""

    ipv4: int
    ipv6: int
    ipv4_refused: int
    exhausted: int


def _setup_django(database_url: str) -> None:
    import django

    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proxvps.settings")
    django.setup()


def _allocate_for(
    database_url: str, service_ids: Sequence[int], start: Barrier, results: Queue[WorkerResult], retry_ipv4: bool
) -> None:
    """One process: an address for each service, IPv4 until its pools run dry, then IPv6. With `retry_ipv4` every
    order asks for IPv4 first (each refusal is counted), else the process stops asking after the first refusal."""
    _setup_django(database_url)
    from proxvps.inventory.models import Service
    from proxvps.ipam.allocation import PoolExhausted, allocate

    services = list(
        Service.objects.filter(pk__in=service_ids).select_related("server").only("id", "server__id", "server__name")
    )
    families: list[Literal[4, 6]] = [4, 6]
    got = {4: 0, 6: 0}
    refused = {4: 0, 6: 0}
    start.wait(START_TIMEOUT)
    for service in services:
        for family in families:
            try:
                allocate(service, family, 1)
            except PoolExhausted:
                refused[family] += 1
                continue
            got[family] += 1
            break
        if refused[4] and not retry_ipv4:
            families = [6]
    exhausted = len(services) - got[4] - got[6]
    results.put(WorkerResult(ipv4=got[4], ipv6=got[6], ipv4_refused=refused[4], exhausted=exhausted))


def hammer(
    database_url: str, service_ids: Sequence[int], processes: int, *, retry_ipv4: bool = False
) -> tuple[list[WorkerResult], float]:
    """Split the services over `processes` processes that allocate at the same moment; their results and the
    seconds from the common start until the last one finished. `retry_ipv4`: see `_allocate_for`."""
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(processes + 1)
    results: Queue[WorkerResult] = context.Queue()
    workers = [
        context.Process(
            target=_allocate_for, args=(database_url, service_ids[n::processes], start, results, retry_ipv4)
        )
        for n in range(processes)
    ]
    for worker in workers:
        worker.start()
    start.wait(START_TIMEOUT)
    began = time.perf_counter()
    done = [results.get(timeout=600) for _ in workers]
    elapsed = time.perf_counter() - began
    for worker in workers:
        worker.join()
    return done, elapsed


def _maintenance_url(database_url: str) -> tuple[str, str]:
    """The URL of the server's `postgres` database and the name of the bench's own."""
    base, name = database_url.rsplit("/", 1)
    return f"{base}/postgres", name


def _recreate(database_url: str, *, create: bool) -> None:
    maintenance, name = _maintenance_url(database_url)
    with psycopg.connect(maintenance, autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        if create:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _prepare(count: int) -> list[int]:
    """Migrate; one server with the two pools, one plan, `count` services on that server. Their ids."""
    from django.core.management import call_command

    from proxvps.inventory.models import Plan, Server, Service
    from proxvps.ipam.models import Pool, PoolRange

    call_command("migrate", verbosity=0)
    server = Server.objects.create(
        name="bench", url="https://pve.example.com:8006", token_id="root@pam!bench", token_secret="unused"
    )
    v4 = Pool.objects.create(server=server, name="v4", network="198.51.100.0/24", gateway="198.51.100.1")
    PoolRange.objects.create(pool=v4, first="198.51.100.1", last="198.51.100.254")
    v6 = Pool.objects.create(server=server, name="v6", network="2001:db8:100::/64", gateway="2001:db8:100::1")
    PoolRange.objects.create(pool=v6, first="2001:db8:100::1", last="2001:db8:100::ffff:ffff:ffff:ffff")
    plan = Plan.objects.create(name="bench")
    services = Service.objects.bulk_create(
        Service(billing_service_id=str(n), client_ref="bench", plan=plan, server=server) for n in range(count)
    )
    return [service.pk for service in services]


def _duplicates() -> tuple[int, int]:
    """Rows, and rows beyond the first for one address, counted by the database."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*), COUNT(*) - COUNT(DISTINCT ip) FROM ipam_address")
        rows, duplicates = cursor.fetchone()
    return int(rows), int(duplicates)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--processes", type=int, default=8)
    parser.add_argument("--per-process", type=int, default=200)
    args = parser.parse_args(argv)
    database_url = os.environ.get("DATABASE_URL") or DEFAULT_URL
    if not database_url.startswith(("postgres://", "postgresql://")):
        parser.error("the bench needs PostgreSQL: set DATABASE_URL to a postgres:// URL")
    os.environ["PROXVPS_DATA_DIR"] = tempfile.mkdtemp(prefix="proxvps-bench-")
    os.environ["PROXVPS_SECRET_KEY"] = secrets.token_urlsafe(50)
    _recreate(database_url, create=True)
    try:
        _setup_django(database_url)
        service_ids = _prepare(args.processes * args.per_process)
        from django.db import connections

        connections.close_all()
        results, elapsed = hammer(database_url, service_ids, args.processes)
        rows, duplicates = _duplicates()
        connections.close_all()
    finally:
        _recreate(database_url, create=False)
    ipv4, ipv6 = sum(r.ipv4 for r in results), sum(r.ipv6 for r in results)
    allocations = ipv4 + ipv6
    print(f"processes={args.processes} per_process={args.per_process} seconds={elapsed:.2f}")
    print(f"ipv4={ipv4} ipv6={ipv6} exhausted={sum(r.exhausted for r in results)} address_rows={rows}")
    print(f"allocations={allocations} duplicates={duplicates} per_second={allocations / elapsed:.1f}")
    return 0 if duplicates == 0 and rows == allocations else 1


if __name__ == "__main__":
    sys.exit(main())
