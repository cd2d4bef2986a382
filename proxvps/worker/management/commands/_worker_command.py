"""What `proxvps cron` and `proxvps worker` share: the single-process lock on SQLite, the stop signals, and a
Worker printing to the command's stdout."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import NoReturn

from django.core.management.base import BaseCommand

from proxvps.worker import locks
from proxvps.worker.cycle import Worker
from proxvps.worker.output import CronOutput
from proxvps.worker.stopping import stop_on_signals


class WorkerCommand(BaseCommand):
    """A command that runs task passes; a refusal is one sentence on stderr and an exit status, no traceback."""

    # The system checks import every URLconf and the whole API to check them: `proxvps check` and the web server
    # run them; a worker started by cron every minute need not.
    requires_system_checks: list[str] = []

    @contextmanager
    def worker(self) -> Iterator[Worker]:
        with ExitStack() as stack:
            try:
                stack.enter_context(locks.single_process(locks.single_process_lock_path()))
            except locks.AnotherWorkerRunningError as refusal:
                self.fail(str(refusal), 1)
            stop = stack.enter_context(stop_on_signals())
            yield Worker(CronOutput(self.stdout), stop)

    def fail(self, sentence: str, status: int) -> NoReturn:
        self.stderr.write(sentence)
        raise SystemExit(status)
