"""scheduleBackup, nowBackupStatus and restoreBackupStatus against the sandbox: today's backups with rotation of
the oldest, under a fixed clock; the backups and restores in flight reported from their Proxmox tasks."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime
from io import StringIO

import pytest
from django.utils import timezone

from proxvps.domain import states
from proxvps.inventory.connect import client_for
from proxvps.inventory.models import OperationRequest, Server, Service
from proxvps.lifecycle.backup_schedule import set_backup_schedule
from proxvps.lifecycle.backups import list_backups, request_backup_create, request_backup_restore
from proxvps.worker.cycle import Worker
from proxvps.worker.output import CronOutput
from proxvps.worker.results import PassResult
from proxvps.worker.tasks import TASKS, Task, TaskRun, schedule_backups
from tests.lifecycle.conftest import drive

pytestmark = pytest.mark.django_db

SANDBOX_STORAGE = "backup"


def _run(name: str, run: Callable[[TaskRun], PassResult] | None = None) -> tuple[PassResult, str]:
    stream = StringIO()
    task = TASKS[name] if run is None else Task(name, 60, run)
    result = Worker(CronOutput(stream)).run_task(task)
    assert result is not None
    return result, stream.getvalue()


def _schedule_pass(now: datetime) -> tuple[PassResult, str]:
    return _run("scheduleBackup", lambda run: schedule_backups(run, now))


def _evening(day: int) -> datetime:
    """A day of January 2030 at 23:59:30 local time: after any time of day a schedule can draw."""
    return timezone.make_aware(datetime(2030, 1, day, 23, 59, 30))


def _date_backup(sandbox, volid: str, moment: datetime) -> None:
    """Move an archive's creation time in the sandbox: it was made at `moment`."""
    volname = volid.partition(":")[2]
    sandbox.call(lambda pve: pve.storages[SANDBOX_STORAGE]["volumes"][volname].update(ctime=int(moment.timestamp())))


def test_rotation_deletes_the_oldest_before_the_third_daily_backup_and_a_second_pass_makes_none(
    sandbox, ready_vm: Service
) -> None:
    set_backup_schedule(ready_vm, range(1, 8), rng=random.Random(1))
    made: list[str] = []
    outputs: list[str] = []
    for day in (7, 8, 9):
        # An archive is named for the real second it was made in, which a rotated one may have had too.
        before = {(backup.volid, backup.ctime) for backup in list_backups(ready_vm)}
        result, out = _schedule_pass(_evening(day))
        outputs.append(out)
        assert (result.processed, result.errors) == (1, 0), result.details
        drive(ready_vm)
        assert ready_vm.state == states.READY
        (new,) = [backup.volid for backup in list_backups(ready_vm) if (backup.volid, backup.ctime) not in before]
        _date_backup(sandbox, new, _evening(day))
        made.append(new)

    assert [(backup.volid, backup.ctime) for backup in list_backups(ready_vm)] == [
        (made[1], int(_evening(8).timestamp())),
        (made[2], int(_evening(9).timestamp())),
    ], "the first day's backup was rotated"
    first = made[0].rpartition("/")[2]
    assert f"  sid:5546 [success] backup_queued, rotated:{first}, last:2030-01-08" in outputs[2]
    assert "  sid:5546 [success] backup_queued, last:never" in outputs[0]
    last_three = list(OperationRequest.objects.filter(service=ready_vm).values_list("operation", "params"))[-3:]
    assert last_three == [
        ("backup_create", {"scheduled": True}),
        ("backup_delete", {"volid": made[0]}),
        ("backup_create", {"scheduled": True}),
    ]

    requests = OperationRequest.objects.count()
    result, out = _schedule_pass(_evening(9).replace(hour=23, minute=59, second=59))

    assert (result.processed, result.errors) == (0, 0)
    assert result.details == ["sid:5546 [skipped] already_done_today, last:2030-01-09"]
    assert "[scheduleBackup] Done" in out
    assert OperationRequest.objects.count() == requests
    assert len(list_backups(ready_vm)) == 2


