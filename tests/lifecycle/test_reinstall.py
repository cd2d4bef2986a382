"""Reinstall against the sandbox: another OS into the same VMID with the same addresses, MAC and VLAN; snapshots
gone, backups kept, one ready mail; resumed after a failed clone, and after a crash in the delete or the clone
without a second VM; a template the plan does not offer refused with nothing changed."""

from __future__ import annotations

import pytest
from django.core import mail

from proxvps.domain import states
from proxvps.domain.disks import find_system_disk
from proxvps.domain.network import NetDevice
from proxvps.inventory.connect import client_for
from proxvps.inventory.models import ActionLog, Plan, Server, Service, Template
from proxvps.ipam.allocation import addresses_of
from proxvps.lifecycle.advance import advance
from proxvps.lifecycle.placement import in_flight, need_of
from proxvps.lifecycle.reinstall import request_reinstall
from proxvps.lifecycle.requests import OrderRefused
from tests.lifecycle.conftest import Recorder, drive
from tests.lifecycle.vms import config_of, database_state, deployed, status_of, writes

pytestmark = pytest.mark.django_db

UBUNTU_VIRTIO = 9003


@pytest.fixture
def ready(cluster: Server, plan: Plan) -> Service:
    return deployed(plan)


def _template(vmid: int) -> Template:
    return Template.objects.get(vmid=vmid)


def _nic(cluster: Server, service: Service) -> NetDevice:
    return NetDevice.parse(config_of(cluster, service)["net0"])


def _vms_named(cluster: Server, name: str) -> list[object]:
    with client_for(cluster) as client:
        return [r for r in client.cluster_resources("vm") if getattr(r, "name", None) == name]


def _clones(sandbox, template_vmid: int) -> int:
    return sum(1 for method, path in writes(sandbox) if method == "POST" and path.endswith(f"/{template_vmid}/clone"))


def _drive_until(service: Service, state: str, recorder: Recorder) -> None:
    """One run at a time until the service is in `state` with a task started there."""
    for _run in range(20):
        if service.state == state and service.task_upid:
            return
        drive(service, recorder, runs=1)
    raise AssertionError(f"never reached {state} with a task: {service.state}")


def _lose_the_task_id(service: Service) -> None:
    """What a crash between starting a task and recording it leaves behind."""
    Service.objects.filter(pk=service.pk).update(task_upid="")
    service.refresh_from_db()


def test_a_reinstall_to_another_os_keeps_vmid_addresses_mac_and_vlan(
    sandbox, sandbox_api, cluster: Server, ready: Service, django_capture_on_commit_callbacks
) -> None:
    node, vmid = ready.node, ready.vmid or 0
    sandbox_api.task("POST", f"/nodes/{node}/qemu/{vmid}/snapshot", {"snapname": "before"})
    backup = sandbox_api.task("POST", f"/nodes/{node}/vzdump", {"vmid": vmid, "storage": "backup"})
    assert backup["exitstatus"] == "OK"
    nic_before = _nic(cluster, ready)
    ips_before = [a.ip for a in addresses_of(ready)]
    ipconfig_before = config_of(cluster, ready)["ipconfig0"]
    mail.outbox.clear()

    request_reinstall(ready, _template(UBUNTU_VIRTIO))
    with django_capture_on_commit_callbacks(execute=True):
        recorder = drive(ready)

    assert ready.state == states.READY, ready.last_error
    assert ready.vmid == vmid
    assert ready.template == _template(UBUNTU_VIRTIO)
    config = config_of(cluster, ready)
    assert config["description"] == "os=ubuntu-24.04", "cloned from the template picked"
    system = find_system_disk(config)
    assert system is not None
    assert (system.key, system.options.get("size")) == ("virtio0", "20G")
    nic = NetDevice.parse(config["net0"])
    assert nic.macaddr == nic_before.macaddr
    assert (nic.tag, nic.bridge) == (nic_before.tag, nic_before.bridge) == (20, "vmbr0")
    assert [a.ip for a in addresses_of(ready)] == ips_before
    assert config["ipconfig0"] == ipconfig_before
    assert status_of(cluster, ready) == "running"
    with client_for(cluster) as client:
        assert client.snapshots(ready.node, vmid) == []
        archives = client.storage_content(ready.node, "backup", content="backup", vmid=vmid)
        ipset = {e.cidr for e in client.firewall.ipset_entries(ready.node, vmid, "ipfilter-net0")}
    assert len(archives) == 1, "the backup made before the reinstall is kept"
    assert ipset == set(ips_before)
    assert ("DELETE", f"/api2/json/nodes/{node}/qemu/{vmid}/snapshot/before") in writes(sandbox)
    ready_mails = [m for m in mail.outbox if "is ready" in m.subject]
    assert len(ready_mails) == 1
    assert ips_before[0] in ready_mails[0].body
    assert ready.password in ready_mails[0].body
    assert len(_vms_named(cluster, ready.vm_name)) == 1
    labels = [s.label for s in recorder.steps if s.result != "waiting"]
    assert labels[:3] == ["Stop VM", "Delete snapshots", "Remove VM"]
    assert labels[labels.index("Set CPU & RAM") + 1 : labels.index("Set CPU & RAM") + 3] == [
        "Delete DNS records",
        "Set DNS records",
    ]
    assert labels[-1] == "Verify running + Email"


