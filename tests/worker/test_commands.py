"""`proxvps cron` through call_command: --list, an unknown --task, and the lines of a pass."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import OperationalError
from django.utils import timezone

from proxvps.worker import locks
from proxvps.worker.cycle import Worker
from proxvps.worker.models import TaskSchedule
from proxvps.worker.output import CronOutput
from proxvps.worker.tasks import TASKS, Task

pytestmark = pytest.mark.django_db

STAMP = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d "


def _cron(*args: str) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("cron", *args, stdout=out, stderr=err)
    except SystemExit as stop:
        return int(stop.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def test_list_shows_each_task_with_interval_last_pass_result_and_whether_it_is_due() -> None:
    TaskSchedule.objects.filter(name="removeOldSnapshots").update(interval=0)
    TaskSchedule.objects.filter(name="collectingStatistics").update(
        last_started_at=timezone.now(), last_processed=12, last_errors=1
    )
    code, out, err = _cron("--list")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0].split() == ["task", "interval", "last", "pass", "result", "due"]
    rows = {line.split()[0]: line for line in lines[1:]}
    assert list(rows) == list(TASKS)
    assert rows["processVirtualMachines"].split() == ["processVirtualMachines", "1m", "never", "-", "yes"]
    assert rows["removeOldSnapshots"].split()[-1] == "disabled"
    statistics = rows["collectingStatistics"]
    assert statistics.split()[1] == "60m"
    assert "processed: 12, errors: 1" in statistics
    assert statistics.endswith("no")
    assert len({line.index(row.split()[1]) for line, row in zip(lines[1:], lines[1:], strict=True)}) == 1


def test_list_says_which_process_runs_a_task_now() -> None:
    assert locks.acquire("removeOldSnapshots", "web1:4242:ab12cd34")
    _code, out, _err = _cron("--list")
    line = next(line for line in out.splitlines() if line.startswith("removeOldSnapshots"))
    assert "running in web1:4242:ab12cd34 since" in line


def test_an_unknown_task_is_one_sentence_naming_the_tasks_and_exit_status_2() -> None:
    code, out, err = _cron("--task", "processVMs")
    assert (code, out) == (2, "")
    assert len(err.strip().splitlines()) == 1
    assert "processVMs" in err
    for name in TASKS:
        assert name in err
    assert not TaskSchedule.objects.exclude(last_started_at=None).exists()


def test_a_pass_prints_start_each_task_and_end(settings) -> None:
    code, out, err = _cron("--task", "removeOldSnapshots")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    # Durations depend on the machine's load: the format is checked, not the figure.
    assert [re.sub(r"\(\d+(\.\d+)?s", "(Ns", line[20:]) for line in lines] == [
        "proxvps Cron Start",
        "[removeOldSnapshots] Running (interval: 1m, last: never)",
        "[removeOldSnapshots] Done (Ns) - processed: 0, errors: 0",
        "proxvps Cron End (Ns total)",
    ]
    assert all(line[4] == "-" and line[19] == " " for line in lines)


def test_a_task_that_is_not_due_is_not_run_without_force() -> None:
    TaskSchedule.objects.update(last_started_at=timezone.now())
    _code, out, _err = _cron("--task", "removeOldSnapshots")
    assert "Running" not in out
    _code, out, _err = _cron("--task", "removeOldSnapshots", "--force")
    assert "[removeOldSnapshots] Running (interval: 1m, last: " in out


def test_worker_once_runs_what_is_due_and_returns() -> None:
    out = StringIO()
    call_command("worker", "--once", stdout=out)
    assert [line[20:] for line in out.getvalue().splitlines() if "Running" in line] == [
        f"[{name}] Running (interval: {'60m' if name == 'collectingStatistics' else '1m'}, last: never)"
        for name in TASKS
    ]
    out = StringIO()
    call_command("worker", "--once", stdout=out)
    assert out.getvalue() == "", "nothing is due: a worker that looks and finds nothing prints nothing"


def test_worker_refuses_a_sleep_that_is_not_positive() -> None:
    err = StringIO()
    with pytest.raises(SystemExit) as stop:
        call_command("worker", "--sleep", "0", stderr=err)
    assert stop.value.code == 2
    assert "--sleep" in err.getvalue()


@pytest.mark.django_db(transaction=True)
def test_a_database_that_does_not_answer_does_not_end_the_worker(monkeypatch, caplog) -> None:
    """The worker says once that the database is gone, waits with back-off, and carries on when it answers."""
    worker = Worker(CronOutput(StringIO()))
    real = Worker.due_for_worker
    calls: list[str] = []
    waits: list[float] = []

    def flaky(self: Worker) -> list[Task]:
        calls.append("look")
        if len(calls) <= 3:
            raise OperationalError("server closed the connection unexpectedly")
        self.stop.set()
        return real(self)

    monkeypatch.setattr(Worker, "due_for_worker", flaky)

    def no_wait(seconds: float) -> bool:
        waits.append(seconds)
        return False

    monkeypatch.setattr(worker.stop, "wait", no_wait)
    with caplog.at_level("WARNING", logger="proxvps.worker.cycle"):
        worker.serve(sleep=0.5)

    assert len(calls) == 4, "the worker looked again after each failure"
    assert waits[:3] == [0.5, 1.0, 2.0], "with back-off"
    messages = [record.getMessage() for record in caplog.records]
    assert sum("does not answer" in m for m in messages) == 1, messages
    assert sum("answers again" in m for m in messages) == 1, messages
