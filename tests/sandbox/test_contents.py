"""Disk contents, as tests write and read them through the sandbox: a rollback and a restore bring back what the
disks held when the snapshot or the backup was taken; a migration carries it."""

import pytest


@pytest.fixture
def vm(sandbox_api):
    """VM 100 on pve1: a full clone of template 9000, its system disk at scsi0."""
    sandbox_api.task("POST", "/nodes/pve1/qemu/9000/clone", {"newid": 100, "name": "web"})
    return 100


def test_a_rollback_brings_back_what_the_disk_held_at_the_snapshot(sandbox, sandbox_api, vm):
    sandbox.write_disk(vm, "scsi0", "before the snapshot")
    assert sandbox_api.task("POST", f"/nodes/pve1/qemu/{vm}/snapshot", {"snapname": "base"})["exitstatus"] == "OK"
    sandbox.write_disk(vm, "scsi0", "after the snapshot")

    assert sandbox_api.task("POST", f"/nodes/pve1/qemu/{vm}/snapshot/base/rollback")["exitstatus"] == "OK"

    assert sandbox.read_disk(vm, "scsi0") == "before the snapshot"


def test_a_restore_brings_back_what_the_disk_held_at_the_backup(sandbox, sandbox_api, vm):
    sandbox.write_disk(vm, "scsi0", "before the backup")
    params = {"vmid": vm, "storage": "backup", "compress": "zstd"}
    assert sandbox_api.task("POST", "/nodes/pve1/vzdump", params)["exitstatus"] == "OK"
    (archive,) = sandbox_api.get("/nodes/pve1/storage/backup/content", {"vmid": vm})
    sandbox.write_disk(vm, "scsi0", "after the backup")

    restore = {"vmid": vm, "archive": archive["volid"], "force": 1}
    assert sandbox_api.task("POST", "/nodes/pve1/qemu", restore)["exitstatus"] == "OK"

    assert sandbox.read_disk(vm, "scsi0") == "before the backup"


def test_a_migrated_disk_keeps_what_it_held(sandbox, sandbox_api, vm):
    sandbox.write_disk(vm, "scsi0", "data")

    migrate = {"target": "pve2", "targetstorage": "local-lvm"}
    assert sandbox_api.task("POST", f"/nodes/pve1/qemu/{vm}/migrate", migrate)["exitstatus"] == "OK"

    assert sandbox.read_disk(vm, "scsi0") == "data"


def test_a_disk_nobody_wrote_holds_nothing_and_a_missing_disk_is_named(sandbox, vm):
    assert sandbox.read_disk(vm, "scsi0") is None
    with pytest.raises(LookupError, match="VM 100 has no disk volume at scsi9"):
        sandbox.read_disk(vm, "scsi9")
