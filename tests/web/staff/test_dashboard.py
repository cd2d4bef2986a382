"""The dashboard against the sandbox: node memory follows the VMs placed and stopped, pool counts follow the
allocations, failing services and the worker's tasks are shown from the database."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.test import Client

from proxvps.domain import states
from proxvps.ipam.models import Address, Pool
from proxvps.lifecycle.orders import order_service
from proxvps.lifecycle.power_actions import request_power
from tests.lifecycle.conftest import drive

pytestmark = pytest.mark.django_db


def _node_memory(browser: Client, node: str) -> int:
    cache.clear()  # the cluster read is cached 15 s: read it afresh
    panel = browser.get("/staff/live/clusters/").content.decode()
    found = re.search(rf'data-node="{node}" data-mem-used="(\d+)"', panel)
    assert found, panel
    return int(found.group(1))


def test_node_memory_use_follows_the_vms_placed_and_stopped(sandbox, plan, viewer: Client) -> None:
    before = {node: _node_memory(viewer, node) for node in ("pve1", "pve2", "pve3")}
    service = order_service(billing_service_id="9101", client_ref="9", plan=plan)
    drive(service)
    assert service.state == states.READY
    placed = _node_memory(viewer, service.node)
    assert placed - before[service.node] == plan.ram_mb * 1024 * 1024
    panel = viewer.get("/staff/live/clusters/").content.decode()
    assert re.search(rf'data-node="{service.node}"[^>]*>.*?data-vms="1" data-running="1"', panel, re.S)

    request_power(service, "stop")
    drive(service)
    assert _node_memory(viewer, service.node) == before[service.node]


def test_pool_counts_match_the_allocations(ready_vm, viewer: Client) -> None:
    page = viewer.get("/staff/").content.decode()
    for pool in Pool.objects.all():
        used = Address.objects.filter(pool=pool).count()
        assert used == 1
        row = re.search(rf'data-pool="{pool.name}" data-used="(\d+)" data-free="(\d+)"', page)
        assert row, page
        assert int(row.group(1)) == used
    v4 = re.search(r'data-pool="v4" data-used="\d+" data-free="(\d+)"', page)
    # 192.0.2.10-200 is 191 addresses; the pool's DNS server 192.0.2.53 is one of them and never handed out; one is
    # the service's.
    assert v4
    assert int(v4.group(1)) == 191 - 1 - 1


def test_a_failing_service_and_the_worker_tasks_are_on_the_dashboard(plan, viewer: Client) -> None:
    plan.storage = "nowhere"
    plan.save()
    service = order_service(billing_service_id="9102", client_ref="9", plan=plan)
    drive(service)
    page = viewer.get("/staff/").content.decode()
    assert f'data-failing="{service.billing_service_id}"' in page
    assert "Storage nowhere does not exist" in page
    assert 'data-task="processVirtualMachines"' in page
    assert 'id="worker-alive" data-alive="0"' in page  # no worker ran in this test
