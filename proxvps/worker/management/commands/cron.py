"""`proxvps cron`: one pass of every due periodic task, printed as it happens (SPEC S16).

Run it from the system's cron every minute, or run `proxvps worker` instead.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from proxvps.worker import locks, schedule
from proxvps.worker.management.commands._worker_command import WorkerCommand
from proxvps.worker.output import spell_interval
from proxvps.worker.tasks import TASKS


class Command(WorkerCommand):
    help = _(
        "Run one pass of every due periodic task (its interval has passed since its last pass; 0 disables it), "
        "or of one task with --task."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--task", metavar="NAME", help=_("run only this task: %s") % ", ".join(TASKS))
        parser.add_argument(
            "--force", action="store_true", help=_("run even if the interval has not passed (the lock still holds)")
        )
        parser.add_argument(
            "--list", action="store_true", help=_("show each task's interval, last pass and result, and if it is due")
        )

    def handle(self, *args: Any, **options: Any) -> None:
        only: str | None = options["task"]
        if only is not None and only not in TASKS:
            self.fail(
                _("There is no task named %(name)s; the tasks are %(names)s.")
                % {"name": only, "names": ", ".join(TASKS)},
                2,
            )
        if options["list"]:
            self.list_tasks()
            return
        with self.worker() as worker:
            worker.cron(only, options["force"])

    def list_tasks(self) -> None:
        now = timezone.now()
        rows = [(_("task"), _("interval"), _("last pass"), _("result"), _("due"))]
        for task in TASKS.values():
            entry = schedule.entry(task.name, task.default_interval)
            last = entry.last_started_at
            due = _("disabled") if entry.interval <= 0 else _("yes") if schedule.is_due(entry, now) else _("no")
            held = locks.holder_of(task.name)
            if held is not None and held.holder_since is not None:
                due += " " + _("(running in %(holder)s since %(since)s)") % {
                    "holder": held.holder,
                    "since": timezone.localtime(held.holder_since).strftime("%H:%M:%S"),
                }
            rows.append(
                (
                    task.name,
                    spell_interval(entry.interval),
                    timezone.localtime(last).strftime("%Y-%m-%d %H:%M:%S") if last else _("never"),
                    _("processed: %(processed)s, errors: %(errors)s")
                    % {"processed": entry.last_processed, "errors": entry.last_errors}
                    if last
                    else "-",
                    due,
                )
            )
        widths = [max(len(row[column]) for row in rows) for column in range(4)]
        for row in rows:
            cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
            self.stdout.write("  ".join([*cells, row[4]]))
