"""processVirtualMachines end to end: `proxvps cron` deploys ordered services against the sandbox and prints the
seed's block; one service whose run raises does not stop the pass for the others. The cluster and the plan are
the lifecycle tests' fixtures (see conftest.py)."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from proxvps.domain import states
from proxvps.inventory.choices import StepResult
from proxvps.inventory.models import ActionLog, Plan, Service, Template
from proxvps.lifecycle.orders import order_service
from proxvps.lifecycle.reports import RunHeader, RunListener, RunReport, StepReport
from proxvps.lifecycle.runner import load_service, process_service
from proxvps.lifecycle.terminate import request_terminate
from proxvps.worker import tasks

pytestmark = pytest.mark.django_db

STEP = re.compile(
    r"^\[(?P<mark>[+.!])\] \d+\. .+? (?P<result>\S.*) \((?P<source>\w+) -> (?P<target>\w+)\) \[\d+\.\d\ds\]$"
)


@pytest.fixture(autouse=True)
def quick_polls(settings) -> None:
    """Sandbox tasks end at once: look again after 10 ms rather than half a second."""
    settings.PROXVPS_TASK_POLL_SECONDS = 0.01


def _cron() -> list[str]:
    out = StringIO()
    call_command("cron", "--task", "processVirtualMachines", stdout=out)
    return out.getvalue().splitlines()


def _order(plan: Plan, sid: str) -> Service:
    return order_service(billing_service_id=sid, client_ref="77", plan=plan)


def test_cron_deploys_an_ordered_service_to_ready_in_one_pass_and_prints_one_block(plan: Plan) -> None:
    service = _order(plan, "5546")
    lines = _cron()
    service.refresh_from_db()
    assert service.state == states.READY, lines
    assert (service.lease_owner, service.lease_expires_at) == ("", None)

    assert lines[0][19:] == " proxvps Cron Start"
    assert lines[1][20:] == "[processVirtualMachines] Running (interval: 1m, last: never)"
    assert lines[2:4] == ["", "--- Deploy: service=5546 vm=- status=new ---"]
    end = lines.index("--- Deploy complete: service=5546 status=ready ---")
    steps = [STEP.match(line) for line in lines[4:end]]
    assert all(steps), lines[4:end]
    done = [(m["source"], m["target"]) for m in steps if m and m["mark"] == "+"]
    assert done[0][0] == states.NEW
    assert done[-1][1] == states.READY
    assert all(before[1] == after[0] for before, after in itertools.pairwise(done)), done
    assert {m["mark"] for m in steps if m} <= {"+", "."}
    assert re.fullmatch(r".{19} \[processVirtualMachines\] Done \([\d.]+s\) - processed: 1, errors: 0", lines[end + 1])
    assert lines[end + 2][19:] == "   sid:5546 action:deploy [success]"
    assert re.fullmatch(r".{19} proxvps Cron End \([\d.]+s total\)", lines[end + 3])
    assert len(lines) == end + 4


def _counting_loads(loads: list[int]) -> Callable[[int], Service]:
    """`load_service` that notes each id it reads."""

    def counting(service_id: int) -> Service:
        loads.append(service_id)
        return load_service(service_id)

    return counting


def test_a_service_waiting_in_the_pass_is_read_once_while_no_one_else_writes_it(plan: Plan, monkeypatch) -> None:
    """The pass keeps the service it ran while its task runs: a deploy that waits for several tasks is read from
    the database once, when claimed, as long as its row is unchanged (see the test below for a changed one)."""
    service = _order(plan, "5549")
    loads: list[int] = []
    monkeypatch.setattr("proxvps.worker.tasks.load_service", _counting_loads(loads))
    _cron()
    service.refresh_from_db()
    assert service.state == states.READY
    waits = ActionLog.objects.filter(service=service, result=StepResult.WAITING).count()
    assert waits >= 3, "the deploy waited for its tasks"
    assert loads == [service.pk]


class BreaksAfterFirstStep:
    """Passes events on, and raises once the run has made its first step: a run that breaks half-way."""

    def __init__(self, inner: RunListener) -> None:
        self.inner = inner

    def started(self, header: RunHeader) -> None:
        self.inner.started(header)

    def step(self, report: StepReport) -> None:
        self.inner.step(report)
        raise RuntimeError("stale network data")

    def finished(self, report: RunReport) -> None:
        self.inner.finished(report)


def test_a_run_that_raises_does_not_stop_the_pass_for_the_other_services(plan: Plan, monkeypatch, settings) -> None:
    settings.PROXVPS_RETRY_SECONDS = 120
    broken, healthy = _order(plan, "5546"), _order(plan, "5547")

    def breaking(service, owner, listener, ctx):
        if service.pk == broken.pk:
            listener = BreaksAfterFirstStep(listener)
        return process_service(service, owner, listener, ctx)

    monkeypatch.setattr(tasks, "process_service", breaking)
    lines = _cron()
    broken.refresh_from_db()
    healthy.refresh_from_db()
    assert healthy.state == states.READY
    assert broken.state == states.IP_ALLOCATED, "the step before the break is kept"
    assert broken.lease_owner == ""
    assert broken.next_attempt_at is not None
    assert broken.next_attempt_at > timezone.now() + timedelta(seconds=60)
    assert "--- Deploy paused: waiting at [ip_allocated] ---" in lines
    assert "--- Deploy complete: service=5547 status=ready ---" in lines
    done = next(i for i, line in enumerate(lines) if "[processVirtualMachines] Done" in line)
    assert lines[done].endswith("processed: 2, errors: 1")
    assert [line[19:] for line in lines[done + 1 : done + 3]] == [
        "   sid:5546 action:deploy [stale network data]",
        "   sid:5547 action:deploy [success]",
    ]


def test_a_bad_plan_stops_its_service_in_error_and_the_pass_carries_on_with_the_others(plan: Plan) -> None:
    assert plan.template is not None
    not_a_template = Template.objects.create(server=plan.template.server, vmid=9009, node="pve1", name="plain VM")
    broken = Plan.objects.create(name="broken", server_group=plan.server_group, template=not_a_template)
    bad = _order(broken, "6001")
    good = _order(plan, "6002")
    lines = _cron()
    bad.refresh_from_db()
    good.refresh_from_db()
    assert bad.state == states.ERROR
    assert "is not a template" in bad.last_error
    assert good.state == states.READY
    assert any("sid:6001" in line and "is not a template" in line for line in lines)
    assert any("sid:6002 action:deploy [success]" in line for line in lines)


def test_a_service_changed_while_it_waits_for_a_task_is_read_again_before_its_next_step(
    plan: Plan, monkeypatch, sandbox
) -> None:
    """A service that staff or a request changed while it waited for a task (here: terminated while its deploy
    waits) must not go on with the step it had reached."""
    service = _order(plan, "5548")
    held_in: list[str] = []
    real = process_service

    def terminate_after_first_wait(running, owner, listener, ctx):
        report = real(running, owner, listener, ctx)
        if report.outcome == "waiting" and not held_in:
            held_in.append(report.state)
            request_terminate(Service.objects.get(pk=running.pk), requested_by="staff")
        return report

    loads: list[int] = []
    monkeypatch.setattr("proxvps.worker.tasks.load_service", _counting_loads(loads))
    monkeypatch.setattr(tasks, "process_service", terminate_after_first_wait)
    before = len(sandbox.pve.requests)
    _cron()
    service.refresh_from_db()

    assert held_in, "the deploy waited for a task at least once"
    assert loads.count(service.pk) >= 2, "the changed row was read again"
    assert service.state == states.REMOVE
    log = list(ActionLog.objects.filter(service=service).order_by("id").values_list("operation", flat=True))
    first = log.index("terminate")
    assert set(log[first:]) == {"terminate"}, log
    sent = sandbox.pve.requests[before:]
    assert not any(path.endswith("/status/start") for _method, path, _body in sent)
