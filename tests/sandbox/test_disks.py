"""Disk changes: resize, and config writes that allocate, detach and purge volumes."""

from typing import Any

import pytest


@pytest.fixture
def vm(sandbox_api):
    """VM 100 on pve1: a full clone of template 9000 (scsi0 3G on local-lvm)."""
    sandbox_api.task("POST", "/nodes/pve1/qemu/9000/clone", {"newid": 100, "name": "web"})
    return "/nodes/pve1/qemu/100"


def _volumes(sandbox_api: Any) -> dict[str, int]:
    return {v["volid"]: v["size"] for v in sandbox_api.get("/nodes/pve1/storage/local-lvm/content", {"vmid": 100})}


def test_resize_grows_the_disk_and_its_volume(sandbox_api, vm):
    task = sandbox_api.task("PUT", f"{vm}/resize", {"disk": "scsi0", "size": "+2G"})

    assert task["exitstatus"] == "OK"
    assert sandbox_api.get(f"{vm}/config")["scsi0"] == "local-lvm:vm-100-disk-0,iothread=1,size=5G"
    assert _volumes(sandbox_api)["local-lvm:vm-100-disk-0"] == 5 * 1024**3


def test_resize_refuses_to_shrink_a_disk(sandbox_api, vm):
    task = sandbox_api.task("PUT", f"{vm}/resize", {"disk": "scsi0", "size": "2G"})

    assert task["exitstatus"] == "shrinking disks is not supported"
    assert sandbox_api.get(f"{vm}/config")["scsi0"].endswith(",size=3G")


def test_resize_of_a_missing_disk_fails_in_the_task(sandbox_api, vm):
    task = sandbox_api.task("PUT", f"{vm}/resize", {"disk": "scsi5", "size": "+1G"})

    assert task["exitstatus"] == "disk 'scsi5' does not exist"


def test_config_write_allocates_a_new_volume(sandbox_api, vm):
    sandbox_api.data("PUT", f"{vm}/config", {"scsi1": "local-lvm:4,iothread=1"})

    assert sandbox_api.get(f"{vm}/config")["scsi1"] == "local-lvm:vm-100-disk-1,iothread=1,size=4G"
    assert _volumes(sandbox_api)["local-lvm:vm-100-disk-1"] == 4 * 1024**3


def test_config_write_on_a_storage_without_images_is_refused(sandbox_api, vm):
    response = sandbox_api.request("PUT", f"{vm}/config", {"scsi1": "backup:4"})

    assert response.status_code == 400
    assert "scsi1" not in sandbox_api.get(f"{vm}/config")


def test_deleting_a_disk_keeps_its_volume_as_unused(sandbox_api, vm):
    sandbox_api.data("PUT", f"{vm}/config", {"scsi1": "local-lvm:4"})

    sandbox_api.data("PUT", f"{vm}/config", {"delete": "scsi1"})

    config = sandbox_api.get(f"{vm}/config")
    assert "scsi1" not in config
    assert config["unused0"] == "local-lvm:vm-100-disk-1"
    assert "local-lvm:vm-100-disk-1" in _volumes(sandbox_api)


def test_deleting_an_unused_disk_purges_its_volume(sandbox_api, vm):
    sandbox_api.data("PUT", f"{vm}/config", {"scsi1": "local-lvm:4"})
    sandbox_api.data("PUT", f"{vm}/config", {"delete": "scsi1"})

    sandbox_api.data("PUT", f"{vm}/config", {"delete": "unused0"})

    assert "unused0" not in sandbox_api.get(f"{vm}/config")
    assert "local-lvm:vm-100-disk-1" not in _volumes(sandbox_api)


def test_deleting_a_disk_with_force_purges_its_volume(sandbox_api, vm):
    sandbox_api.data("PUT", f"{vm}/config", {"scsi1": "local-lvm:4"})

    sandbox_api.data("PUT", f"{vm}/config", {"delete": "scsi1", "force": 1})

    assert not any(key.startswith("unused") for key in sandbox_api.get(f"{vm}/config"))
    assert "local-lvm:vm-100-disk-1" not in _volumes(sandbox_api)


def test_a_clone_gets_its_own_cloudinit_volume(sandbox_api, vm):
    assert sandbox_api.get(f"{vm}/config")["ide2"] == "local-lvm:vm-100-cloudinit,media=cdrom"
    assert "local-lvm:vm-100-cloudinit" in _volumes(sandbox_api)
