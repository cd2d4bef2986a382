"""What placement counts against each node for services still being built: held to sums added up by hand from a
table of what each state counts, across states, storages, servers and the excluded service."""

from __future__ import annotations

import itertools

import pytest

from proxvps.domain import states
from proxvps.inventory.models import Plan, Server, ServerGroup, Service
from proxvps.lifecycle.placement import Need, in_flight

pytestmark = pytest.mark.django_db


# What each state of the test counts against its node, written out (not taken from placement's own state sets):
# (memory: the VM has not started yet, disk: its disks have not grown yet).
COUNTS = {
    states.NEW: (True, True),
    states.MIGRATED: (True, True),
    states.SET_SYSTEM_DISK_SIZE: (True, False),
    states.SET_CLOUDINIT: (True, False),
    states.READY: (False, False),
    states.REINSTALL: (True, True),
}


def _expected(server: Server, storage: str, exclude: int) -> dict[str, Need]:
    """The sums in_flight must give, added up in Python from the services and COUNTS."""
    sums: dict[str, list[int]] = {}
    for service in Service.objects.filter(server=server).exclude(placed_on="").exclude(pk=exclude):
        memory, disk = COUNTS[service.state]
        if memory:
            node = sums.setdefault(service.placed_on, [0, 0])
            node[0] += service.placed_memory
            node[1] += service.placed_disk if disk and service.plan.storage == storage else 0
    return {node: Need(memory, disk) for node, (memory, disk) in sums.items()}


def _server(name: str) -> Server:
    return Server.objects.create(
        name=name, url=f"https://{name}.example.com:8006", token_id="a@pam!t", token_secret="s"
    )


def test_placement_counts_what_other_workers_placed() -> None:
    group = ServerGroup.objects.create(name="g")
    local = Plan.objects.create(name="local", server_group=group, storage="local-lvm")
    ceph = Plan.objects.create(name="ceph", server_group=group, storage="ceph")
    here, elsewhere = _server("here"), _server("elsewhere")
    # Before the disks grow, after them but before the start, done, and a reinstall.
    chosen = list(COUNTS)
    ids = itertools.count()
    for state, plan, server, node in itertools.product(chosen, (local, ceph), (here, elsewhere), ("pve1", "pve2", "")):
        n = next(ids)
        Service.objects.create(
            billing_service_id=f"s{n}",
            client_ref="1",
            plan=plan,
            server=server,
            state=state,
            placed_on=node,
            placed_memory=(n + 1) * 2**30,
            placed_disk=(n + 1) * 10 * 2**30,
        )
    excluded = Service.objects.filter(server=here, placed_on="pve1", state=states.NEW).first()
    assert excluded is not None

    for storage, exclude in (("local-lvm", 0), ("ceph", excluded.pk), ("nowhere", 0)):
        expected = _expected(here, storage, exclude)
        assert expected, "the case counts something"
        assert any(need.disk for need in expected.values()) == (storage != "nowhere")
        assert in_flight(here, storage, exclude) == expected
    assert in_flight(_server("empty"), "local-lvm", 0) == {}
