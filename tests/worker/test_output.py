"""The cron output, line for line: synthetic runs fed to the listener with a fixed clock give the seed's format."""

from __future__ import annotations

from datetime import UTC, datetime
from io import StringIO

import pytest

from proxvps.lifecycle.reports import RunHeader, RunReport, StepReport
from proxvps.worker.output import CronOutput, operation_title, spell_interval, spell_seconds
from proxvps.worker.results import PassResult

DEPLOY_STEPS = [
    ("Migrate to target node", "clone", "migrated", 30.23),
    ("Set CPU & RAM", "migrated", "set_cpu_ram", 0.11),
    ("Resize system disk", "set_cpu_ram", "set_system_disk_size", 0.11),
    ("Set system disk I/O", "set_system_disk_size", "set_system_disk_bandwidth", 0.13),
    ("Create additional disk", "set_system_disk_bandwidth", "set_created_additional_disk", 3.14),
    ("Resize additional disk", "set_created_additional_disk", "set_additional_disk_size", 1.08),
    ("Set additional disk I/O", "set_additional_disk_size", "set_additional_disk_bandwidth", 0.13),
    ("Configure network", "set_additional_disk_bandwidth", "set_network", 0.12),
    ("Configure firewall", "set_network", "set_firewall", 0.39),
    ("Configure cloud-init", "set_firewall", "set_cloudinit", 1.31),
    ("Start VM", "set_cloudinit", "starting", 8.18),
    ("Verify running + Email", "starting", "ready", 0.46),
]

# The seed's "successful cron run" (its OCR noise straightened: every result starts in the same column).
SEED_DEPLOY = """\
2026-04-10 03:49:18 proxvps Cron Start
2026-04-10 03:49:18 [processVirtualMachines] Running (interval: 1m, last: 03:34:00)

--- Deploy: service=5546 vm=2002 status=clone ---
[+] 1. Migrate to target node          success (clone -> migrated) [30.23s]
[+] 2. Set CPU & RAM                   success (migrated -> set_cpu_ram) [0.11s]
[+] 3. Resize system disk              success (set_cpu_ram -> set_system_disk_size) [0.11s]
[+] 4. Set system disk I/O             success (set_system_disk_size -> set_system_disk_bandwidth) [0.13s]
[+] 5. Create additional disk          success (set_system_disk_bandwidth -> set_created_additional_disk) [3.14s]
[+] 6. Resize additional disk          success (set_created_additional_disk -> set_additional_disk_size) [1.08s]
[+] 7. Set additional disk I/O         success (set_additional_disk_size -> set_additional_disk_bandwidth) [0.13s]
[+] 8. Configure network               success (set_additional_disk_bandwidth -> set_network) [0.12s]
[+] 9. Configure firewall              success (set_network -> set_firewall) [0.39s]
[+] 10. Configure cloud-init           success (set_firewall -> set_cloudinit) [1.31s]
[+] 11. Start VM                       success (set_cloudinit -> starting) [8.18s]
[+] 12. Verify running + Email         success (starting -> ready) [0.46s]
--- Deploy complete: service=5546 status=ready ---
2026-04-10 03:50:16 [processVirtualMachines] Done (57.5s) - processed: 1, errors: 0
2026-04-10 03:50:16   sid:5546 action:deploy [success]
2026-04-10 03:50:16 proxvps Cron End (57.6s total)
"""

# The seed's paused change of package. Results start in one column for every label of our operations; a note
# that makes a label longer than that column is followed by one space, as in the seed.
SEED_EARLIER_STEPS = [
    ("Update IP + DNS + Firewall", "change_package", "cp_update_ip"),
    ("Stop VM", "cp_update_ip", "cp_stop"),
    ("Set CPU & RAM", "cp_stop", "cp_cpu_ram"),
    ("Resize system disk", "cp_cpu_ram", "cp_system_disk_size"),
    ("Set system disk I/O", "cp_system_disk_size", "cp_system_disk_bandwidth"),
    ("Create additional disk", "cp_system_disk_bandwidth", "cp_additional_disk"),
    ("Resize additional disk", "cp_additional_disk", "cp_additional_disk_size"),
    ("Set additional disk I/O", "cp_additional_disk_size", "cp_additional_disk_bandwidth"),
]
SEED_CHANGE_PACKAGE_PAUSED = [
    "[+] 9. Configure network (skip - no change) success (cp_additional_disk_bandwidth -> cp_network) [0.04s]",
    "[+] 10. Configure firewall             success (cp_network -> cp_firewall) [0.07s]",
    "[!] 11. Start VM                       VM failed to start (status: stopped). Will retry. "
    "(cp_firewall -> cp_firewall) [5.11s]",
    "--- ChangePackage paused: waiting at [cp_firewall] ---",
]


