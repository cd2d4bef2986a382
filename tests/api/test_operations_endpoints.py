"""Each lifecycle operation through the REST API against the sandbox: a client on its own service and staff on any,
the request queued, the worker driven, the effect read back from Proxmox through the API; and each refusal with
its status and sentence, nothing changed."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from proxvps.domain import states
from proxvps.domain.disks import find_system_disk
from proxvps.inventory.connect import client_for
from proxvps.inventory.models import BackupSchedule, OperationRequest, Plan, Server, Service, Template
from tests.api.conftest import Api
from tests.lifecycle.conftest import drive
from tests.lifecycle.vms import config_of
from tests.web.conftest import signed_in

pytestmark = pytest.mark.django_db

DEBIAN = "local:iso/Debian-12.5.0-amd64-netinst.iso"
UBUNTU_VIRTIO = 9003


class Browser:
    """The client's signed-in browser calling the client API with its CSRF token; (status, body) back."""

    def __init__(self, billing: Api, service_id: str) -> None:
        self.client: Client = signed_in(billing.client, billing.headers, service_id, csrf=True)
        self.client.get("/client/")
        self.headers = {"X-CSRFToken": self.client.cookies["csrftoken"].value}
        self.base = f"/api/v1/client/services/{service_id}"

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        kwargs: dict[str, Any] = {"headers": self.headers}
        if body is not None:
            kwargs.update(data=body, content_type="application/json")
        response = getattr(self.client, method)(self.base + path, **kwargs)
        return response.status_code, (response.json() if response.content else None)


@pytest.fixture
def browser(billing: Api, ready_vm: Service) -> Browser:
    return Browser(billing, ready_vm.billing_service_id)


def _requests(service: Service) -> int:
    return OperationRequest.objects.filter(service=service).count()


def _done(service: Service) -> None:
    drive(service)
    assert service.state == states.READY, service.last_error


# ---------------------------------------------------------------------------------------------------- snapshots


def _system_disk_key(service: Service) -> str:
    assert service.server is not None
    disk = find_system_disk(config_of(service.server, service))
    assert disk is not None
    return disk.key


def test_a_client_creates_rolls_back_and_deletes_a_snapshot(browser: Browser, ready_vm: Service, sandbox) -> None:
    disk = _system_disk_key(ready_vm)
    sandbox.write_disk(ready_vm.vmid, disk, "files before the upgrade")
    status, body = browser.call("post", "/snapshots", {"name": "before-upgrade", "description": "mine"})
    assert (status, body["state"], body["busy"]) == (200, states.SNAPSHOT_CREATE, True)
    _done(ready_vm)
    status, listed = browser.call("get", "/snapshots")
    assert status == 200
    assert [(s["name"], s["description"]) for s in listed] == [("before-upgrade", "mine")]
    assert listed[0]["created_at"]

    sandbox.write_disk(ready_vm.vmid, disk, "files after the upgrade")
    assert browser.call("post", "/snapshots/before-upgrade/rollback")[1]["state"] == states.SNAPSHOT_ROLLBACK
    _done(ready_vm)
    assert sandbox.read_disk(ready_vm.vmid, disk) == "files before the upgrade", "the disk is the snapshot's"
    assert browser.call("delete", "/snapshots/before-upgrade")[0] == 200
    _done(ready_vm)
    assert browser.call("get", "/snapshots") == (200, [])
    assert set(OperationRequest.objects.values_list("requested_by", flat=True)) >= {"client: 77"}


def test_a_snapshot_name_in_use_or_unknown_is_refused_with_nothing_changed(browser: Browser, ready_vm: Service) -> None:
    browser.call("post", "/snapshots", {"name": "base"})
    _done(ready_vm)
    before = _requests(ready_vm)

    status, body = browser.call("post", "/snapshots", {"name": "base"})
    assert (status, body["error"]) == (409, "conflict")
    assert body["detail"] == 'Service 5546 already has a snapshot named "base".'
    status, body = browser.call("post", "/snapshots/nope/rollback")
    assert (status, body["detail"]) == (409, 'Service 5546 has no snapshot named "nope".')
    assert _requests(ready_vm) == before
    assert [s["name"] for s in browser.call("get", "/snapshots")[1]] == ["base"]


# ------------------------------------------------------------------------------------------------------ backups


