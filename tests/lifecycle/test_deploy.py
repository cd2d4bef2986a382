"""Deploy against the sandbox: every template kind reaches ready, and the VM reads back as the plan says."""

from __future__ import annotations

import time

import pytest
from django.core import mail

from proxvps.domain import states
from proxvps.domain.disks import find_system_disk
from proxvps.domain.drives import PropertyString
from proxvps.domain.network import NetDevice
from proxvps.inventory.connect import client_for
from proxvps.inventory.models import ActionLog, Plan, Server, Template
from proxvps.ipam.allocation import addresses_of
from proxvps.lifecycle.orders import order_service
from proxvps.proxmox import VmResource
from tests.lifecycle.conftest import Recorder, drive

pytestmark = pytest.mark.django_db

TEMPLATE_KINDS = [9000, 9001, 9002, 9003, 9004, 9005, 9006, 9007, 9008, 9010]


def _order(plan: Plan, sid: str = "5546", **options: object):
    return order_service(
        billing_service_id=sid, client_ref="77", plan=plan, options=options, client_email="client@example.com"
    )


@pytest.mark.parametrize("template_vmid", TEMPLATE_KINDS)
def test_deploy_from_every_template_kind_reaches_ready_as_the_plan_says(
    cluster: Server, plan: Plan, template_vmid: int, django_capture_on_commit_callbacks
) -> None:
    plan.template = Template.objects.get(server=cluster, vmid=template_vmid)
    plan.save()
    with django_capture_on_commit_callbacks(execute=True):  # mails go out when the test's transaction would commit
        service = _order(plan)
        recorder = drive(service)
    assert service.state == states.READY, [(s.label, s.message) for s in recorder.steps]
    assert service.vmid is not None
    assert service.vmid < 9000

    with client_for(cluster) as client:
        config = client.vm_config(service.node, service.vmid)
        status = client.vm_status(service.node, service.vmid)
        options = client.firewall.options(service.node, service.vmid)
        ipset = {e.cidr for e in client.firewall.ipset_entries(service.node, service.vmid, "ipfilter-net0")}
    assert status.status == "running"
    assert (config["cores"], config["memory"]) == ("2", "2048")
    system = find_system_disk(config)
    assert system is not None
    assert system.options.get("size") == "20G"
    assert [system.options.get(k) for k in ("mbps_rd", "mbps_wr", "iops_rd", "iops_wr")] == ["100", "80", "1000", "800"]
    extra = [
        PropertyString.parse(v)
        for k, v in config.items()
        if k != system.key and k[:-1] in ("scsi", "sata", "ide", "virtio") and "size=5G" in v
    ]
    assert len(extra) == 1
    assert extra[0].get("mbps_rd") == "50"
    nic = NetDevice.parse(config["net0"])
    assert (nic.bridge, nic.tag, nic.rate, nic.firewall) == ("vmbr0", 20, 25.0, True)
    assert nic.macaddr
    ips = [a.ip for a in addresses_of(service)]
    assert ips == ["192.0.2.10", "2001:db8::10"]
    assert ipset == set(ips)
    assert options.enable is True
    assert options.policy_in == "DROP"
    assert options.log_level_in == "info"
    if template_vmid == 9010:
        assert "ipconfig0" not in config, "a template without cloud-init gets no cloud-init settings"
    else:
        assert config["ciuser"] == "root"
        assert config["ipconfig0"] == "ip=192.0.2.10/24,gw=192.0.2.1,ip6=2001:db8::10/64,gw6=2001:db8::1"
        assert config["nameserver"] == "192.0.2.53 2001:db8::53"
    ready = [m for m in mail.outbox if "is ready" in m.subject]
    assert len(ready) == 1
    assert "192.0.2.10" in ready[0].body
    assert service.password in ready[0].body


def test_every_step_is_in_the_action_log_with_its_states(cluster: Server, plan: Plan) -> None:
    service = _order(plan)
    drive(service)
    done = ActionLog.objects.filter(service=service).exclude(result="waiting")
    assert [(row.from_state, row.to_state) for row in done] == [
        ("new", "ip_allocated"),
        ("ip_allocated", "set_dns_records"),
        ("set_dns_records", "clone"),
        ("clone", "migrated"),
        ("migrated", "set_cpu_ram"),
        ("set_cpu_ram", "set_system_disk_size"),
        ("set_system_disk_size", "set_system_disk_bandwidth"),
        ("set_system_disk_bandwidth", "set_created_additional_disk"),
        ("set_created_additional_disk", "set_additional_disk_size"),
        ("set_additional_disk_size", "set_additional_disk_bandwidth"),
        ("set_additional_disk_bandwidth", "set_network"),
        ("set_network", "set_firewall"),
        ("set_firewall", "set_cloudinit"),
        ("set_cloudinit", "starting"),
        ("starting", "ready"),
    ]


def test_the_vm_moves_to_the_node_with_the_most_free_memory(sandbox, cluster: Server, plan: Plan) -> None:
    sandbox.call(lambda pve: pve.set_node_memory("pve3", 512 * 1024**3))
    service = _order(plan)
    drive(service)
    assert service.node == "pve3"
    with client_for(cluster) as client:
        config = client.vm_config("pve3", service.vmid)
    disk = find_system_disk(config)
    assert disk is not None
    assert disk.storage_id == "local-lvm"


