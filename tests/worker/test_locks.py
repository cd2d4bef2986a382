"""Task locks: one pass at a time per task across processes, with stale and dead holders taken over."""

from __future__ import annotations

import socket
import subprocess
import sys
from datetime import timedelta
from io import StringIO

import pytest
from django.utils import timezone

from proxvps.worker import locks
from proxvps.worker.cycle import Worker
from proxvps.worker.models import TaskSchedule
from proxvps.worker.output import CronOutput
from proxvps.worker.tasks import TASKS, Task

pytestmark = pytest.mark.django_db

TASK = "removeOldSnapshots"
HERE = socket.gethostname()


def _dead_pid() -> int:
    """The pid of a process that has ended (and been reaped)."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_a_second_acquirer_is_refused_while_the_first_holds_the_lock() -> None:
    assert locks.acquire(TASK, f"{HERE}:1:first")
    assert not locks.acquire(TASK, "other-host:1:second")
    assert TaskSchedule.objects.get(name=TASK).holder == f"{HERE}:1:first"


def test_a_released_lock_can_be_taken_again() -> None:
    assert locks.acquire(TASK, "a:1:x")
    locks.release(TASK, "a:1:x")
    assert locks.acquire(TASK, "b:2:y")


def test_a_holder_whose_heartbeat_is_stale_is_taken_over() -> None:
    assert locks.acquire(TASK, "other-host:1:hung")
    TaskSchedule.objects.filter(name=TASK).update(holder_heartbeat=timezone.now() - timedelta(minutes=11))
    assert locks.acquire(TASK, "other-host:2:new")
    assert TaskSchedule.objects.get(name=TASK).holder == "other-host:2:new"


def test_a_holder_on_another_host_is_not_taken_over_before_the_stale_timeout() -> None:
    assert locks.acquire(TASK, "other-host:1:busy")
    TaskSchedule.objects.filter(name=TASK).update(holder_heartbeat=timezone.now() - timedelta(minutes=9))
    assert not locks.acquire(TASK, "other-host:2:new")


def test_a_holder_whose_process_died_on_this_host_is_taken_over_at_once() -> None:
    assert locks.acquire(TASK, f"{HERE}:{_dead_pid()}:crashed")
    assert locks.acquire(TASK, f"{HERE}:1:new")


def test_a_holder_that_lost_its_lock_learns_it_at_its_next_heartbeat() -> None:
    assert locks.acquire(TASK, "other-host:1:slow")
    TaskSchedule.objects.filter(name=TASK).update(holder_heartbeat=timezone.now() - timedelta(hours=1))
    assert locks.acquire(TASK, "other-host:2:new")
    with pytest.raises(locks.LockLostError):
        locks.heartbeat(TASK, "other-host:1:slow")
    locks.release(TASK, "other-host:1:slow")
    assert TaskSchedule.objects.get(name=TASK).holder == "other-host:2:new"


def test_a_pass_skips_a_task_another_process_runs_and_says_who() -> None:
    assert locks.acquire(TASK, "web1:4242:ab12cd34")
    stream = StringIO()
    assert Worker(CronOutput(stream)).run_task(TASKS[TASK]) is None
    assert "[removeOldSnapshots] Skipped - another pass is running (holder web1:4242:ab12cd34, since " in (
        stream.getvalue()
    )
    assert "Running" not in stream.getvalue()


def test_the_lock_is_released_when_the_task_raises() -> None:
    def broken(run):
        raise RuntimeError("the database went away")

    stream = StringIO()
    result = Worker(CronOutput(stream)).run_task(Task(TASK, 60, broken))
    assert result is not None
    assert (result.errors, result.details) == (1, ["[the database went away]"])
    assert TaskSchedule.objects.get(name=TASK).holder == ""
    assert "[removeOldSnapshots] Done" in stream.getvalue()


def test_a_pass_holds_the_lock_while_it_runs_and_frees_it_after() -> None:
    seen: list[str] = []

    def look(run):
        run.beat()
        seen.append(TaskSchedule.objects.get(name=TASK).holder)
        return TASKS[TASK].run(run)

    worker = Worker(CronOutput(StringIO()))
    worker.run_task(Task(TASK, 60, look))
    assert seen == [worker.owner]
    assert TaskSchedule.objects.get(name=TASK).holder == ""