def test_a_client_makes_restores_and_deletes_a_backup(
    browser: Browser, ready_vm: Service, cluster: Server, sandbox
) -> None:
    disk = _system_disk_key(ready_vm)
    sandbox.write_disk(ready_vm.vmid, disk, "files at the backup")
    assert browser.call("post", "/backups")[1]["state"] == states.BACKUP_CREATE
    _done(ready_vm)
    sandbox.write_disk(ready_vm.vmid, disk, "files later")
    (backup,) = browser.call("get", "/backups")[1]
    assert backup["volid"].startswith(f"backup:backup/vzdump-qemu-{ready_vm.vmid}-")

    before = _requests(ready_vm)
    status, body = browser.call("post", "/backups/restore", {"volid": backup["volid"]})
    assert (status, body["detail"]) == (409, "The VM of service 5546 is running: stop it before restoring a backup.")
    assert _requests(ready_vm) == before

    browser.call("post", "/power", {"action": "stop"})
    drive(ready_vm)
    status, body = browser.call("post", "/backups/restore", {"volid": backup["volid"]})
    assert (status, body["state"]) == (200, states.BACKUP_RESTORE)
    _done(ready_vm)
    assert sandbox.read_disk(ready_vm.vmid, disk) == "files at the backup", "the disk is the archive's"
    with client_for(cluster) as client:
        assert client.vm_status(ready_vm.node, ready_vm.vmid or 0).status == "running"

    assert browser.call("post", "/backups/delete", {"volid": backup["volid"]})[0] == 200
    _done(ready_vm)
    assert browser.call("get", "/backups") == (200, [])


def test_a_backup_that_does_not_exist_is_refused(browser: Browser, ready_vm: Service) -> None:
    before = _requests(ready_vm)
    status, body = browser.call("post", "/backups/delete", {"volid": "backup:backup/none.vma.zst"})
    assert (status, body["detail"]) == (409, 'Service 5546 has no backup "backup:backup/none.vma.zst".')
    assert _requests(ready_vm) == before


def test_the_backup_schedule_is_set_read_and_removed(browser: Browser, ready_vm: Service) -> None:
    status, body = browser.call("put", "/backup-schedule", {"weekdays": [5, 1, 1]})
    assert status == 200
    assert body["weekdays"] == [1, 5]
    assert len(body["time_of_day"]) == 5
    assert browser.call("get", "/backup-schedule") == (200, body)
    assert BackupSchedule.objects.get(service=ready_vm).weekdays == "15"

    status, refused = browser.call("put", "/backup-schedule", {"weekdays": [8]})
    assert (status, refused["error"], list(refused["fields"])) == (422, "invalid", ["weekdays.0"])
    assert BackupSchedule.objects.get(service=ready_vm).weekdays == "15"

    assert browser.call("put", "/backup-schedule", {"weekdays": []})[1] == {"weekdays": [], "time_of_day": None}
    assert not BackupSchedule.objects.exists()


# --------------------------------------------------------------------------------------------- ISOs, reinstall


def test_a_client_lists_mounts_and_unmounts_an_iso(browser: Browser, ready_vm: Service, cluster: Server) -> None:
    Plan.objects.filter(pk=ready_vm.plan_id).update(iso_storage="local")
    status, grouped = browser.call("get", "/isos")
    assert status == 200
    assert grouped["Debian"] == [{"volid": DEBIAN, "name": "Debian-12.5.0-amd64-netinst.iso", "size": 658 * 1024**2}]
    assert "OTHER" in grouped

    assert browser.call("post", "/iso", {"volid": DEBIAN})[1]["state"] == states.MOUNT_ISO
    _done(ready_vm)
    with client_for(cluster) as client:
        mounted = client.vm_next_config(ready_vm.node, ready_vm.vmid or 0)
    assert any(DEBIAN in str(value) for value in mounted.values())

    assert browser.call("delete", "/iso")[0] == 200
    _done(ready_vm)
    with client_for(cluster) as client:
        unmounted = client.vm_next_config(ready_vm.node, ready_vm.vmid or 0)
    assert not any(DEBIAN in str(value) for value in unmounted.values())


