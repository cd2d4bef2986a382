"""Migration between nodes: the VM and its local volumes move, shared ones stay, PVE's refusals."""

from typing import Any

import pytest


@pytest.fixture
def clone(sandbox_api):
    """VM 100: a full clone of template 9000 on pve1, with its disk and cloud-init drive on local-lvm."""
    sandbox_api.task("POST", "/nodes/pve1/qemu/9000/clone", {"newid": 100, "name": "web"})
    return 100


def _volids(sandbox_api: Any, node: str, storage: str, vmid: int) -> list[str]:
    return sorted(v["volid"] for v in sandbox_api.get(f"/nodes/{node}/storage/{storage}/content", {"vmid": vmid}))


def test_migrate_moves_the_vm_and_its_volumes_to_the_target_storage(sandbox_api, clone):
    task = sandbox_api.task(
        "POST", f"/nodes/pve1/qemu/{clone}/migrate", {"target": "pve2", "targetstorage": "fast.ssd"}
    )

    assert task["exitstatus"] == "OK"
    config = sandbox_api.get(f"/nodes/pve2/qemu/{clone}/config")
    assert config["scsi0"] == "fast.ssd:vm-100-disk-0,iothread=1,size=3G"
    assert config["ide2"] == "fast.ssd:vm-100-cloudinit,media=cdrom"
    assert _volids(sandbox_api, "pve2", "fast.ssd", clone) == [
        "fast.ssd:vm-100-cloudinit",
        "fast.ssd:vm-100-disk-0",
    ]
    assert _volids(sandbox_api, "pve1", "local-lvm", clone) == []
    assert _volids(sandbox_api, "pve1", "fast.ssd", clone) == []


def test_migrate_without_targetstorage_keeps_the_storage_on_the_new_node(sandbox_api, clone):
    sandbox_api.task("POST", f"/nodes/pve1/qemu/{clone}/migrate", {"target": "pve3"})

    assert [r["node"] for r in sandbox_api.get("/cluster/resources", {"type": "vm"}) if r["vmid"] == clone] == ["pve3"]
    assert _volids(sandbox_api, "pve3", "local-lvm", clone) == [
        "local-lvm:vm-100-cloudinit",
        "local-lvm:vm-100-disk-0",
    ]
    assert _volids(sandbox_api, "pve1", "local-lvm", clone) == []


def test_migrate_leaves_volumes_on_shared_storage_in_place(sandbox_api):
    sandbox_api.task("POST", "/nodes/pve1/qemu/9008/clone", {"newid": 101, "name": "qcow", "full": 1})

    sandbox_api.task("POST", "/nodes/pve1/qemu/101/migrate", {"target": "pve2", "targetstorage": "local-lvm"})

    config = sandbox_api.get("/nodes/pve2/qemu/101/config")
    assert config["scsi0"].startswith("nfs.qcow2:101/vm-101-disk-0.qcow2,")


def test_migrate_refuses_a_running_vm_without_online(sandbox_api, clone):
    sandbox_api.task("POST", f"/nodes/pve1/qemu/{clone}/status/start")

    response = sandbox_api.request("POST", f"/nodes/pve1/qemu/{clone}/migrate", {"target": "pve2"})

    assert response.status_code == 500
    assert response.json()["message"] == "can't migrate running VM without --online\n"


def test_migrate_to_an_offline_node_fails_in_the_task(sandbox, sandbox_api, clone):
    sandbox.call(lambda pve: pve.set_node_offline("pve2"))

    task = sandbox_api.task("POST", f"/nodes/pve1/qemu/{clone}/migrate", {"target": "pve2"})

    assert task["exitstatus"] == "migration aborted"
    assert any("Can't connect to destination address using public key" in line for line in task["log"])
    assert sandbox_api.get(f"/nodes/pve1/qemu/{clone}/config")["scsi0"].startswith("local-lvm:vm-100-disk-0,")


def test_migrate_refuses_a_target_storage_without_images(sandbox_api, clone):
    response = sandbox_api.request(
        "POST", f"/nodes/pve1/qemu/{clone}/migrate", {"target": "pve2", "targetstorage": "backup"}
    )

    assert response.status_code == 500
    assert response.json()["message"] == "storage 'backup' does not support vm images\n"


def test_migrate_precondition_lists_the_local_disks(sandbox_api, clone):
    check = sandbox_api.get(f"/nodes/pve1/qemu/{clone}/migrate")

    assert check["running"] == 0
    assert check["allowed_nodes"] == ["pve2", "pve3"]
    assert sorted(d["volid"] for d in check["local_disks"]) == [
        "local-lvm:vm-100-cloudinit",
        "local-lvm:vm-100-disk-0",
    ]


def test_a_stopped_migration_ends_interrupted_and_leaves_the_vm_unlocked_where_it_was(
    sandbox, sandbox_api, clone
) -> None:
    sandbox.call(lambda pve: setattr(pve, "time_scale", 0.01))
    sandbox.call(lambda pve: setattr(pve, "migrate_secs", 10_000))
    upid = sandbox_api.data("POST", f"/nodes/pve1/qemu/{clone}/migrate", {"target": "pve2"})
    assert sandbox.call(lambda pve: pve.vm(clone).lock) == "migrate"
    sandbox_api.data("DELETE", f"/nodes/pve1/tasks/{upid}")
    status = sandbox_api.wait(upid)
    assert status["exitstatus"] == "received interrupt"
    assert sandbox.call(lambda pve: (pve.vm(clone).node, pve.vm(clone).lock)) == ("pve1", None)
