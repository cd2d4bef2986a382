"""Backups against the sandbox: create, delete and restore as operations; a restore re-applies the package without
shrinking, starts the VM and mails the client once; the count limit and a restore of a running VM refused with
nothing changed; a failed restore stops in error_restore, from which it can be tried again; exclusivity."""

from __future__ import annotations

import pytest
from django.core import mail

from proxvps.domain import states
from proxvps.domain.disks import find_system_disk
from proxvps.inventory.choices import RequestStatus
from proxvps.inventory.connect import client_for
from proxvps.inventory.models import ActionLog, OperationRequest, Server, Service
from proxvps.lifecycle.backups import (
    list_backups,
    request_backup_create,
    request_backup_delete,
    request_backup_restore,
)
from proxvps.lifecycle.orders import request_change_package
from proxvps.lifecycle.requests import OrderRefused
from proxvps.proxmox import TaskRef, VmConfig, Volume
from tests.lifecycle.conftest import Recorder, drive, writes

pytestmark = pytest.mark.django_db


def _config(cluster: Server, service: Service) -> VmConfig:
    with client_for(cluster) as client:
        return client.vm_config(service.node, service.vmid or 0)


def _system_size(cluster: Server, service: Service) -> str | None:
    disk = find_system_disk(_config(cluster, service))
    assert disk is not None
    return disk.options.get("size")


def _status(cluster: Server, service: Service) -> str:
    with client_for(cluster) as client:
        return client.vm_status(service.node, service.vmid or 0).status


def _stop(cluster: Server, service: Service) -> None:
    """The client stops the VM (the sandbox ends tasks at once)."""
    with client_for(cluster) as client:
        ref = client.stop(service.node, service.vmid or 0)
        assert client.task_result(ref) is not None
    assert _status(cluster, service) == "stopped"


def _backup(service: Service) -> Volume:
    before = {backup.volid for backup in list_backups(service)}
    request_backup_create(service)
    drive(service)
    assert service.state == states.READY
    (made,) = [backup for backup in list_backups(service) if backup.volid not in before]
    return made


def _restored_mails() -> list[mail.EmailMessage]:
    return [message for message in mail.outbox if "restored" in message.subject]


def test_a_backup_is_made_to_the_plan_storage_listed_and_deleted(cluster: Server, ready_vm: Service) -> None:
    backup = _backup(ready_vm)

    assert backup.volid.startswith(f"backup:backup/vzdump-qemu-{ready_vm.vmid}-")
    assert backup.notes == f"proxvps service {ready_vm.pk}"
    assert _status(cluster, ready_vm) == "running", "a snapshot-mode backup leaves the VM running"

    request_backup_delete(ready_vm, backup.volid)
    drive(ready_vm)

    assert ready_vm.state == states.READY
    assert list_backups(ready_vm) == []
    statuses = OperationRequest.objects.filter(service=ready_vm).values_list("operation", "status")
    assert list(statuses)[-2:] == [("backup_create", RequestStatus.DONE), ("backup_delete", RequestStatus.DONE)]


def test_an_archive_of_the_same_vmid_without_the_service_tag_is_not_the_service_s(
    sandbox, cluster: Server, ready_vm: Service
) -> None:
    with client_for(cluster) as client:
        ref = client.vzdump(ready_vm.node, ready_vm.vmid or 0, "backup", notes="made by the admin")
        assert client.task_result(ref) is not None

    assert list_backups(ready_vm) == []


def test_a_restore_brings_the_package_back_starts_the_vm_and_mails_the_client_once(
    sandbox, cluster: Server, ready_vm: Service, django_capture_on_commit_callbacks
) -> None:
    disk = find_system_disk(_config(cluster, ready_vm))
    assert disk is not None
    sandbox.write_disk(ready_vm.vmid, disk.key, "the guest's files at the backup")
    backup = _backup(ready_vm)  # 2 cores, 2048 MB, a 20G system disk
    sandbox.write_disk(ready_vm.vmid, disk.key, "the guest's files later")
    with client_for(cluster) as client:
        client.update_config(ready_vm.node, ready_vm.vmid or 0, {"tags": "after-backup"})
    request_change_package(ready_vm, options={"RAM": 4096, "System Disk": 30})
    drive(ready_vm)
    _stop(cluster, ready_vm)

    with django_capture_on_commit_callbacks(execute=True):  # mails go out when the transaction commits
        request = request_backup_restore(ready_vm, backup.volid)
        recorder = drive(ready_vm)

    assert ready_vm.state == states.READY, [(s.label, s.message) for s in recorder.steps]
    assert sandbox.read_disk(ready_vm.vmid, disk.key) == "the guest's files at the backup"
    config = _config(cluster, ready_vm)
    assert "tags" not in config, "the config is the archive's"
    assert config["memory"] == "4096", "the package applies again: the backup was taken with 2048"
    assert _system_size(cluster, ready_vm) == "30G"
    assert _status(cluster, ready_vm) == "running"
    assert recorder.step_named("Stop VM").note == "skip - already stopped"
    assert recorder.step_named("Restore backup").result == "success"
    assert recorder.step_named("Resize system disk").result == "success"
    (sent,) = _restored_mails()
    assert sent.to == ["client@example.com"]
    assert backup.filename in sent.body
    request.refresh_from_db()
    assert request.status == RequestStatus.DONE


