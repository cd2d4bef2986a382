"""VMID reservation: the lowest id that neither Proxmox nor another service uses, found by reading a window of ids
at a time, however many VMs the server already has."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from proxvps.inventory.models import Plan, Server, Service
from proxvps.lifecycle.context import StepContext
from proxvps.lifecycle.passes import PassContext
from proxvps.lifecycle.vmids import WINDOW, first_vmid, reserve_vmid

pytestmark = pytest.mark.django_db


def _service(plan: Plan, cluster: Server, sid: str, vmid: int | None = None) -> Service:
    return Service.objects.create(billing_service_id=sid, client_ref="1", plan=plan, server=cluster, vmid=vmid)


def test_the_lowest_id_free_on_proxmox_and_in_the_database_is_reserved_past_a_full_window(
    plan: Plan, cluster: Server
) -> None:
    with PassContext() as run:
        on_proxmox = set(run.snapshot(cluster).vms)
        # Reserve more than a window's worth of the lowest ids Proxmox leaves free, but one.
        free_on_proxmox = [vmid for vmid in range(first_vmid(), first_vmid() + 10 * WINDOW) if vmid not in on_proxmox]
        gap = free_on_proxmox[WINDOW + 3]
        for n, vmid in enumerate(free_on_proxmox[: WINDOW + 6]):
            if vmid != gap:
                _service(plan, cluster, f"r{n}", vmid)
        service = _service(plan, cluster, "new")

        with CaptureQueriesContext(connection) as queries:
            vmid = reserve_vmid(StepContext(service, None, run))

    assert vmid == gap
    assert Service.objects.get(pk=service.pk).vmid == gap
    reads = [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().upper().startswith("SELECT")]
    assert len(reads) == 2, "two windows read, not every reserved id"


def test_a_service_that_has_a_vmid_keeps_it(plan: Plan, cluster: Server) -> None:
    service = _service(plan, cluster, "kept", 4242)
    with PassContext() as run:
        assert reserve_vmid(StepContext(service, None, run)) == 4242


def test_an_id_freed_by_a_service_is_reserved_again(plan: Plan, cluster: Server) -> None:
    with PassContext() as run:
        for n in range(WINDOW + 4):
            reserve_vmid(StepContext(_service(plan, cluster, f"r{n}"), None, run))

    reserved = sorted(vmid for vmid in Service.objects.values_list("vmid", flat=True) if vmid is not None)
    assert len(set(reserved)) == WINDOW + 4
    freed = reserved[3]
    Service.objects.filter(vmid=freed).update(vmid=None)
    with PassContext() as run:
        assert reserve_vmid(StepContext(_service(plan, cluster, "again"), None, run)) == freed
