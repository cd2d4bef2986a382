"""What placement counts against each node for services still being built: memory until their VM has started,
disk until it has grown its system disk, on the storage asked about, for the server asked about."""

from __future__ import annotations

import pytest

from proxvps.domain import states
from proxvps.inventory.models import Plan, Server, ServerGroup, Service
from proxvps.lifecycle.placement import Need, in_flight

pytestmark = pytest.mark.django_db

GIB = 2**30


def _server(name: str) -> Server:
    return Server.objects.create(
        name=name, url=f"https://{name}.example.com:8006", token_id="a@pam!t", token_secret="s"
    )


def _placed(plan: Plan, server: Server, state: str, node: str, memory_gib: int, disk_gib: int) -> Service:
    return Service.objects.create(
        billing_service_id=f"s{Service.objects.count()}",
        client_ref="1",
        plan=plan,
        server=server,
        state=state,
        placed_on=node,
        placed_memory=memory_gib * GIB,
        placed_disk=disk_gib * GIB,
    )


def test_placement_counts_what_other_workers_placed_and_proxmox_does_not_show_yet() -> None:
    group = ServerGroup.objects.create(name="g")
    local = Plan.objects.create(name="local", server_group=group, storage="local-lvm")
    ceph = Plan.objects.create(name="ceph", server_group=group, storage="ceph")
    here, elsewhere = _server("here"), _server("elsewhere")
    # On pve1: one just ordered, one migrated (disks not grown), one with its disk grown but not started, one ready.
    _placed(local, here, states.NEW, "pve1", 1, 10)
    _placed(local, here, states.MIGRATED, "pve1", 2, 20)
    _placed(local, here, states.SET_SYSTEM_DISK_SIZE, "pve1", 4, 40)
    _placed(local, here, states.READY, "pve1", 8, 80)
    # On pve2: a reinstall re-cloning (disks gone until regrown), and one on another storage (memory only).
    _placed(local, here, states.RI_CLONE, "pve2", 16, 160)
    _placed(ceph, here, states.CLONE, "pve2", 32, 320)
    # Not counted: not placed yet, and another server.
    _placed(local, here, states.NEW, "", 64, 640)
    _placed(local, elsewhere, states.NEW, "pve1", 128, 1280)

    assert in_flight(here, "local-lvm", exclude=0) == {
        "pve1": Need(memory=(1 + 2 + 4) * GIB, disk=(10 + 20) * GIB),
        "pve2": Need(memory=(16 + 32) * GIB, disk=160 * GIB),
    }
    assert in_flight(here, "ceph", exclude=0) == {
        "pve1": Need(memory=(1 + 2 + 4) * GIB, disk=0),
        "pve2": Need(memory=(16 + 32) * GIB, disk=320 * GIB),
    }


def test_the_service_being_placed_does_not_count_against_itself() -> None:
    plan = Plan.objects.create(name="p", server_group=ServerGroup.objects.create(name="g"), storage="local-lvm")
    server = _server("here")
    me = _placed(plan, server, states.CLONE, "pve1", 2, 20)
    _placed(plan, server, states.CLONE, "pve1", 1, 10)

    assert in_flight(server, "local-lvm", exclude=me.pk) == {"pve1": Need(memory=GIB, disk=10 * GIB)}
    assert in_flight(_server("empty"), "local-lvm", exclude=0) == {}
