"""`proxvps worker`: the long-running worker. It runs each periodic task when its interval comes round and
processVirtualMachines as soon as a service is due, until SIGTERM or SIGINT (SPEC S16).

On PostgreSQL, run as many as you like, on as many machines: they share the services through claims. On SQLite,
one runs at a time.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser
from django.utils.translation import gettext as _

from proxvps.worker.management.commands._worker_command import WorkerCommand


class Command(WorkerCommand):
    help = _("Run the periodic tasks as they come due, and the services' operations as soon as they are due.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help=_("look once, run what is due, and exit"))
        parser.add_argument(
            "--sleep",
            type=float,
            default=1.0,
            metavar="S",
            help=_("seconds between two looks when nothing is due (default 1)"),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["sleep"] <= 0:
            self.fail(_("--sleep must be a positive number of seconds."), 2)
        with self.worker() as worker:
            worker.serve(sleep=options["sleep"], once=options["once"])