def test_a_backup_made_today_by_hand_counts_as_today_s(sandbox, ready_vm: Service) -> None:
    request_backup_create(ready_vm)
    drive(ready_vm)
    (backup,) = list_backups(ready_vm)
    _date_backup(sandbox, backup.volid, _evening(7).replace(hour=1))
    set_backup_schedule(ready_vm, [1])  # 2030-01-07 is a Monday

    result, _out = _schedule_pass(_evening(7))

    assert result.details == ["sid:5546 [skipped] already_done_today, last:2030-01-07"]
    assert not OperationRequest.objects.filter(service=ready_vm, status="pending").exists()


def test_a_schedule_whose_day_or_time_has_not_come_does_nothing(ready_vm: Service) -> None:
    set_backup_schedule(ready_vm, [2])  # Tuesdays only
    result, _out = _schedule_pass(_evening(7))
    assert (result.processed, result.errors, result.details) == (0, 0, [])


def test_a_scheduled_backup_of_a_busy_service_waits_for_its_turn(ready_vm: Service) -> None:
    from proxvps.lifecycle.orders import request_change_package

    set_backup_schedule(ready_vm, range(1, 8))
    request_change_package(ready_vm, options={"RAM": 4096})

    result, _out = _schedule_pass(_evening(7))

    assert result.processed == 1
    backup = OperationRequest.objects.get(service=ready_vm, operation="backup_create")
    assert backup.status == "pending"
    drive(ready_vm)
    assert len(list_backups(ready_vm)) == 1


def test_now_backup_status_follows_the_backup_task(sandbox, ready_vm: Service) -> None:
    hold = sandbox.hold("vzdump", vmid=ready_vm.vmid)  # the backup runs until the test lets it finish
    request_backup_create(ready_vm)
    drive(ready_vm, runs=1)
    assert sandbox.wait_until_held(hold) == ready_vm.task_upid

    result, out = _run("nowBackupStatus")

    assert (result.processed, result.errors) == (1, 0)
    assert result.details[0].startswith("sid:5546 [running] action:backup_create, task:vzdump, ")
    assert "  sid:5546 [running] action:backup_create" in out
    sandbox.release(hold)
    drive(ready_vm)
    result, _out = _run("nowBackupStatus")
    assert (result.processed, result.errors, result.details) == (0, 0, [])
    assert len(list_backups(ready_vm)) == 1


def test_now_backup_status_reports_a_finished_task_the_worker_has_not_recorded_yet(ready_vm: Service) -> None:
    request_backup_create(ready_vm)
    drive(ready_vm, runs=1)  # the sandbox ends the task at once; the next run records it

    result, _out = _run("nowBackupStatus")

    assert result.details == ["sid:5546 [finished] action:backup_create, task:vzdump"]
    drive(ready_vm)
    result, _out = _run("nowBackupStatus")
    assert (result.processed, result.errors, result.details) == (0, 0, [])


def test_restore_backup_status_reports_restores_in_flight_and_failed_ones_as_errors(
    sandbox, cluster: Server, ready_vm: Service
) -> None:
    request_backup_create(ready_vm)
    drive(ready_vm)
    (backup,) = list_backups(ready_vm)
    with client_for(cluster) as client:
        assert client.task_result(client.stop(ready_vm.node, ready_vm.vmid or 0)) is not None
    request_backup_restore(ready_vm, backup.volid)

    result, _out = _run("restoreBackupStatus")
    assert result.details == ["sid:5546 [in_progress] action:backup_restore, status:backup_restore"]

    sandbox.call(lambda pve: pve.fail("POST", f"/nodes/{ready_vm.node}/qemu", error="live_restore_failed", times=1))
    drive(ready_vm)
    assert ready_vm.state == states.ERROR_RESTORE

    result, _out = _run("restoreBackupStatus")

    assert (result.processed, result.errors) == (1, 1)
    assert result.details == [f"sid:5546 [{ready_vm.last_error}] status:error_restore"]
    assert "live-restore failed" in ready_vm.last_error