def test_a_failing_migration_leaves_the_vm_on_the_template_node_and_the_deploy_goes_on(
    sandbox, cluster: Server, plan: Plan, settings
) -> None:
    settings.PROXVPS_MIGRATE_ATTEMPTS = 2
    sandbox.call(lambda pve: pve.fail("POST", "/nodes/{node}/qemu/{vmid}/migrate", 500, "migration aborted"))
    service = _order(plan)
    recorder = drive(service)
    for _retry in range(3):
        if service.state != states.CLONE:
            break
        recorder = drive(service, recorder)
    assert service.state == states.READY
    assert service.node == "pve1"
    assert "staying on pve1" in recorder.step_named("Migrate to target node").note


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"template_vmid": 9999}, "does not exist"),
        ({"template_vmid": 9009}, "is not a template"),
        ({"storage": "nowhere"}, "Storage nowhere does not exist"),
    ],
    ids=["missing-template", "not-a-template", "unknown-storage"],
)
def test_a_bad_plan_stops_in_error_with_the_reason_logged(
    cluster: Server, plan: Plan, change: dict[str, object], reason: str
) -> None:
    if "template_vmid" in change:
        vmid = int(change["template_vmid"])  # type: ignore[call-overload]
        plan.template = Template.objects.create(server=cluster, vmid=vmid, node="pve1", name=f"t{vmid}")
    else:
        plan.storage = str(change["storage"])
    plan.save()
    before = _vmids(cluster)
    service = _order(plan)
    drive(service)
    assert service.state == states.ERROR
    assert reason in service.last_error
    assert ActionLog.objects.filter(service=service, result="error", message__contains=reason).exists()
    assert _vmids(cluster) == before, "no VM was made"


def _vmids(cluster: Server) -> list[int]:
    """The VMIDs of every guest on the cluster, templates included."""
    with client_for(cluster) as client:
        return sorted(r.vmid for r in client.cluster_resources("vm") if isinstance(r, VmResource))


def _lose_the_task_id(service) -> None:
    """What a crash between starting a task and recording it leaves behind."""
    type(service).objects.filter(pk=service.pk).update(task_upid="")
    service.refresh_from_db()


def _vms_named(cluster: Server, name: str) -> list[object]:
    with client_for(cluster) as client:
        return [r for r in client.cluster_resources("vm") if getattr(r, "name", None) == name]


def test_a_clone_retried_after_a_crash_adopts_the_vm_it_made(cluster: Server, plan: Plan) -> None:
    service = _order(plan)
    drive(service, runs=1)
    assert service.state == states.DNS_SET
    assert service.task_upid, "the clone was started"
    vmid = service.vmid
    _lose_the_task_id(service)
    recorder = drive(service)
    assert service.state == states.READY
    assert service.vmid == vmid
    assert recorder.steps[0].note.startswith("adopted VM")
    assert len(_vms_named(cluster, service.vm_name)) == 1


def test_a_migration_retried_after_a_crash_does_not_move_the_vm_again(sandbox, cluster: Server, plan: Plan) -> None:
    sandbox.call(lambda pve: pve.set_node_memory("pve2", 512 * 1024**3))
    service = _order(plan)
    drive(service, runs=2)
    assert service.state == states.CLONE
    assert service.task_upid, "the migration was started"
    _lose_the_task_id(service)
    sandbox.call(lambda pve: pve.set_node_memory("pve3", 1024 * 1024**3))
    recorder = drive(service)
    assert service.state == states.READY
    assert service.node == "pve2"
    assert recorder.steps[0].note == "skip - already migrated to pve2"
    migrations = [r for r in sandbox.pve.requests if r[0] == "POST" and r[1].endswith(f"/{service.vmid}/migrate")]
    assert len(migrations) == 1


def test_the_action_log_is_readable_through_the_api(cluster: Server, plan: Plan, client) -> None:
    from proxvps.api.models import ApiToken, TokenScope

    service = _order(plan)
    drive(service)
    _row, token = ApiToken.issue("staff", TokenScope.STAFF_READ)
    answer = client.get(f"/api/v1/services/{service.pk}/log", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200
    rows = [r for r in answer.json() if r["result"] != "waiting"]
    assert rows[0]["from_state"] == "new"
    assert rows[-1]["to_state"] == "ready"
    assert all(isinstance(r["duration"], float) for r in rows)
    missing = client.get("/api/v1/services/999999/log", headers={"Authorization": f"Bearer {token}"})
    assert missing.status_code == 404
    assert missing.json()["error"] == "not_found"


def test_a_migration_past_its_timeout_is_stopped_and_the_vm_stays_on_the_template_node(
    sandbox, cluster: Server, plan: Plan, settings
) -> None:
    settings.PROXVPS_MIGRATE_ATTEMPTS = 1
    settings.PROXVPS_MIGRATE_TIMEOUT_SECONDS = 0.3
    sandbox.call(lambda pve: setattr(pve, "time_scale", 0.01))
    sandbox.call(lambda pve: setattr(pve, "migrate_secs", 10_000))
    service = _order(plan)
    recorder = Recorder()
    for _look in range(200):
        drive(service, recorder, runs=1)
        if service.state in (states.READY, states.ERROR):
            break
        time.sleep(0.02)
    assert service.state == states.READY, service.last_error
    assert service.node == "pve1"
    assert "timed out" in recorder.step_named("Migrate to target node").note
    stopped = sandbox.call(
        lambda pve: [t["exitstatus"] for t in pve.tasklog if t["type"] == "qmigrate" and t["status"] == "stopped"]
    )
    assert stopped == ["received interrupt"]