def test_every_reinstall_step_is_in_the_action_log_with_its_states(ready: Service) -> None:
    request_reinstall(ready)
    drive(ready)
    rows = ActionLog.objects.filter(service=ready, operation="reinstall").exclude(result="waiting")
    assert [(row.from_state, row.to_state) for row in rows] == [
        ("ready", "reinstall"),
        ("reinstall", "ri_stop"),
        ("ri_stop", "ri_delete_snapshots"),
        ("ri_delete_snapshots", "ri_delete_vm"),
        ("ri_delete_vm", "ri_clone"),
        ("ri_clone", "ri_migrated"),
        ("ri_migrated", "ri_cpu_ram"),
        ("ri_cpu_ram", "ri_delete_dns_records"),
        ("ri_delete_dns_records", "ri_set_dns_records"),
        ("ri_set_dns_records", "ri_system_disk_size"),
        ("ri_system_disk_size", "ri_system_disk_bandwidth"),
        ("ri_system_disk_bandwidth", "ri_additional_disk"),
        ("ri_additional_disk", "ri_additional_disk_size"),
        ("ri_additional_disk_size", "ri_additional_disk_bandwidth"),
        ("ri_additional_disk_bandwidth", "ri_network"),
        ("ri_network", "ri_firewall"),
        ("ri_firewall", "ri_cloudinit"),
        ("ri_cloudinit", "ri_start"),
        ("ri_start", "ready"),
    ]


def test_a_reinstall_moves_the_vm_back_to_the_node_it_was_on(sandbox, cluster: Server, plan: Plan) -> None:
    sandbox.call(lambda pve: pve.set_node_memory("pve3", 512 * 1024**3))
    service = deployed(plan)
    assert service.node == "pve3"

    request_reinstall(service)
    recorder = drive(service)

    assert service.state == states.READY
    assert service.node == "pve3"
    assert recorder.step_named("Migrate to target node").result == "success"


@pytest.mark.parametrize(
    ("state", "disk_counts"),
    [(states.RI_DELETE_VM, True), (states.RI_CPU_RAM, True), (states.RI_SYSTEM_DISK_SIZE, False)],
)
def test_a_vm_being_reinstalled_counts_against_its_node_until_it_runs(
    plan: Plan, ready: Service, state: str, disk_counts: bool
) -> None:
    """Its old VM is gone from Proxmox's figures and the new one does not run yet: other placements must count it."""
    Service.objects.filter(pk=ready.pk).update(state=state)
    need = need_of(ready)
    assert ready.server is not None

    busy = in_flight(ready.server, plan.storage, exclude=0)

    assert busy[ready.placed_on].memory == need.memory
    assert busy[ready.placed_on].disk == (need.disk if disk_counts else 0)


def test_a_reinstall_resumes_after_a_failed_clone_into_the_same_vmid(sandbox, cluster: Server, ready: Service) -> None:
    vmid, mac = ready.vmid, _nic(cluster, ready).macaddr
    sandbox.call(lambda pve: pve.fail("POST", "/nodes/{node}/qemu/{vmid}/clone", 500, "storage busy", times=1))
    request_reinstall(ready, _template(UBUNTU_VIRTIO))

    recorder = drive(ready)

    failed = recorder.steps[-1]
    assert (failed.label, failed.result) == ("Clone from template", "error")
    assert "storage busy" in failed.message
    assert recorder.reports[-1].outcome == "paused"
    assert ready.state == states.RI_DELETE_VM
    assert _vms_named(cluster, ready.vm_name) == [], "the old VM is gone, the new one not made yet"

    again = drive(ready, Recorder())

    assert ready.state == states.READY, ready.last_error
    assert again.steps[0].label == "Clone from template"
    assert ready.vmid == vmid
    assert _nic(cluster, ready).macaddr == mac
    assert len(_vms_named(cluster, ready.vm_name)) == 1


