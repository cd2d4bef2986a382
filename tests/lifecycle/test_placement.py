"""What placement counts against each node for services still being built, read with one aggregate query: held to
what the ORM's queryset of the same question gives, across states, storages, servers and the excluded service."""

from __future__ import annotations

import itertools

import pytest
from django.db.models import Q, Sum

from proxvps.domain import states
from proxvps.inventory.models import Plan, Server, ServerGroup, Service
from proxvps.lifecycle.placement import _BEFORE_DISKS, _BEFORE_START, Need, in_flight

pytestmark = pytest.mark.django_db


def _orm_in_flight(server: Server, storage: str, exclude: int) -> dict[str, Need]:
    placed = Service.objects.filter(server=server, state__in=_BEFORE_START).exclude(placed_on="").exclude(pk=exclude)
    rows = placed.values("placed_on").annotate(
        memory=Sum("placed_memory"),
        disk=Sum("placed_disk", filter=Q(state__in=_BEFORE_DISKS, plan__storage=storage)),
    )
    return {row["placed_on"]: Need(row["memory"] or 0, row["disk"] or 0) for row in rows}


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
    chosen = [states.NEW, states.MIGRATED, states.SET_SYSTEM_DISK_SIZE, states.SET_CLOUDINIT, states.READY]
    chosen.append(states.REINSTALL_STATES[0])
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
        expected = _orm_in_flight(here, storage, exclude)
        assert expected, "the case counts something"
        assert in_flight(here, storage, exclude) == expected
    assert in_flight(_server("empty"), "local-lvm", 0) == {}
