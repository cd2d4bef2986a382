"""vzdump archives and restoring from them."""

from typing import Any

import pytest


@pytest.fixture
def vm(sandbox_api):
    """VM 100 on pve1: a full clone of template 9000."""
    sandbox_api.task("POST", "/nodes/pve1/qemu/9000/clone", {"newid": 100, "name": "web"})
    return 100


def _backup(sandbox_api: Any, vmid: int) -> str:
    """Back the VM up to the `backup` storage; the archive's volume id."""
    params = {"vmid": vmid, "storage": "backup", "mode": "snapshot", "compress": "zstd"}
    assert sandbox_api.task("POST", "/nodes/pve1/vzdump", params)["exitstatus"] == "OK"
    (archive,) = sandbox_api.get("/nodes/pve1/storage/backup/content", {"vmid": vmid})
    return str(archive["volid"])


def test_vzdump_locks_the_vm_while_it_runs_then_adds_the_archive(sandbox, sandbox_api, vm):
    hold = sandbox.hold("vzdump", vmid=vm)
    upid = sandbox_api.data("POST", "/nodes/pve1/vzdump", {"vmid": vm, "storage": "backup", "compress": "zstd"})
    assert sandbox.wait_until_held(hold) == upid

    assert sandbox_api.get(f"/nodes/pve1/tasks/{upid}/status")["status"] == "running"
    assert sandbox_api.get(f"/nodes/pve1/qemu/{vm}/status/current")["lock"] == "backup"
    assert sandbox_api.get("/nodes/pve1/storage/backup/content", {"vmid": vm}) == [], "no archive before the end"

    sandbox.release(hold)
    assert sandbox_api.wait(upid)["exitstatus"] == "OK"
    assert "lock" not in sandbox_api.get(f"/nodes/pve1/qemu/{vm}/config")
    (archive,) = sandbox_api.get("/nodes/pve1/storage/backup/content", {"vmid": vm})
    assert archive["volid"].startswith(f"backup:backup/vzdump-qemu-{vm}-")
    assert archive["volid"].endswith(".vma.zst")


def test_vzdump_archive_carries_the_rendered_notes(sandbox_api, vm):
    params = {"vmid": vm, "storage": "backup", "notes-template": "{{guestname}} ({{vmid}})"}

    sandbox_api.task("POST", "/nodes/pve1/vzdump", params)

    (archive,) = sandbox_api.get("/nodes/pve1/storage/backup/content", {"vmid": vm})
    assert archive["notes"] == "web (100)"


def test_backup_archive_can_be_deleted(sandbox_api, vm):
    archive = _backup(sandbox_api, vm)

    sandbox_api.task("DELETE", f"/nodes/pve1/storage/backup/content/{archive}")

    assert sandbox_api.get("/nodes/pve1/storage/backup/content", {"vmid": vm}) == []


def test_restore_with_force_replaces_config_and_disks(sandbox_api, vm):
    archive = _backup(sandbox_api, vm)
    sandbox_api.data("PUT", f"/nodes/pve1/qemu/{vm}/config", {"name": "changed", "scsi1": "local-lvm:2"})

    task = sandbox_api.task("POST", "/nodes/pve1/qemu", {"vmid": vm, "archive": archive, "force": 1})

    assert task["exitstatus"] == "OK"
    config = sandbox_api.get(f"/nodes/pve1/qemu/{vm}/config")
    assert config["name"] == "web"
    assert "scsi1" not in config
    assert "lock" not in config
    volumes = sorted(v["volid"] for v in sandbox_api.get("/nodes/pve1/storage/local-lvm/content", {"vmid": vm}))
    assert volumes == ["local-lvm:vm-100-cloudinit", "local-lvm:vm-100-disk-0"]


def test_restore_over_an_existing_vm_needs_force(sandbox_api, vm):
    archive = _backup(sandbox_api, vm)

    response = sandbox_api.request("POST", "/nodes/pve1/qemu", {"vmid": vm, "archive": archive})

    assert response.status_code == 500
    assert response.json()["message"] == "unable to restore VM 100 - VM 100 already exists on node 'pve1'\n"


def test_restore_onto_a_running_vm_fails(sandbox_api, vm):
    archive = _backup(sandbox_api, vm)
    sandbox_api.task("POST", f"/nodes/pve1/qemu/{vm}/status/start")

    task = sandbox_api.task("POST", "/nodes/pve1/qemu", {"vmid": vm, "archive": archive, "force": 1})

    assert task["exitstatus"] == "unable to restore VM 100 - vm is running"
    assert sandbox_api.get(f"/nodes/pve1/qemu/{vm}/status/current")["status"] == "running"


def test_restore_of_an_unknown_archive_fails(sandbox_api, vm):
    missing = "backup:backup/vzdump-qemu-100-2020_01_01-00_00_00.vma.zst"

    response = sandbox_api.request("POST", "/nodes/pve1/qemu", {"vmid": vm, "archive": missing, "force": 1})

    assert response.status_code == 500
    assert response.json()["message"] == f"can't find file '{missing}'\n"
