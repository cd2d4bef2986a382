"""Intervals: a task runs when its interval has passed since its last pass; 0 disables it unless forced."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.utils import timezone

from proxvps.inventory.models import Plan, Service
from proxvps.worker.cycle import Worker
from proxvps.worker.models import TaskSchedule
from proxvps.worker.output import CronOutput
from proxvps.worker.tasks import TASKS

pytestmark = pytest.mark.django_db


def _ran(worker: Worker, stream: StringIO) -> list[str]:
    return [line.split("[", 1)[1].split("]")[0] for line in stream.getvalue().splitlines() if "] Running" in line]


def test_the_migration_sets_the_default_intervals() -> None:
    intervals = dict(TaskSchedule.objects.values_list("name", "interval"))
    assert intervals == {
        "processVirtualMachines": 60,
        "removeOldSnapshots": 60,
        "restoreBackupStatus": 60,
        "nowBackupStatus": 60,
        "scheduleBackup": 60,
        "collectingStatistics": 3600,
    }


def test_every_task_runs_on_the_first_pass_in_the_seed_order_then_waits_for_its_interval() -> None:
    stream = StringIO()
    worker = Worker(CronOutput(stream))
    worker.cron()
    assert _ran(worker, stream) == list(TASKS)
    stream.truncate(0)
    stream.seek(0)
    worker.cron()
    assert _ran(worker, stream) == []


def test_a_task_is_due_again_once_its_interval_has_passed() -> None:
    now = timezone.now()
    TaskSchedule.objects.update(last_started_at=now)
    TaskSchedule.objects.filter(name="removeOldSnapshots").update(last_started_at=now - timedelta(seconds=61))
    TaskSchedule.objects.filter(name="collectingStatistics").update(last_started_at=now - timedelta(minutes=59))
    assert [task.name for task in Worker(CronOutput(StringIO())).due()] == ["removeOldSnapshots"]


def test_a_disabled_task_does_not_run_without_force() -> None:
    TaskSchedule.objects.filter(name="removeOldSnapshots").update(interval=0)
    worker = Worker(CronOutput(StringIO()))
    assert "removeOldSnapshots" not in [task.name for task in worker.due()]
    assert worker.due("removeOldSnapshots") == []
    assert worker.due("removeOldSnapshots", force=True) == [TASKS["removeOldSnapshots"]]


def test_force_runs_a_task_before_its_interval() -> None:
    TaskSchedule.objects.update(last_started_at=timezone.now())
    stream = StringIO()
    worker = Worker(CronOutput(stream))
    worker.cron("collectingStatistics", force=True)
    assert _ran(worker, stream) == ["collectingStatistics"]


def test_a_pass_records_when_it_ran_and_what_it_did() -> None:
    worker = Worker(CronOutput(StringIO()))
    before = timezone.now()
    worker.cron("removeOldSnapshots")
    row = TaskSchedule.objects.get(name="removeOldSnapshots")
    assert row.last_started_at is not None
    assert row.last_finished_at is not None
    assert before <= row.last_started_at <= row.last_finished_at
    assert (row.last_processed, row.last_errors, row.holder) == (0, 0, "")


def test_the_worker_runs_process_virtual_machines_as_soon_as_a_service_is_due() -> None:
    TaskSchedule.objects.update(last_started_at=timezone.now())
    worker = Worker(CronOutput(StringIO()))
    assert worker.due_for_worker() == []
    Service.objects.create(billing_service_id="5546", client_ref="7", plan=Plan.objects.create(name="S"))
    assert [task.name for task in worker.due_for_worker()] == ["processVirtualMachines"]
    TaskSchedule.objects.filter(name="processVirtualMachines").update(interval=0)
    assert worker.due_for_worker() == []


def test_a_task_row_removed_by_hand_comes_back_with_its_default_interval() -> None:
    TaskSchedule.objects.filter(name="collectingStatistics").delete()
    assert [task.name for task in Worker(CronOutput(StringIO())).due("collectingStatistics")] == [
        "collectingStatistics"
    ]
    assert TaskSchedule.objects.get(name="collectingStatistics").interval == 3600
