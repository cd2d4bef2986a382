"""Snapshots against the sandbox: create, list, delete and roll back as operations; the package's count limit and
Proxmox's name rule refused with nothing changed; a snapshot Proxmox cannot take fails its request only; the plan's
snapshot lifetime kept within 1 to 10 days by the database."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from proxvps.domain import states
from proxvps.domain.disks import find_system_disk
from proxvps.inventory.choices import RequestStatus
from proxvps.inventory.connect import client_for
from proxvps.inventory.models import ActionLog, OperationRequest, Server, Service
from proxvps.lifecycle.orders import request_change_package
from proxvps.lifecycle.requests import OrderRefused
from proxvps.lifecycle.snapshots import (
    list_snapshots,
    request_snapshot_create,
    request_snapshot_delete,
    request_snapshot_rollback,
)
from proxvps.proxmox import VmConfig
from tests.lifecycle.conftest import drive, writes

pytestmark = pytest.mark.django_db


def _config(cluster: Server, service: Service) -> VmConfig:
    with client_for(cluster) as client:
        return client.vm_config(service.node, service.vmid or 0)


def _names(service: Service) -> list[str]:
    return [snapshot.name for snapshot in list_snapshots(service)]


def test_a_snapshot_is_created_listed_and_deleted(cluster: Server, ready_vm: Service) -> None:
    request = request_snapshot_create(ready_vm, "before-upgrade", description="my first")
    assert ready_vm.state == states.SNAPSHOT_CREATE
    recorder = drive(ready_vm)

    assert ready_vm.state == states.READY
    assert [(s.label, s.result) for s in recorder.steps if s.result != "waiting"] == [("Create snapshot", "success")]
    (snapshot,) = list_snapshots(ready_vm)
    assert (snapshot.name, snapshot.description, snapshot.vmstate) == ("before-upgrade", "my first", False)
    request.refresh_from_db()
    assert request.status == RequestStatus.DONE

    request_snapshot_delete(ready_vm, "before-upgrade")
    drive(ready_vm)

    assert ready_vm.state == states.READY
    assert _names(ready_vm) == []


def test_a_rollback_brings_the_snapshot_back_then_the_package_and_starts_the_vm(
    sandbox, cluster: Server, ready_vm: Service
) -> None:
    disk = find_system_disk(_config(cluster, ready_vm))
    assert disk is not None
    sandbox.write_disk(ready_vm.vmid, disk.key, "the guest's files at the snapshot")
    request_snapshot_create(ready_vm, "base")
    drive(ready_vm)
    sandbox.write_disk(ready_vm.vmid, disk.key, "the guest's files later")
    with client_for(cluster) as client:
        client.update_config(ready_vm.node, ready_vm.vmid or 0, {"tags": "after-snapshot"})
    request_change_package(ready_vm, options={"RAM": 4096})
    drive(ready_vm)
    assert _config(cluster, ready_vm)["memory"] == "4096"

    request_snapshot_rollback(ready_vm, "base")
    recorder = drive(ready_vm)

    assert ready_vm.state == states.READY
    assert sandbox.read_disk(ready_vm.vmid, disk.key) == "the guest's files at the snapshot"
    config = _config(cluster, ready_vm)
    assert "tags" not in config, "the config is the snapshot's"
    assert config["memory"] == "4096", "the package applies again: the snapshot was taken with 2048"
    assert recorder.step_named("Roll back to snapshot").result == "success"
    assert recorder.step_named("Set CPU & RAM").result == "success"
    with client_for(cluster) as client:
        assert client.vm_status(ready_vm.node, ready_vm.vmid or 0).status == "running"
    assert _names(ready_vm) == ["base"]


def test_a_snapshot_over_the_package_limit_is_refused_and_nothing_changes(sandbox, ready_vm: Service) -> None:
    for name in ("one", "two"):
        request_snapshot_create(ready_vm, name)
        drive(ready_vm)
    requests, logged, changes = OperationRequest.objects.count(), ActionLog.objects.count(), len(writes(sandbox))

    with pytest.raises(OrderRefused, match=r"^Service 5546 already has 2 of the 2 snapshots its package allows; "):
        request_snapshot_create(ready_vm, "three")

    ready_vm.refresh_from_db()
    assert ready_vm.state == states.READY
    assert (OperationRequest.objects.count(), ActionLog.objects.count()) == (requests, logged)
    assert len(writes(sandbox)) == changes, "only reads went to Proxmox"
    assert _names(ready_vm) == ["one", "two"]


def test_a_snapshot_asked_for_but_not_made_yet_counts_and_one_being_deleted_does_not(ready_vm: Service) -> None:
    request_snapshot_create(ready_vm, "one")
    request_snapshot_create(ready_vm, "two")  # waits for the first
    with pytest.raises(OrderRefused, match="already has 2 of the 2 snapshots"):
        request_snapshot_create(ready_vm, "three")
    drive(ready_vm)
    request_snapshot_delete(ready_vm, "one")

    request_snapshot_create(ready_vm, "three")  # waits for the deletion, which frees its slot
    drive(ready_vm)

    assert sorted(_names(ready_vm)) == ["three", "two"]


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("1st", "must start with a letter"),
        ("a", "at least two characters"),
        ("with space", "letters, digits, _ or -"),
        ("dots.dots", "letters, digits, _ or -"),
        ("current", "reserved by Proxmox"),
        ("PENDING", "reserved by Proxmox"),
        ("x" * 41, "at most 40 characters"),
    ],
)
def test_a_name_proxmox_would_refuse_is_refused_before_asking_it(
    sandbox, ready_vm: Service, name: str, reason: str
) -> None:
    asked = len(sandbox.pve.requests)
    with pytest.raises(OrderRefused, match=reason):
        request_snapshot_create(ready_vm, name)
    assert len(sandbox.pve.requests) == asked
    assert not OperationRequest.objects.filter(operation="snapshot_create").exists()


def test_a_taken_name_and_an_unknown_snapshot_are_refused(ready_vm: Service) -> None:
    request_snapshot_create(ready_vm, "base")
    with pytest.raises(OrderRefused, match=r'^Service 5546 already has a snapshot named "base"\.$'):
        request_snapshot_create(ready_vm, "base")
    drive(ready_vm)
    for ask in (request_snapshot_delete, request_snapshot_rollback):
        with pytest.raises(OrderRefused, match=r'^Service 5546 has no snapshot named "nope"\.$'):
            ask(ready_vm, "nope")
    assert OperationRequest.objects.filter(service=ready_vm, operation__startswith="snapshot").count() == 1


def test_a_rollback_to_a_snapshot_being_deleted_is_refused(ready_vm: Service) -> None:
    request_snapshot_create(ready_vm, "base")
    drive(ready_vm)
    deleting = request_snapshot_delete(ready_vm, "base")

    with pytest.raises(OrderRefused, match=r'^The snapshot "base" of service 5546 is being deleted\.$'):
        request_snapshot_rollback(ready_vm, "base")

    assert request_snapshot_delete(ready_vm, "base") == deleting, "asking twice changes nothing"
    assert not OperationRequest.objects.filter(operation="snapshot_rollback").exists()


def test_a_package_without_snapshots_refuses_them(ready_vm: Service) -> None:
    ready_vm.plan.snapshots_count = 0
    ready_vm.plan.save()
    with pytest.raises(OrderRefused, match=r"^The package of service 5546 includes no snapshots\.$"):
        request_snapshot_create(ready_vm, "base")


def test_a_snapshot_proxmox_cannot_take_fails_its_request_and_the_next_request_still_runs(
    sandbox, ready_vm: Service
) -> None:
    path = f"/nodes/{ready_vm.node}/qemu/{ready_vm.vmid}/snapshot"
    sandbox.call(lambda pve: pve.fail("POST", path, error="snapshot_feature_not_available", times=1))
    failing = request_snapshot_create(ready_vm, "base")
    waiting = request_snapshot_create(ready_vm, "second")

    recorder = drive(ready_vm)

    assert recorder.reports[-1].outcome == "failed"
    assert ready_vm.state == states.SNAPSHOT_CREATE, "the waiting request started where the failed one left off"
    failing.refresh_from_db()
    assert failing.status == RequestStatus.FAILED
    assert "snapshot feature is not available" in failing.message
    error = ActionLog.objects.get(service=ready_vm, result="error")
    assert (error.step, error.from_state, error.to_state) == ("Create snapshot", states.SNAPSHOT_CREATE, states.READY)
    assert error.message == failing.message
    drive(ready_vm)
    assert ready_vm.state == states.READY
    waiting.refresh_from_db()
    assert waiting.status == RequestStatus.DONE
    assert _names(ready_vm) == ["second"]


@pytest.mark.parametrize("days", [0, 11])
def test_a_snapshot_lifetime_outside_one_to_ten_days_cannot_be_stored(ready_vm: Service, days: int) -> None:
    plan = ready_vm.plan
    plan.snapshot_lifetime_days = days
    with pytest.raises(IntegrityError), transaction.atomic():
        plan.save()