def test_a_clone_whose_task_id_a_crash_lost_is_adopted_not_made_twice(sandbox, cluster: Server, ready: Service) -> None:
    request_reinstall(ready, _template(UBUNTU_VIRTIO))
    recorder = Recorder()
    _drive_until(ready, states.RI_DELETE_VM, recorder)
    _lose_the_task_id(ready)

    drive(ready, recorder)

    assert ready.state == states.READY, ready.last_error
    assert recorder.step_named("Clone from template").note.startswith("adopted VM")
    assert _clones(sandbox, UBUNTU_VIRTIO) == 1
    assert len(_vms_named(cluster, ready.vm_name)) == 1


def test_a_delete_whose_task_id_a_crash_lost_is_not_repeated(sandbox, cluster: Server, ready: Service) -> None:
    vmid, mac = ready.vmid, _nic(cluster, ready).macaddr
    request_reinstall(ready)
    recorder = Recorder()
    _drive_until(ready, states.RI_DELETE_SNAPSHOTS, recorder)
    _lose_the_task_id(ready)

    drive(ready, recorder)

    assert ready.state == states.READY, ready.last_error
    assert recorder.step_named("Remove VM").note == "skip - already removed"
    assert ready.vmid == vmid
    assert _nic(cluster, ready).macaddr == mac, "the MAC was kept before the VM was removed"


def test_a_vm_of_another_name_in_the_vmid_is_left_alone(sandbox, cluster: Server, ready: Service) -> None:
    vmid = ready.vmid
    sandbox.call(lambda pve: setattr(pve.vm(vmid), "name", "someone-else"))
    request_reinstall(ready)

    drive(ready)

    assert ready.state == states.ERROR
    assert ready.last_error == f"VM {vmid} is someone-else, not this service's {ready.vm_name}; it is left alone."
    assert _vms_named(cluster, "someone-else")
    assert status_of(cluster, ready) == "running", "not even stopped"


def test_a_reinstall_rebuilds_a_vm_in_error_that_was_removed_by_hand(sandbox_api, cluster: Server, ready) -> None:
    vmid = ready.vmid
    sandbox_api.task("POST", f"/nodes/{ready.node}/qemu/{vmid}/status/stop")
    sandbox_api.task("DELETE", f"/nodes/{ready.node}/qemu/{vmid}")
    advance(
        ready,
        owner=None,
        operation="deploy",
        step="test",
        to_state=states.ERROR,
        result="error",
        message="VM lost",
        started_at=ready.created_at,
        duration=0,
    )

    request_reinstall(ready)
    recorder = drive(ready)

    assert ready.state == states.READY, ready.last_error
    assert ready.vmid == vmid
    missing = f"skip - VM {vmid} does not exist"
    assert [recorder.step_named(label).note for label in ("Stop VM", "Delete snapshots")] == [missing, missing]
    assert recorder.step_named("Remove VM").note == "skip - already removed"
    assert status_of(cluster, ready) == "running"


def test_a_template_the_plan_does_not_offer_is_refused_and_nothing_changes(
    sandbox, cluster: Server, plan: Plan, ready: Service
) -> None:
    plan.templates.set(Template.objects.filter(vmid__in=(9000, 9001)))
    before, sent = database_state(ready), len(writes(sandbox))

    with pytest.raises(OrderRefused, match=r"Plan VPS M does not offer the operating system .*9003"):
        request_reinstall(ready, _template(UBUNTU_VIRTIO))

    assert database_state(ready) == before
    assert len(writes(sandbox)) == sent


def test_a_template_on_another_cluster_is_refused_and_nothing_changes(
    sandbox, cluster: Server, plan: Plan, ready: Service
) -> None:
    other = Server.objects.create(name="other", url="https://pve.example.com:8006", token_id="root@pam!x")
    elsewhere = Template.objects.create(server=other, vmid=9003, node="pve1", name="ubuntu")
    plan.templates.add(elsewhere)
    before, sent = database_state(ready), len(writes(sandbox))

    with pytest.raises(OrderRefused, match="is not on the cluster of service 5546"):
        request_reinstall(ready, elsewhere)

    assert database_state(ready) == before
    assert len(writes(sandbox)) == sent
