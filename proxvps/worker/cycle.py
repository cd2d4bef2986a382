"""A cron pass over the periodic tasks, and the worker loop that repeats it.

`Worker.cron` is `proxvps cron`: one pass of every due task between `Cron Start` and `Cron End`. `Worker.serve`
is `proxvps worker`: it runs due tasks as they come due, and processVirtualMachines whenever a service is due,
looking every second or so, so an order starts within a second rather than at the next minute.
"""

from __future__ import annotations

import logging
import threading
import time

from django.db import InterfaceError, OperationalError, close_old_connections
from django.utils import timezone

from proxvps.worker import claims, locks, schedule
from proxvps.worker.identity import new_owner
from proxvps.worker.output import CronOutput
from proxvps.worker.results import PassResult
from proxvps.worker.tasks import TASKS, Task, TaskRun

logger = logging.getLogger(__name__)

PASS_BUDGET = 60.0
"""Seconds processVirtualMachines may keep going round for in-flight operations in one pass."""
PROCESS = "processVirtualMachines"
OUTAGE_BACKOFF_MAX = 30.0
"""Longest wait between two tries of a database that does not answer."""


class Worker:
    """Runs task passes under this process's name; `stop` (set by SIGTERM/SIGINT) ends them between items."""

    def __init__(
        self,
        output: CronOutput,
        stop: threading.Event | None = None,
        budget: float = PASS_BUDGET,
        stale_after: float = locks.STALE_AFTER,
    ) -> None:
        self.output = output
        self.stop = stop or threading.Event()
        self.budget = budget
        self.stale_after = stale_after
        self.owner = new_owner()

    def due(self, only: str | None = None, force: bool = False) -> list[Task]:
        """The tasks a cron pass runs: every due one, or just `only`; `force` ignores the intervals."""
        now = timezone.now()
        chosen = [TASKS[only]] if only else list(TASKS.values())
        return [t for t in chosen if force or schedule.is_due(schedule.entry(t.name, t.default_interval), now)]

    def due_for_worker(self) -> list[Task]:
        """What the worker loop runs now: the due tasks, and processVirtualMachines as soon as a service is due
        (unless the task is disabled)."""
        tasks = self.due()
        process = TASKS[PROCESS]
        if process not in tasks and schedule.entry(PROCESS, process.default_interval).interval > 0 and claims.has_due():
            tasks.insert(0, process)
        return tasks

    def cron(self, only: str | None = None, force: bool = False) -> None:
        """One cron pass: the due tasks (see `due`) between `Cron Start` and `Cron End`."""
        self.run_tasks(self.due(only, force))

    def run_tasks(self, tasks: list[Task]) -> int:
        """Run the tasks between `Cron Start` and `Cron End`; how many items they processed."""
        started = time.monotonic()
        processed = 0
        self.output.cron_start()
        for task in tasks:
            if self.stop.is_set():
                break
            result = self.run_task(task)
            processed += result.processed if result else 0
        self.output.cron_end(time.monotonic() - started)
        return processed

    def run_task(self, task: Task) -> PassResult | None:
        """One pass of the task under its lock; None when another process holds the lock."""
        row = schedule.entry(task.name, task.default_interval)
        if task.locked and not locks.acquire(task.name, self.owner, self.stale_after):
            held = locks.holder_of(task.name)
            self.output.task_skipped(task.name, held.holder if held else "?", held.holder_since if held else None)
            return None
        try:
            self.output.task_running(task.name, row.interval, row.last_started_at)
            schedule.mark_started(task.name)
            started = time.monotonic()
            beat = locks.beater(task.name, self.owner) if task.locked else _alive
            result = self._pass(task, TaskRun(self.owner, self.output, beat, self.stop, self.budget))
            schedule.mark_finished(task.name, result)
            self.output.task_done(task.name, time.monotonic() - started, result)
            return result
        finally:
            if task.locked:
                locks.release(task.name, self.owner)

    def _pass(self, task: Task, run: TaskRun) -> PassResult:
        try:
            return task.run(run)
        except locks.LockLostError:
            return PassResult(errors=1, details=["stopped: another process took the lock over"])
        except Exception as error:  # a task that breaks as a whole is reported, the other tasks still run
            logger.exception("The %s pass failed.", task.name)
            return PassResult(errors=1, details=[f"[{error}]"])

    def serve(self, sleep: float = 1.0, once: bool = False) -> None:
        """The worker loop: run what is due, look again after `sleep` seconds when nothing was, until stopped.

        A database that does not answer (restarted, failed over, a network blip) does not end the worker: it says so
        once, waits with back-off (from `sleep` up to OUTAGE_BACKOFF_MAX seconds) and carries on when the database
        answers again. Whatever a pass had not recorded is still due: nothing is lost, and nothing runs twice (the
        leases and the conditional state changes see to that)."""
        outage: float | None = None
        while not self.stop.is_set():
            try:
                tasks = self.due_for_worker()
                # A pass that did nothing (a due service with no step to run) is not repeated at once: sleep first.
                busy = bool(tasks) and self.run_tasks(tasks) > 0
            except (OperationalError, InterfaceError) as error:
                # Connections the outage broke are thrown away, so the next attempt opens a new one.
                close_old_connections()
                if outage is None:
                    outage = time.monotonic()
                    logger.warning("The database does not answer (%s); the worker waits for it.", str(error).strip())
                    delay = sleep
                if once:
                    return
                self.stop.wait(delay)
                delay = min(delay * 2, OUTAGE_BACKOFF_MAX)
                continue
            if outage is not None:
                logger.warning(
                    "The database answers again after %.0f s; the worker carries on.", time.monotonic() - outage
                )
                outage = None
            if once:
                return
            if not busy:
                self.stop.wait(sleep)


def _alive() -> None:
    """The heartbeat of a task without a lock: nothing to tell."""