class Clock:
    """A clock that says what the test sets (UTC)."""

    def __init__(self) -> None:
        self.now = datetime(2026, 4, 10, 1, 49, 18, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def set(self, hour: int, minute: int, second: int) -> None:
        self.now = self.now.replace(hour=hour, minute=minute, second=second)


@pytest.fixture
def warsaw(settings) -> None:
    """Local time two hours ahead of UTC in April, so the test proves the output is in settings.TIME_ZONE."""
    settings.TIME_ZONE = "Europe/Warsaw"


def _step(label: str, source: str, target: str, duration: float, **changes: str) -> StepReport:
    fields: dict[str, object] = {
        "label": label,
        "note": "",
        "result": "success",
        "message": "",
        "from_state": source,
        "to_state": target,
        "duration": duration,
    }
    fields.update(changes)
    return StepReport(**fields)  # type: ignore[arg-type]


def _report(outcome: str, state: str, operation: str = "deploy", message: str = "") -> RunReport:
    return RunReport(1, "5546", operation, outcome, state, message)  # type: ignore[arg-type]


def test_a_deploy_pass_prints_the_seed_format_in_local_time(warsaw) -> None:
    clock, stream = Clock(), StringIO()
    out = CronOutput(stream, clock)
    out.cron_start()
    out.task_running("processVirtualMachines", 60, datetime(2026, 4, 10, 1, 34, 0, tzinfo=UTC))
    out.started(RunHeader(1, "5546", 2002, "deploy", "clone"))
    for label, source, target, duration in DEPLOY_STEPS:
        out.step(_step(label, source, target, duration))
    out.finished(_report("complete", "ready"))
    clock.set(1, 50, 16)
    out.task_done("processVirtualMachines", 57.5, PassResult(1, 0, ["sid:5546 action:deploy [success]"]))
    out.cron_end(57.6)
    assert stream.getvalue() == SEED_DEPLOY


def test_a_failed_step_shows_its_error_in_the_result_column_and_pauses_the_block(warsaw) -> None:
    stream = StringIO()
    out = CronOutput(stream, Clock())
    out.started(RunHeader(1, "5546", 2002, "change_package", "change_package"))
    for label, source, target in SEED_EARLIER_STEPS:
        out.step(_step(label, source, target, 0.1))
    out.step(_step("Configure network", "cp_additional_disk_bandwidth", "cp_network", 0.04, note="skip - no change"))
    out.step(_step("Configure firewall", "cp_network", "cp_firewall", 0.07))
    message = "VM failed to start (status: stopped). Will retry."
    out.step(_step("Start VM", "cp_firewall", "cp_firewall", 5.11, result="error", message=message))
    out.finished(_report("paused", "cp_firewall", "change_package", message))
    lines = stream.getvalue().splitlines()
    assert lines[1] == "--- ChangePackage: service=5546 vm=2002 status=change_package ---"
    assert lines[-len(SEED_CHANGE_PACKAGE_PAUSED) :] == SEED_CHANGE_PACKAGE_PAUSED


def test_a_run_that_waits_and_resumes_stays_one_block() -> None:
    stream = StringIO()
    out = CronOutput(stream, Clock())
    out.started(RunHeader(1, "5546", None, "deploy", "set_dns_records"))
    out.step(
        _step(
            "Clone template",
            "set_dns_records",
            "set_dns_records",
            0.2,
            result="waiting",
            message="task clone started",
        )
    )
    out.finished(_report("waiting", "set_dns_records", message="task clone started"))
    out.started(RunHeader(1, "5546", 2002, "deploy", "set_dns_records"))
    out.step(_step("Clone template", "set_dns_records", "clone", 0.01))
    out.finished(_report("waiting", "clone"))
    assert stream.getvalue().splitlines() == [
        "",
        "--- Deploy: service=5546 vm=- status=set_dns_records ---",
        "[.] 1. Clone template                  task clone started (set_dns_records -> set_dns_records) [0.20s]",
        "[+] 1. Clone template                  success (set_dns_records -> clone) [0.01s]",
    ]


def test_a_run_with_nothing_to_do_prints_nothing() -> None:
    stream = StringIO()
    out = CronOutput(stream, Clock())
    out.started(RunHeader(1, "5546", 2002, "deploy", "clone"))
    out.finished(_report("idle", "clone"))
    out.started(RunHeader(1, "5546", 2002, "deploy", "clone"))
    out.finished(_report("waiting", "clone"))
    assert stream.getvalue() == ""


def test_a_run_that_raised_closes_its_block_where_it_stood() -> None:
    stream = StringIO()
    out = CronOutput(stream, Clock())
    out.started(RunHeader(1, "5546", 2002, "deploy", "clone"))
    out.step(_step("Migrate to target node", "clone", "migrated", 1.0))
    out.interrupted(1)
    assert stream.getvalue().splitlines()[-1] == "--- Deploy paused: waiting at [migrated] ---"


def test_a_failed_operation_says_where_it_stopped() -> None:
    stream = StringIO()
    out = CronOutput(stream, Clock())
    out.started(RunHeader(1, "5546", None, "deploy", "new"))
    out.step(_step("Allocate IP", "new", "error", 0.01, result="error", message="No free IPv4 address."))
    out.finished(_report("failed", "error", message="No free IPv4 address."))
    assert stream.getvalue().splitlines()[-1] == "--- Deploy failed: stopped at [error] ---"


def test_skipped_tasks_and_details_lines(warsaw) -> None:
    stream = StringIO()
    out = CronOutput(stream, Clock())
    out.task_running("collectingStatistics", 3600, None)
    out.task_done("collectingStatistics", 0.04, PassResult(1, 0, ["sid:5546 [success] last:never, collected"]))
    out.task_skipped("removeOldSnapshots", "web1:4242:ab12cd34", datetime(2026, 4, 10, 1, 48, 0, tzinfo=UTC))
    assert stream.getvalue().splitlines() == [
        "2026-04-10 03:49:18 [collectingStatistics] Running (interval: 60m, last: never)",
        "2026-04-10 03:49:18 [collectingStatistics] Done (0s) - processed: 1, errors: 0",
        "2026-04-10 03:49:18   sid:5546 [success] last:never, collected",
        "2026-04-10 03:49:18 [removeOldSnapshots] Skipped - another pass is running "
        "(holder web1:4242:ab12cd34, since 03:48:00)",
    ]


class FlushCounter(StringIO):
    def __init__(self) -> None:
        super().__init__()
        self.flushed_at: list[int] = []

    def flush(self) -> None:
        self.flushed_at.append(len(self.getvalue().splitlines()))


def test_every_line_is_flushed_as_it_is_written() -> None:
    stream = FlushCounter()
    out = CronOutput(stream, Clock())
    out.cron_start()
    out.started(RunHeader(1, "5546", 2002, "deploy", "clone"))
    out.step(_step("Migrate to target node", "clone", "migrated", 1.0))
    out.cron_end(1.0)
    assert stream.flushed_at == [1, 2, 3, 4, 5]


@pytest.mark.parametrize(("seconds", "spelled"), [(60, "1m"), (3600, "60m"), (30, "30s"), (90, "90s"), (0, "disabled")])
def test_intervals_are_spelled_as_the_seed_does(seconds: int, spelled: str) -> None:
    assert spell_interval(seconds) == spelled


@pytest.mark.parametrize(("seconds", "spelled"), [(57.5, "57.5s"), (0.04, "0s"), (0.1, "0.1s"), (2.0, "2s")])
def test_pass_durations_have_one_decimal_at_most(seconds: float, spelled: str) -> None:
    assert spell_seconds(seconds) == spelled


@pytest.mark.parametrize(
    ("operation", "title"),
    [("deploy", "Deploy"), ("change_package", "ChangePackage"), ("reset_password", "ResetPassword")],
)
def test_blocks_name_their_operation_in_title_case(operation: str, title: str) -> None:
    assert operation_title(operation) == title
