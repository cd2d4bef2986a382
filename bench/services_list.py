"""The staff console's services list with a fleet of 5,000 services: how many database queries and how long its
first page takes, at each page size (SPEC S18; issue 15: under 60 queries whatever the page size).

    python bench/services_list.py [--services 5000] [--repeat 5]

Runs on an SQLite file in a temporary directory, or on DATABASE_URL when set (a database it may fill). Each
service has an IPv4 address with a reverse zone that holds it, so every row shows an address and its PTR name.
The last line reads `services=N page_sizes=... queries=Q max_ms=M`.

`make_fleet` is also what the query-count test builds its 5,000 services with.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

PAGE_SIZES = (25, 50, 100, 250, 500)


def make_fleet(count: int) -> None:
    """`count` services across three plans and two nodes of one server, in bulk: each with one address of a /16
    pool and a hostname under example.com; one in ten failing with an error."""
    from proxvps.domain import states
    from proxvps.inventory.models import Node, Plan, Server, Service
    from proxvps.ipam.models import Address, DnsZone, Pool, address_key

    server = Server.objects.create(
        name="fleet", url="https://fleet.invalid:8006", token_id="root@pam!bench", token_secret="bench-secret"
    )
    Node.objects.bulk_create([Node(server=server, name=name) for name in ("pve1", "pve2")])
    plans = [Plan.objects.create(name=f"Fleet {size}") for size in ("S", "M", "L")]
    pool = Pool.objects.create(server=server, name="fleet-v4", network="10.0.0.0/16", gateway="10.0.0.1")
    DnsZone.objects.create(
        name="10.in-addr.arpa", provider="powerdns", url="http://dns.invalid:8081", credentials="bench"
    )
    services = [
        Service(
            billing_service_id=f"fleet-{n}",
            client_ref=str(1000 + n % 700),
            client_name=f"Client {n % 700}",
            client_email=f"client{n % 700}@example.com",
            plan=plans[n % 3],
            server=server,
            vmid=1000 + n,
            node=f"pve{1 + n % 2}",
            hostname=f"vps{n}.example.com",
            state=states.ERROR if n % 10 == 0 else states.READY,
            last_error="Clone failed: storage full" if n % 10 == 0 else "",
        )
        for n in range(count)
    ]
    Service.objects.bulk_create(services, batch_size=500)
    first = int(ipaddress.ip_address("10.0.1.0"))
    addresses = []
    for n, service in enumerate(Service.objects.filter(server=server).order_by("pk")):
        ip = str(ipaddress.ip_address(first + n))
        addresses.append(Address(pool=pool, ip=ip, ip_key=address_key(ip), service=service))
    Address.objects.bulk_create(addresses, batch_size=500)


def staff_browser() -> object:
    """A Django test client signed in as an administrator."""
    from django.contrib.auth.models import Group, User
    from django.test import Client

    user = User.objects.create_user("bench-admin", "bench@example.com", "Bench-Pa55word-x1")
    user.groups.add(Group.objects.get(name="Administrator"))
    browser = Client()
    browser.force_login(user)
    return browser


def _setup(workdir: Path) -> None:
    os.environ["PROXVPS_DATA_DIR"] = str(workdir)
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{workdir / 'bench.sqlite3'}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proxvps.settings")
    os.environ.setdefault("PROXVPS_ALLOWED_HOSTS", "testserver")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--services", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        _setup(Path(workdir))
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        started = time.perf_counter()
        make_fleet(args.services)
        print(f"fleet of {args.services} services made in {time.perf_counter() - started:.1f} s")
        browser = staff_browser()
        queries: list[int] = []
        worst = 0.0
        for size in PAGE_SIZES:
            times = []
            for _run in range(args.repeat):
                with CaptureQueriesContext(connection) as captured:
                    started = time.perf_counter()
                    response = browser.get("/staff/services/", {"per_page": size})  # type: ignore[attr-defined]
                    times.append(time.perf_counter() - started)
                assert response.status_code == 200, response.status_code
            queries.append(len(captured))
            median = statistics.median(times) * 1000
            worst = max(worst, median)
            print(f"page_size={size} queries={len(captured)} median_ms={median:.1f}")
        print(
            f"services={args.services} page_sizes={','.join(map(str, PAGE_SIZES))} "
            f"queries={max(queries)} max_ms={worst:.1f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
