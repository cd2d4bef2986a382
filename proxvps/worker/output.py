"""The cron output: streamed line by line, flushed after every line, in the seed's format (SPEC S16).

    2026-04-10 03:49:18 proxvps Cron Start
    2026-04-10 03:49:18 [processVirtualMachines] Running (interval: 1m, last: 03:34:00)

    --- Deploy: service=5546 vm=2002 status=clone ---
    [+] 1. Migrate to target node          success (clone -> migrated) [30.23s]
    --- Deploy complete: service=5546 status=ready ---
    2026-04-10 03:50:16 [processVirtualMachines] Done (57.5s) - processed: 1, errors: 0
    2026-04-10 03:50:16   sid:5546 action:deploy [success]
    2026-04-10 03:50:16 proxvps Cron End (57.6s total)

Step lines carry no timestamp (their duration says what matters) and their results line up in one column, so the
one slow or failed step stands out. Times are local to settings.TIME_ZONE, as the people reading them expect.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from django.utils import timezone

from proxvps.domain.transitions import OPERATIONS
from proxvps.lifecycle.reports import RunHeader, RunReport, StepReport
from proxvps.worker.results import PassResult

PRODUCT = "proxvps"
# "N. label (note)" is padded to this width so the results of a block line up; a longer label gets one space.
LABEL_WIDTH = 34
MARKS = {"success": "+", "skipped": "+", "error": "!", "waiting": "."}


class Stream(Protocol):
    """Where the lines go: sys.stdout, a management command's stdout, a StringIO in tests."""

    def write(self, text: str, /) -> object: ...

    def flush(self) -> None: ...


def spell_interval(seconds: int) -> str:
    """`1m`, `60m`, `30s`, or `disabled` for 0."""
    if seconds <= 0:
        return "disabled"
    return f"{seconds // 60}m" if seconds % 60 == 0 else f"{seconds}s"


def spell_seconds(seconds: float) -> str:
    """A pass's duration with one decimal and no trailing `.0`: `57.5s`, `0.1s`, `0s`."""
    return f"{round(seconds, 1):g}s"


def operation_title(operation: str) -> str:
    """How a block names its operation: the operation's own title (`Deploy`, `ChangePackage`), or for one the
    transition tables do not know, its name title-cased the same way (`reset_password` -> `ResetPassword`)."""
    known = OPERATIONS.get(operation)
    return known.title if known else "".join(part.capitalize() for part in operation.split("_"))


def step_line(report: StepReport, number: int) -> str:
    """`[+] 1. Migrate to target node          success (clone -> migrated) [30.23s]`: the step as number `number`
    of its block."""
    label = f"{number}. {report.label}"
    if report.note:
        label += f" ({report.note})"
    outcome = "success" if report.result in ("success", "skipped") else report.message or report.result
    return (
        f"[{MARKS[report.result]}] {label:<{LABEL_WIDTH}} {outcome} "
        f"({report.from_state} -> {report.to_state}) [{report.duration:.2f}s]"
    )


class CronOutput:
    """Prints a cron pass as it happens; as the RunListener of process_service it prints each service's block.

    A service whose run stops to wait (a clone task running) and resumes later in the same pass continues its
    block without a second header, as long as nothing else was printed in between. A header is only printed once
    the run has something to show, so a run with nothing to do leaves no trace.
    """

    def __init__(self, stream: Stream, clock: Callable[[], datetime] = timezone.now) -> None:
        self.stream = stream
        self.clock = clock
        self._pending: RunHeader | None = None
        self._open: RunHeader | None = None
        self._last_state = ""
        self._steps = 0

    # ------------------------------------------------------------------ lines

    def _write(self, text: str) -> None:
        self.stream.write(text + "\n")
        self.stream.flush()

    def _stamp(self, moment: datetime | None = None) -> str:
        return timezone.localtime(moment or self.clock()).strftime("%Y-%m-%d %H:%M:%S")

    def stamped(self, text: str) -> None:
        """A line of its own, after a timestamp; it ends any open service block."""
        self._open = None
        self._write(f"{self._stamp()} {text}")

    # ------------------------------------------------------------- the pass

    def cron_start(self) -> None:
        self.stamped(f"{PRODUCT} Cron Start")

    def cron_end(self, seconds: float) -> None:
        self.stamped(f"{PRODUCT} Cron End ({spell_seconds(seconds)} total)")

    def task_running(self, name: str, interval: int, last: datetime | None) -> None:
        since = timezone.localtime(last).strftime("%H:%M:%S") if last else "never"
        self.stamped(f"[{name}] Running (interval: {spell_interval(interval)}, last: {since})")

    def task_skipped(self, name: str, holder: str, since: datetime | None) -> None:
        at = timezone.localtime(since).strftime("%H:%M:%S") if since else "?"
        self.stamped(f"[{name}] Skipped - another pass is running (holder {holder}, since {at})")

    def task_done(self, name: str, seconds: float, result: PassResult) -> None:
        self.stamped(
            f"[{name}] Done ({spell_seconds(seconds)}) - processed: {result.processed}, errors: {result.errors}"
        )
        for detail in result.details:
            self.stamped(f"  {detail}")

    # ---------------------------------------------------- service blocks

    def started(self, header: RunHeader) -> None:
        resumed = self._open
        if resumed and (resumed.service_id, resumed.operation) == (header.service_id, header.operation):
            return
        self._open = None
        self._pending = header
        self._steps = 0

    def step(self, report: StepReport) -> None:
        """Steps are numbered within the block, as the seed numbers them, however many runs the block spans; a
        wait line shows the number its step will have when it ends."""
        self._show_header()
        self._last_state = report.to_state
        number = self._steps + 1
        if report.result != "waiting":
            self._steps = number
        self._write(step_line(report, number))

    def finished(self, report: RunReport) -> None:
        if report.outcome in ("waiting", "idle"):
            self._pending = None
            return
        self._show_header()
        title = operation_title(report.operation)
        if report.outcome == "complete":
            self._write(f"--- {title} complete: service={report.billing_service_id} status={report.state} ---")
        elif report.outcome == "paused":
            self._write(f"--- {title} paused: waiting at [{report.state}] ---")
        else:
            self._write(f"--- {title} failed: stopped at [{report.state}] ---")
        self._open = None

    def interrupted(self, service_id: int) -> None:
        """A run that raised instead of reporting: close its block as paused where it stood (the worker retries
        it later), so the next lines do not look like part of it."""
        block = self._open or self._pending
        if block is not None and block.service_id == service_id:
            self._show_header()
            state = self._last_state or block.state
            self._write(f"--- {operation_title(block.operation)} paused: waiting at [{state}] ---")
        self._open = self._pending = None

    def _show_header(self) -> None:
        header = self._pending
        if header is None:
            return
        vm = "-" if header.vmid is None else str(header.vmid)
        self._write("")
        self._write(
            f"--- {operation_title(header.operation)}: service={header.billing_service_id} vm={vm} "
            f"status={header.state} ---"
        )
        self._open, self._pending, self._last_state = header, None, header.state