def test_an_iso_outside_the_plans_storage_is_refused(browser: Browser, ready_vm: Service) -> None:
    Plan.objects.filter(pk=ready_vm.plan_id).update(iso_storage="local")
    status, body = browser.call("post", "/iso", {"volid": "backup:iso/evil.iso"})
    assert (status, body["detail"]) == (409, "backup:iso/evil.iso is not on the ISO storage local of plan VPS M.")
    assert not OperationRequest.objects.filter(operation="mount_iso").exists()


def test_a_client_reinstalls_from_a_template_the_plan_offers(
    browser: Browser, ready_vm: Service, cluster: Server
) -> None:
    status, offered = browser.call("get", "/templates")
    assert status == 200
    assert {t["vmid"] for t in offered} == set(cluster.templates.values_list("vmid", flat=True))
    ubuntu = Template.objects.get(vmid=UBUNTU_VIRTIO)

    refused = browser.call("post", "/reinstall", {"template": 999999})
    assert (refused[0], refused[1]["fields"]) == (422, {"template": "Unknown."})
    assert _requests(ready_vm) == 1  # the deploy's only

    assert browser.call("post", "/reinstall", {"template": ubuntu.pk})[1]["state"] == states.REINSTALL
    _done(ready_vm)
    assert ready_vm.template == ubuntu
    assert config_of(cluster, ready_vm)["description"] == "os=ubuntu-24.04"


# ----------------------------------------------------------------------------------------------------- firewall


def test_a_client_adds_moves_and_deletes_firewall_rules(browser: Browser, ready_vm: Service) -> None:
    for port in ("22", "80"):
        rule = {"direction": "in", "action": "ACCEPT", "protocol": "tcp", "dport": port}
        assert browser.call("post", "/firewall/rules", rule)[0] == 200
    listed = browser.call("get", "/firewall/rules")[1]
    assert [rule["dport"] for rule in listed["rules"]] == ["80", "22"]

    _status, moved = browser.call(
        "post", "/firewall/rules/move", {"source": 0, "target": 1, "digest": listed["digest"]}
    )
    assert [rule["dport"] for rule in moved["rules"]] == ["22", "80"]

    stale = browser.call("delete", f"/firewall/rules/0?digest={listed['digest']}")
    assert (stale[0], stale[1]["detail"]) == (
        409,
        "The firewall rules changed since they were shown: reload them and try again.",
    )
    _status, left = browser.call("delete", f"/firewall/rules/0?digest={moved['digest']}")
    assert [rule["dport"] for rule in left["rules"]] == ["80"]


def test_a_bad_rule_is_refused_naming_the_field(browser: Browser, ready_vm: Service) -> None:
    status, body = browser.call("post", "/firewall/rules", {"direction": "in", "action": "ACCEPT", "dport": "99999"})
    assert (status, body["error"], list(body["fields"])) == (422, "invalid", ["dport"])
    assert body["fields"]["dport"].startswith("Destination port")
    assert browser.call("get", "/firewall/rules")[1]["rules"] == []


def test_a_client_sets_a_firewall_policy(browser: Browser, ready_vm: Service) -> None:
    assert browser.call("get", "/firewall/policies") == (200, {"policy_in": "DROP", "policy_out": "ACCEPT"})
    status, body = browser.call("put", "/firewall/policies", {"direction": "out", "policy": "REJECT"})
    assert (status, body) == (200, {"policy_in": "DROP", "policy_out": "REJECT"})
    refused = browser.call("put", "/firewall/policies", {"direction": "up", "policy": "REJECT"})
    assert (refused[0], list(refused[1]["fields"])) == (422, ["direction"])
    assert browser.call("get", "/firewall/policies")[1]["policy_out"] == "REJECT"


def test_a_locked_service_refuses_every_operation(browser: Browser, ready_vm: Service) -> None:
    Service.objects.filter(pk=ready_vm.pk).update(state=states.SUSPENDED)
    for method, path, body in [
        ("get", "/snapshots", None),
        ("post", "/snapshots", {"name": "x"}),
        ("post", "/backups", {}),
        ("put", "/backup-schedule", {"weekdays": [1]}),
        ("post", "/firewall/rules", {"direction": "in", "action": "ACCEPT"}),
    ]:
        status, answer = browser.call(method, path, body)
        assert (status, answer["error"], answer["detail"]) == (403, "locked", "Service 5546 is Suspended."), path
    assert _requests(ready_vm) == 1
    assert not BackupSchedule.objects.exists()


