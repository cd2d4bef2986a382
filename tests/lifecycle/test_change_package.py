"""Change package against the sandbox: upgrades applied, shrinks refused without a stop, additional disk 0 purged,
unchanged parts skipped, and a failed start resumed from where it stopped."""

from __future__ import annotations

import pytest

from proxvps.domain import states
from proxvps.domain.disks import find_system_disk
from proxvps.inventory.connect import client_for
from proxvps.inventory.models import Plan, Server, Service
from proxvps.lifecycle.orders import order_service, request_change_package
from proxvps.lifecycle.requests import OrderRefused
from proxvps.proxmox import VmConfig
from tests.lifecycle.conftest import Recorder, drive

pytestmark = pytest.mark.django_db


@pytest.fixture
def ready(cluster: Server, plan: Plan) -> Service:
    service = order_service(billing_service_id="5546", client_ref="77", plan=plan)
    drive(service)
    assert service.state == states.READY
    return service


def _config(cluster: Server, service: Service) -> VmConfig:
    assert service.vmid is not None
    with client_for(cluster) as client:
        return client.vm_config(service.node, service.vmid)


def _system_size(config: VmConfig) -> str | None:
    disk = find_system_disk(config)
    assert disk is not None
    return disk.options.get("size")


def _power_requests(sandbox, service: Service) -> list[str]:
    return [
        path
        for method, path, _body in sandbox.pve.requests
        if method == "POST" and f"/qemu/{service.vmid}/status/" in path and not path.endswith("/start")
    ]


def test_an_upgrade_of_cpu_ram_and_disk_is_applied(cluster: Server, ready: Service) -> None:
    request_change_package(ready, options={"CPU Cores": 4, "RAM": 4096, "System Disk": 30})
    recorder = drive(ready)
    assert ready.state == states.READY
    config = _config(cluster, ready)
    assert (config["cores"], config["memory"]) == ("4", "4096")
    assert _system_size(config) == "30G"
    assert recorder.step_named("Stop VM").result == "success"
    with client_for(cluster) as client:
        assert client.vm_status(ready.node, ready.vmid or 0).status == "running"


def test_a_disk_downgrade_is_skipped_and_the_vm_is_not_stopped(sandbox, cluster: Server, ready: Service) -> None:
    before = len(_power_requests(sandbox, ready))
    request_change_package(ready, options={"System Disk": 10})
    recorder = drive(ready)
    assert ready.state == states.READY
    assert recorder.step_named("Resize system disk").note == "skip - shrink not allowed by Proxmox"
    assert recorder.step_named("Stop VM").note == "skip - no change"
    assert len(_power_requests(sandbox, ready)) == before
    assert _system_size(_config(cluster, ready)) == "20G"


def test_additional_disk_zero_deletes_and_purges_the_volume(sandbox, cluster: Server, ready: Service) -> None:
    config = _config(cluster, ready)
    extra = next(v.split(",")[0] for k, v in config.items() if k != "scsi0" and "size=5G" in v)
    with client_for(cluster) as client:
        assert extra in {v.volid for v in client.storage_content(ready.node, "local-lvm")}
    request_change_package(ready, options={"Additional Disk": 0})
    recorder = drive(ready)
    assert ready.state == states.READY
    assert "deleted" in recorder.step_named("Additional disk").note
    config = _config(cluster, ready)
    assert not any(extra in str(value) for value in config.values()), "neither attached nor left as unusedN"
    with client_for(cluster) as client:
        assert extra not in {v.volid for v in client.storage_content(ready.node, "local-lvm")}


def test_an_unchanged_network_is_skipped(ready: Service) -> None:
    request_change_package(ready, options={"CPU Cores": 3})
    recorder = drive(ready)
    assert recorder.step_named("Configure network").note == "skip - no change"
    assert recorder.step_named("Configure network").result == "skipped"


def test_a_start_that_fails_pauses_and_the_next_pass_resumes_from_there(sandbox, ready: Service) -> None:
    vmid = ready.vmid
    sandbox.call(lambda pve: setattr(pve.vm(vmid), "start_error", "start failed: QEMU exited with code 1"))
    request_change_package(ready, options={"RAM": 3072})
    recorder = drive(ready)
    failed = recorder.steps[-1]
    assert (failed.label, failed.result) == ("Start VM", "error")
    assert failed.message == "VM failed to start (status: stopped): start failed: QEMU exited with code 1. Will retry."
    assert (failed.from_state, failed.to_state) == (states.CP_FIREWALL, states.CP_FIREWALL)
    assert recorder.reports[-1].outcome == "paused"
    assert ready.state == states.CP_FIREWALL

    sandbox.call(lambda pve: setattr(pve.vm(vmid), "start_error", None))
    again = drive(ready, Recorder())
    assert [s.label for s in again.steps if s.result != "waiting"] == ["Start VM", "Verify running"]
    assert ready.state == states.READY


@pytest.mark.parametrize(
    ("options", "named"),
    [({"RAM": "lots"}, "RAM"), ({"Disk Colour": "blue"}, "Disk Colour"), ({"CPU Cores": 0}, "CPU Cores")],
    ids=["malformed", "unknown", "out-of-range"],
)
def test_a_bad_option_is_refused_naming_it_and_nothing_changes(
    ready: Service, options: dict[str, object], named: str
) -> None:
    with pytest.raises(OrderRefused, match=named):
        request_change_package(ready, options=options)
    ready.refresh_from_db()
    assert ready.state == states.READY
    assert ready.options == {}
