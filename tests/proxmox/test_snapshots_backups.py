"""Snapshots (create, list, roll back, delete) and backups (vzdump, the archive in storage, restore)."""

from __future__ import annotations

from tests.proxmox import finished


def test_a_snapshot_is_listed_rolled_back_to_and_deleted(client, vmid):
    finished(client, client.create_snapshot("pve1", vmid, "before", description="before the upgrade"))
    client.update_config("pve1", vmid, {"cores": 4})

    snapshots = client.snapshots("pve1", vmid)
    assert [(s.name, s.description) for s in snapshots] == [("before", "before the upgrade")]
    assert snapshots[0].snaptime

    finished(client, client.rollback_snapshot("pve1", vmid, "before"))
    assert client.vm_config("pve1", vmid).get("cores") != "4"

    finished(client, client.delete_snapshot("pve1", vmid, "before"))
    assert client.snapshots("pve1", vmid) == []


def test_a_snapshot_of_a_running_vm_can_keep_its_memory(client, vmid):
    finished(client, client.start("pve1", vmid))

    finished(client, client.create_snapshot("pve1", vmid, "live", vmstate=True))

    assert client.snapshots("pve1", vmid)[0].vmstate


def test_a_backup_lands_in_the_storage_and_restores(client, vmid):
    finished(client, client.vzdump("pve1", vmid, "backup", notes="nightly {{guestname}}"))

    archives = client.storage_content("pve1", "backup", content="backup", vmid=vmid)
    assert len(archives) == 1
    assert archives[0].vmid == vmid
    assert "vzdump-qemu" in archives[0].filename

    client.update_config("pve1", vmid, {"cores": 4})
    finished(client, client.restore("pve1", vmid, archives[0].volid, storage="local-lvm"))
    assert client.vm_config("pve1", vmid).get("cores") != "4"

    finished(client, client.delete_volume("pve1", "backup", archives[0].volid))
    assert client.storage_content("pve1", "backup", content="backup", vmid=vmid) == []
