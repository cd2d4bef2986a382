"""The anti-spoofing IPSet `ipfilter-net0` holds exactly the VM's own addresses through changes of package, and
terminate's cleanup tells an IPSet that does not exist (fine) from a real API error (reported and logged)."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from proxvps.domain import states
from proxvps.inventory.connect import client_for
from proxvps.inventory.models import Plan, Server, Service
from proxvps.ipam.allocation import addresses_of
from proxvps.lifecycle.networking import IPSET, remove_firewall_objects
from proxvps.lifecycle.orders import order_service, request_change_package
from tests.lifecycle.conftest import drive

pytestmark = pytest.mark.django_db


@pytest.fixture
def ready(cluster: Server, plan: Plan) -> Service:
    service = order_service(billing_service_id="6201", client_ref="77", plan=plan)
    drive(service)
    assert service.state == states.READY
    return service


def ipset(cluster: Server, service: Service) -> set[str]:
    assert service.vmid is not None
    with client_for(cluster) as client:
        return {entry.cidr for entry in client.firewall.ipset_entries(service.node, service.vmid, IPSET)}


def ips(service: Service) -> set[str]:
    return {address.ip for address in addresses_of(service)}


def test_the_ipset_follows_the_addresses_up_and_down_a_change_of_package(cluster: Server, ready: Service) -> None:
    assert ipset(cluster, ready) == ips(ready) == {"192.0.2.10", "2001:db8::10"}

    request_change_package(ready, options={"IPv4 Addresses": 3, "IPv6 Addresses": 0})
    drive(ready)
    assert ready.state == states.READY
    assert ipset(cluster, ready) == ips(ready) == {"192.0.2.10", "192.0.2.11", "192.0.2.12"}

    request_change_package(ready, options={"IPv4 Addresses": 1, "IPv6 Addresses": 1})
    drive(ready)
    assert ready.state == states.READY
    assert ipset(cluster, ready) == ips(ready) == {"192.0.2.10", "2001:db8::10"}


def test_entries_changed_by_hand_are_put_right_on_the_next_change(cluster: Server, ready: Service) -> None:
    assert ready.vmid is not None
    with client_for(cluster) as client:
        fw = client.firewall
        fw.delete_ipset_entry(ready.node, ready.vmid, IPSET, "192.0.2.10")
        fw.delete_ipset_entry(ready.node, ready.vmid, IPSET, "2001:db8::10")
        fw.add_ipset_entry(ready.node, ready.vmid, IPSET, "2001:DB8:0::10")  # ours, spelt otherwise
        fw.add_ipset_entry(ready.node, ready.vmid, IPSET, "198.51.100.0/24")

    request_change_package(ready, options={})
    drive(ready)

    assert ready.state == states.READY
    assert ipset(cluster, ready) == ips(ready) == {"192.0.2.10", "2001:db8::10"}


def test_cleanup_deletes_the_ipset_with_its_entries(cluster: Server, ready: Service) -> None:
    assert ready.vmid is not None
    with client_for(cluster) as client:
        assert remove_firewall_objects(client, ready.node, ready.vmid) == []
        assert IPSET not in {s.name for s in client.firewall.ipsets(ready.node, ready.vmid)}


def test_cleanup_of_a_vm_without_an_ipset_is_fine_and_says_nothing(
    cluster: Server, ready: Service, caplog: pytest.LogCaptureFixture
) -> None:
    assert ready.vmid is not None
    with client_for(cluster) as client:
        client.firewall.delete_ipset(ready.node, ready.vmid, IPSET, force=True)
        with caplog.at_level(logging.WARNING):
            assert remove_firewall_objects(client, ready.node, ready.vmid) == []
            assert remove_firewall_objects(client, ready.node, 98765) == []  # no such VM either
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []


@pytest.mark.parametrize(
    ("status", "message"),
    [(500, "cfs-lock 'file-firewall' error: got lock request timeout"), (403, "Permission check failed")],
)
def test_cleanup_reports_and_logs_a_real_api_error(
    sandbox: Any, cluster: Server, ready: Service, caplog: pytest.LogCaptureFixture, status: int, message: str
) -> None:
    assert ready.vmid is not None
    path = f"/nodes/{ready.node}/qemu/{ready.vmid}/firewall/ipset/{IPSET}"
    sandbox.call(lambda pve: pve.fail("DELETE", path, status, message, times=1))

    with client_for(cluster) as client, caplog.at_level(logging.WARNING):
        problems = remove_firewall_objects(client, ready.node, ready.vmid)

    assert len(problems) == 1
    assert IPSET in problems[0]
    assert message in problems[0]
    assert [record.levelno for record in caplog.records] == [logging.WARNING]
    assert message in caplog.records[0].getMessage()
    assert ipset(cluster, ready) == ips(ready), "nothing was deleted"


def test_cleanup_reports_a_node_that_is_down(
    sandbox: Any, cluster: Server, ready: Service, caplog: pytest.LogCaptureFixture
) -> None:
    assert ready.vmid is not None
    sandbox.call(lambda pve: pve.set_node_offline(ready.node))

    with client_for(cluster) as client, caplog.at_level(logging.WARNING):
        problems = remove_firewall_objects(client, ready.node, ready.vmid)

    assert len(problems) == 1
    assert caplog.records