def test_a_restore_never_shrinks_a_disk_the_package_no_longer_pays_for(cluster: Server, ready_vm: Service) -> None:
    request_change_package(ready_vm, options={"System Disk": 30})
    drive(ready_vm)
    backup = _backup(ready_vm)
    request_change_package(ready_vm, options={"System Disk": 20})  # a downgrade: Proxmox cannot shrink
    drive(ready_vm)
    _stop(cluster, ready_vm)

    request_backup_restore(ready_vm, backup.volid)
    recorder = drive(ready_vm)

    assert ready_vm.state == states.READY
    assert recorder.step_named("Resize system disk").note == "skip - shrink not allowed by Proxmox"
    assert _system_size(cluster, ready_vm) == "30G"


def test_a_restore_of_a_running_vm_is_refused_and_nothing_changes(sandbox, cluster: Server, ready_vm: Service) -> None:
    backup = _backup(ready_vm)
    requests, logged, changes = OperationRequest.objects.count(), ActionLog.objects.count(), len(writes(sandbox))

    with pytest.raises(OrderRefused, match=r"^The VM of service 5546 is running: stop it before restoring a backup\.$"):
        request_backup_restore(ready_vm, backup.volid)

    ready_vm.refresh_from_db()
    assert ready_vm.state == states.READY
    assert (OperationRequest.objects.count(), ActionLog.objects.count()) == (requests, logged)
    assert len(writes(sandbox)) == changes
    assert _status(cluster, ready_vm) == "running"


def test_a_backup_over_the_package_limit_is_refused_and_nothing_changes(sandbox, ready_vm: Service) -> None:
    _backup(ready_vm)
    request_backup_create(ready_vm)  # runs, and takes the second slot until it is made
    requests, logged, changes = OperationRequest.objects.count(), ActionLog.objects.count(), len(writes(sandbox))

    with pytest.raises(OrderRefused, match=r"^Service 5546 already has 2 of the 2 backups its package allows; "):
        request_backup_create(ready_vm)

    assert (OperationRequest.objects.count(), ActionLog.objects.count()) == (requests, logged)
    assert len(writes(sandbox)) == changes
    drive(ready_vm)
    assert len(list_backups(ready_vm)) == 2


def test_unknown_backups_and_packages_without_backups_are_refused(ready_vm: Service) -> None:
    for ask in (request_backup_delete, request_backup_restore):
        with pytest.raises(OrderRefused, match=r'^Service 5546 has no backup "backup:backup/nope\.vma\.zst"\.$'):
            ask(ready_vm, "backup:backup/nope.vma.zst")
    ready_vm.plan.backups_count = 0
    ready_vm.plan.save()
    with pytest.raises(OrderRefused, match=r"^The package of service 5546 includes no backups\.$"):
        request_backup_create(ready_vm)
    ready_vm.plan.backup_storage = ""
    ready_vm.plan.save()
    with pytest.raises(OrderRefused, match=r"^Plan VPS M has no backup storage\.$"):
        request_backup_create(ready_vm)
    assert not OperationRequest.objects.filter(operation__startswith="backup").exists()


