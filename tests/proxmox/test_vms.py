"""VM operations and their effects read back: clone, adopt after a crash, migrate, config, resize, power."""

from __future__ import annotations

import pytest

from proxvps.proxmox import ProxmoxApiError, ProxmoxConflictError, ProxmoxLockedError
from tests.proxmox import finished


def disk_size(config_value: str) -> str:
    return dict(part.partition("=")[::2] for part in config_value.split(",")[1:])["size"]


def test_a_clone_has_its_own_disks_and_the_templates_boot_order(client, vmid):
    template = client.vm_config("pve1", 9000)
    config = client.vm_config("pve1", vmid)

    assert config["name"] == f"test{vmid}"
    assert config["boot"] == template["boot"] == "order=scsi0"
    assert f"vm-{vmid}-disk" in config["scsi0"]
    assert "cloudinit" in config["ide2"]
    assert config.digest


def test_a_clone_to_another_storage_and_format_lands_there(client):
    newid = client.nextid()
    ref = client.clone("pve1", 9000, newid, "qcow", target_storage="nfs.qcow2", format="qcow2", description="d")

    finished(client, ref)

    config = client.vm_config("pve1", newid)
    assert config["scsi0"].startswith("nfs.qcow2:")
    assert ".qcow2" in config["scsi0"]
    assert config["description"] == "d"


def test_a_retried_clone_adopts_the_vm_it_already_made(client):
    newid = client.nextid()
    client.clone("pve1", 9000, newid, "crashy")  # the worker crashed before it stored this TaskRef

    existing = client.find_vm(newid)
    assert existing is not None
    assert existing.node == "pve1"
    assert existing.name == "crashy"
    with pytest.raises(ProxmoxApiError, match="already exists"):
        client.clone("pve1", 9000, newid, "crashy")
    assert [r.vmid for r in client.cluster_resources("vm")].count(newid) == 1


def test_migrate_moves_the_vm_and_its_disk_to_the_target_storage(client, vmid):
    finished(client, client.migrate("pve1", vmid, "pve2", targetstorage="fast.ssd"))

    found = client.find_vm(vmid)
    assert found is not None
    assert found.node == "pve2"
    assert client.vm_config("pve2", vmid)["scsi0"].startswith("fast.ssd:")


def test_a_put_config_change_with_delete_and_digest_reads_back(client, vmid):
    before = client.vm_config("pve1", vmid)

    client.update_config("pve1", vmid, {"cores": 2, "memory": "2048"}, delete=["ide2"], digest=before.digest)

    after = client.vm_config("pve1", vmid)
    assert (after["cores"], after["memory"]) == ("2", "2048")
    assert "ide2" not in after
    assert after.digest != before.digest


def test_a_stale_digest_is_refused_with_a_conflict_error(client, vmid):
    stale = client.vm_config("pve1", vmid).digest
    client.update_config("pve1", vmid, {"cores": 2})

    with pytest.raises(ProxmoxConflictError):
        client.update_config("pve1", vmid, {"cores": 4}, digest=stale)
    assert client.vm_config("pve1", vmid)["cores"] == "2"


def test_a_post_config_change_allocates_a_new_disk_as_a_task(client, vmid):
    digest = client.vm_config("pve1", vmid).digest

    finished(client, client.update_config_async("pve1", vmid, {"scsi1": "local-lvm:4"}, digest=digest))

    config = client.vm_config("pve1", vmid)
    assert f"vm-{vmid}-disk" in config["scsi1"]
    assert disk_size(config["scsi1"]) == "4G"


def test_deleting_a_disk_with_force_removes_it_instead_of_leaving_it_unused(client, vmid):
    finished(client, client.update_config_async("pve1", vmid, {"scsi1": "local-lvm:1"}))

    client.update_config("pve1", vmid, {}, delete=["scsi1"], force=True)

    config = client.vm_config("pve1", vmid)
    assert "scsi1" not in config
    assert not any(key.startswith("unused") for key in config)


def test_a_config_change_on_a_locked_vm_is_a_locked_error(sandbox, client, vmid):
    sandbox.call(lambda pve: pve.snapshot_lock(vmid, "backup"))

    with pytest.raises(ProxmoxLockedError):
        client.update_config("pve1", vmid, {"cores": 2})


def test_resize_grows_the_disk(client, vmid):
    before = disk_size(client.vm_config("pve1", vmid)["scsi0"])

    finished(client, client.resize("pve1", vmid, "scsi0", "+2G"))

    after = disk_size(client.vm_config("pve1", vmid)["scsi0"])
    assert int(after.rstrip("G")) == int(before.rstrip("G")) + 2


def test_resize_refuses_to_shrink_a_disk_in_its_task(client, vmid):
    before = client.vm_config("pve1", vmid)["scsi0"]

    result = client.task_result(client.resize("pve1", vmid, "scsi0", "1G"))

    assert result is not None
    assert not result.ok
    assert "shrinking disks is not supported" in result.exitstatus
    assert client.vm_config("pve1", vmid)["scsi0"] == before


def test_power_actions_change_the_status(client, vmid):
    finished(client, client.start("pve1", vmid))
    assert client.vm_status("pve1", vmid).running

    finished(client, client.suspend("pve1", vmid))
    assert client.vm_status("pve1", vmid).qmpstatus == "paused"
    finished(client, client.resume("pve1", vmid))
    assert client.vm_status("pve1", vmid).qmpstatus == "running"

    finished(client, client.reboot("pve1", vmid, timeout=30))
    finished(client, client.reset("pve1", vmid))
    assert client.vm_status("pve1", vmid).running

    finished(client, client.shutdown("pve1", vmid, timeout=30, force_stop=True))
    assert client.vm_status("pve1", vmid).status == "stopped"

    finished(client, client.start("pve1", vmid))
    finished(client, client.stop("pve1", vmid))
    status = client.vm_status("pve1", vmid)
    assert (status.status, status.vmid, status.template) == ("stopped", vmid, False)


def test_vm_status_reports_usage_of_a_running_vm(client, vmid):
    finished(client, client.start("pve1", vmid))

    status = client.vm_status("pve1", vmid)

    assert status.maxmem
    assert status.maxmem > 0
    assert status.uptime is not None
    assert status.cpu is not None
    assert status.lock is None


def test_a_deleted_vm_is_gone_with_its_disks(client, vmid):
    finished(client, client.delete_vm("pve1", vmid))

    assert client.find_vm(vmid) is None
    assert client.storage_content("pve1", "local-lvm", vmid=vmid) == []


@pytest.mark.parametrize(("overrule", "exitstatus"), [(True, "OK"), (False, "got timeout")])
def test_a_stop_overruling_a_running_shutdown_does_not_wait_for_it(
    sandbox, sandbox_api, client, vmid, overrule, exitstatus
):
    """A guest that ignores ACPI keeps its shutdown task (and the VM's lock) until the timeout: only a stop that
    overrules it stops the VM now; another one times out on the lock."""
    finished(client, client.start("pve1", vmid))
    sandbox.call(lambda pve: setattr(pve.vm(vmid), "acpi", False))
    sandbox.call(lambda pve: setattr(pve, "time_scale", 0.01))
    shutdown = client.shutdown("pve1", vmid, timeout=10_000)

    stop = sandbox_api.wait(client.stop("pve1", vmid, overrule_shutdown=overrule).upid)

    assert exitstatus in stop["exitstatus"]
    assert (client.vm_status("pve1", vmid).status == "stopped") is overrule
    assert (client.task_result(shutdown) is not None) is overrule