# -------------------------------------------------------------------------------------------------------- staff


def test_staff_take_a_snapshot_of_any_service_and_read_it(staff_write: Api, staff_read: Api, ready_vm: Service) -> None:
    base = f"/api/v1/services/{ready_vm.pk}"
    status, body = staff_write.post(f"{base}/snapshots", {"name": "staff-made"})
    assert (status, body["id"], body["state"]) == (200, ready_vm.pk, states.SNAPSHOT_CREATE)
    _done(ready_vm)
    assert [s["name"] for s in staff_read.get(f"{base}/snapshots")[1]] == ["staff-made"]
    assert OperationRequest.objects.filter(requested_by="staff: test staff_write").exists()
    assert staff_read.post(f"{base}/snapshots", {"name": "other"})[0] == 403


def test_staff_mark_removed_then_delete_the_record(staff_write: Api, ready_vm: Service) -> None:
    base = f"/api/v1/services/{ready_vm.pk}"
    status, body = staff_write.delete(f"{base}/record")
    assert (status, body["error"]) == (409, "conflict")
    assert body["detail"].startswith("Only the record of a removed service")
    assert Service.objects.filter(pk=ready_vm.pk).exists()

    Service.objects.filter(pk=ready_vm.pk).update(state=states.ERROR_TERMINATE)
    status, body = staff_write.post(f"{base}/mark-removed")
    assert (status, body["state"], body["ipv4"]) == (200, states.REMOVE, [])
    assert staff_write.delete(f"{base}/record") == (204, None)
    assert not Service.objects.filter(pk=ready_vm.pk).exists()


def test_staff_retry_a_failed_terminate(staff_write: Api, ready_vm: Service, cluster: Server) -> None:
    Service.objects.filter(pk=ready_vm.pk).update(state=states.ERROR_TERMINATE)
    status, body = staff_write.post(f"/api/v1/services/{ready_vm.pk}/retry-terminate")
    assert (status, body["state"]) == (200, states.TERMINATE)
    drive(ready_vm)
    assert ready_vm.state == states.REMOVE
    with client_for(cluster) as client:
        assert ready_vm.vm_name not in {getattr(r, "name", None) for r in client.cluster_resources("vm")}


def test_staff_set_dns_records_runs_in_the_worker_and_is_refused_when_terminated(
    staff_write: Api, ready_vm: Service
) -> None:
    base = f"/api/v1/services/{ready_vm.pk}"
    status, body = staff_write.post(f"{base}/dns")
    assert (status, body["state"]) == (200, states.DNS_SYNC)
    _done(ready_vm)

    Service.objects.filter(pk=ready_vm.pk).update(state=states.REMOVE)
    before = _requests(ready_vm)
    status, body = staff_write.post(f"{base}/dns")
    assert (status, body["error"]) == (409, "conflict")
    assert _requests(ready_vm) == before


@pytest.mark.parametrize(
    ("method", "path", "pve_method", "pve_path"),
    [
        ("get", "/firewall/rules", "GET", "/nodes/{node}/qemu/{vmid}/firewall/rules"),
        ("post", "/firewall/rules", "POST", "/nodes/{node}/qemu/{vmid}/firewall/rules"),
        ("get", "/firewall/policies", "GET", "/nodes/{node}/qemu/{vmid}/firewall/options"),
    ],
)
def test_a_proxmox_failure_answers_in_the_error_shape(
    browser: Browser, ready_vm: Service, sandbox, method: str, path: str, pve_method: str, pve_path: str
) -> None:
    where = pve_path.format(node=ready_vm.node, vmid=ready_vm.vmid)
    sandbox.call(lambda pve: pve.fail(pve_method, where, 500, "pmxcfs not running"))
    body = {"direction": "in", "action": "ACCEPT", "protocol": "tcp", "dport": "22"} if method == "post" else None
    status, answer = browser.call(method, path, body)
    assert status == 502, answer
    assert answer["error"] == "proxmox"
    assert answer["detail"].startswith("Proxmox could not do this now: ")
    assert "pmxcfs not running" in answer["detail"]


def test_a_body_over_the_size_limit_answers_in_the_error_shape(browser: Browser, settings) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    status, answer = browser.call("post", "/firewall/rules", {"comment": "x" * 5000})
    assert status == 400, answer
    assert answer["error"] == "bad_request"