def test_a_failed_restore_stops_in_error_restore_and_can_be_asked_for_again(
    sandbox, cluster: Server, ready_vm: Service
) -> None:
    backup = _backup(ready_vm)
    _stop(cluster, ready_vm)
    sandbox.call(lambda pve: pve.fail("POST", f"/nodes/{ready_vm.node}/qemu", error="live_restore_failed", times=1))
    failed = request_backup_restore(ready_vm, backup.volid)
    waiting = request_change_package(ready_vm, options={"RAM": 4096})

    recorder = drive(ready_vm)

    assert ready_vm.state == states.ERROR_RESTORE
    assert recorder.reports[-1].outcome == "failed"
    failed.refresh_from_db()
    assert failed.status == RequestStatus.FAILED
    assert "live-restore failed" in failed.message
    waiting.refresh_from_db()
    assert waiting.status == RequestStatus.REFUSED
    assert waiting.message == "Change package is not possible while the service is Restore failed."
    assert drive(ready_vm, Recorder()).steps == [], "never retried by itself"

    request_backup_restore(ready_vm, backup.volid)
    drive(ready_vm)

    assert ready_vm.state == states.READY
    assert _status(cluster, ready_vm) == "running"


def test_a_change_package_asked_for_during_a_restore_waits_then_runs_after_it(
    sandbox, cluster: Server, ready_vm: Service
) -> None:
    backup = _backup(ready_vm)
    _stop(cluster, ready_vm)
    request_backup_restore(ready_vm, backup.volid)
    drive(ready_vm, runs=1)  # the restore runs up to its first wait on Proxmox
    assert ready_vm.state in (states.RS_STOP, states.BACKUP_RESTORE)
    restore_started = ready_vm.task_upid

    change = request_change_package(ready_vm, options={"RAM": 4096})

    assert change.status == RequestStatus.PENDING
    waiting = ActionLog.objects.filter(service=ready_vm, operation="change_package").get()
    assert waiting.message == "Waiting for Restore backup to finish."
    assert ready_vm.task_upid == restore_started, "the change touched nothing"
    recorder = drive(ready_vm)
    assert _operations(recorder) == ["backup_restore", "change_package"]
    assert ready_vm.state == states.READY
    assert _config(cluster, ready_vm)["memory"] == "4096"
    change.refresh_from_db()
    assert change.status == RequestStatus.DONE


def test_a_backup_asked_for_during_a_change_package_waits_then_runs_after_it(sandbox, ready_vm: Service) -> None:
    request_change_package(ready_vm, options={"RAM": 4096})
    backup = request_backup_create(ready_vm, requested_by="scheduleBackup")

    assert backup.status == RequestStatus.PENDING
    waiting = ActionLog.objects.filter(service=ready_vm, operation="backup_create").get()
    assert waiting.message == "Waiting for Change package to finish."
    recorder = drive(ready_vm)
    assert _operations(recorder) == ["change_package", "backup_create"]
    assert len(list_backups(ready_vm)) == 1


def test_while_the_backup_task_runs_a_change_package_waits_and_nothing_touches_the_vm(
    sandbox, cluster: Server, ready_vm: Service
) -> None:
    hold = sandbox.hold("vzdump", vmid=ready_vm.vmid)  # the backup runs until the test lets it finish
    request_backup_create(ready_vm)
    drive(ready_vm, runs=1)
    assert sandbox.wait_until_held(hold) == ready_vm.task_upid
    with client_for(cluster) as client:
        assert client.task_result(TaskRef.from_upid(ready_vm.task_upid)) is None, "the backup runs"
    memory = _config(cluster, ready_vm)["memory"]
    writes_before = len(writes(sandbox))

    request_change_package(ready_vm, options={"RAM": 4096})
    during = drive(ready_vm, runs=5)

    assert _operations(during) == ["backup_create"], "the change waits for the backup"
    assert [s for s in during.steps if s.result != "waiting"] == []
    assert writes(sandbox)[writes_before:] == [], "nothing wrote to Proxmox while the backup ran"
    assert _config(cluster, ready_vm)["memory"] == memory

    sandbox.release(hold)
    after = drive(ready_vm)

    assert _operations(after) == ["backup_create", "change_package"]
    assert [s for s in after.steps if s.result == "error"] == [], "no step met the VM's backup lock"
    made = ActionLog.objects.get(service=ready_vm, step="Create backup", result="success")
    changes = ActionLog.objects.filter(service=ready_vm, operation="change_package").exclude(result="waiting")
    assert min(row.started_at for row in changes) >= made.started_at
    assert ready_vm.state == states.READY
    assert _config(cluster, ready_vm)["memory"] == "4096"


def _operations(recorder: Recorder) -> list[str]:
    """The operations the runs went through, in order (a run per poll repeats its header)."""
    return list(dict.fromkeys(header.operation for header in recorder.headers))
