"""Running a service's state machine: from where it stands, step after step, until it is complete, must wait, or
failed. The worker calls `process_service` for each service it claimed; everything a step does is recorded
before the next one starts, so a crash at any line loses nothing.
"""

from __future__ import annotations

import logging
from datetime import datetime
from time import perf_counter

from django.utils import timezone
from django.utils.translation import gettext as _

from proxvps.domain.options import OptionError
from proxvps.domain.transitions import ACTIVE_STATES, Operation, Transition, operation_for
from proxvps.inventory import tunables
from proxvps.inventory.choices import StepResult
from proxvps.inventory.models import Service
from proxvps.lifecycle import requests, steps
from proxvps.lifecycle.advance import LeaseLostError, advance, due_in
from proxvps.lifecycle.context import StepContext
from proxvps.lifecycle.outcomes import Done, Failed, Outcome, Wait
from proxvps.lifecycle.passes import PassContext
from proxvps.lifecycle.reports import RunHeader, RunListener, RunOutcome, RunReport, StepReport
from proxvps.proxmox import ProxmoxError

__all__ = ["ACTIVE_STATES", "load_service", "process_service"]

log = logging.getLogger(__name__)


def _run_step(step: steps.Step, ctx: StepContext) -> Outcome:
    """The step's outcome; an error a step did not turn into one becomes a retryable failure of this service
    only (SPEC S22: one broken service never stops the pass for the others)."""
    try:
        return step(ctx)
    except LeaseLostError:
        raise
    except OptionError as error:
        return Failed(str(error), retryable=False)
    except (ProxmoxError, LookupError, ValueError) as error:
        return Failed(str(error))
    except Exception as error:
        log.exception("step %s of service %s failed", step.__name__, ctx.service.pk)
        return Failed(_("Internal error: %(error)s") % {"error": error})


def retry_delay(failure: Failed) -> float:
    return failure.after if failure.after is not None else tunables.value("PROXVPS_RETRY_SECONDS")


class _Run:
    """One run: the service, its operation and worker, and the listener its steps and its end are told to."""

    def __init__(self, service: Service, operation: Operation, owner: str, listener: RunListener) -> None:
        self.service = service
        self.operation = operation
        self.owner = owner
        self.listener = listener

    def report(self, outcome: RunOutcome, message: str = "", after: float = 0.0) -> RunReport:
        report = RunReport(
            service_id=self.service.pk,
            billing_service_id=self.service.billing_service_id,
            operation=self.operation.name,
            outcome=outcome,
            state=self.service.state,
            message=message,
            after=after,
        )
        self.listener.finished(report)
        return report

    def tell(self, transition: Transition, result: str, note: str, message: str, source: str, duration: float) -> None:
        self.listener.step(
            StepReport(
                label=_(transition.label),
                note=note,
                result=result,  # type: ignore[arg-type]
                message=message,
                from_state=source,
                to_state=self.service.state,
                duration=duration,
            )
        )

    def final(self, failure: Failed) -> bool:
        """Whether the failure stops the operation in its failure state (staff must act) rather than being retried."""
        return not failure.retryable or not self.operation.retries

    def apply(self, transition: Transition, outcome: Outcome, started: datetime, duration: float) -> bool:
        """Record the outcome, and the task the step left pending (none once it read a task's end: see
        `StepContext.task_ended`), in one UPDATE; True when the run goes on to the next step."""
        source = self.service.state
        label = _(transition.label)
        if isinstance(outcome, Done):
            result = StepResult.SKIPPED if outcome.skipped else StepResult.SUCCESS
            advance(
                self.service,
                owner=self.owner,
                operation=self.operation.name,
                step=label,
                to_state=transition.target,
                result=result,
                message=outcome.note,
                started_at=started,
                duration=duration,
                task_upid=self.service.task_upid,
                next_attempt_at=None,
            )
            self.tell(transition, "skipped" if outcome.skipped else "success", outcome.note, "", source, duration)
            return True
        if isinstance(outcome, Wait):
            advance(
                self.service,
                owner=self.owner,
                operation=self.operation.name,
                step=label,
                to_state=source,
                result=StepResult.WAITING,
                message=outcome.reason,
                started_at=started,
                duration=duration,
                task_upid=self.service.task_upid,
                log=outcome.logged,
                next_attempt_at=due_in(outcome.after),
            )
            if outcome.logged:
                # A line when the task starts and a heartbeat in a long wait; not one per look, which would flood a
                # long migration's log.
                self.tell(transition, "waiting", "", outcome.reason, source, duration)
            return False
        final = self.final(outcome)
        advance(
            self.service,
            owner=self.owner,
            operation=self.operation.name,
            step=label,
            to_state=self.operation.failure_state if final else source,
            result=StepResult.ERROR,
            message=outcome.message,
            started_at=started,
            duration=duration,
            task_upid=self.service.task_upid,
            next_attempt_at=None if final else due_in(retry_delay(outcome)),
        )
        self.tell(transition, "error", "", outcome.message, source, duration)
        return False


def load_service(service_id: int) -> Service:
    """The service with everything its steps read (plan, template, server, request), in one query."""
    return Service.objects.select_related(
        "plan", "plan__template", "plan__server_group", "server", "template", "request"
    ).get(pk=service_id)


def process_service(service: Service | int, owner: str, listener: RunListener, ctx: PassContext) -> RunReport:
    """Run the service's state machine from where it stands until it completes, must wait, or fails; when an
    operation completes and another request waits for the service, that one starts and runs on in the same run.

    The caller holds the service's lease (lease_owner == owner); every state change is a conditional UPDATE on
    it, so a run whose lease was lost stops. Sets next_attempt_at when it must wait or retry. Given a loaded
    service (`load_service`), the caller vouches that the row is as loaded; the run keeps that object up to date
    with what it writes, so a caller that holds the lease may run it again later without reading it anew.
    """
    if isinstance(service, int):
        service = load_service(service)
    operation = operation_for(service.state)
    if operation is None or service.lease_owner != owner:
        name = operation.name if operation else ""
        return RunReport(service.pk, service.billing_service_id, name, "idle", service.state, "")
    while True:
        # A context per operation: what one resolved (the package's resources) may differ for the next.
        step_ctx = StepContext(service, owner, ctx)
        run = _Run(service, operation, owner, listener)
        listener.started(RunHeader(service.pk, service.billing_service_id, service.vmid, operation.name, service.state))
        try:
            while (transition := operation.next(service.state)) is not None:
                started, clock = timezone.now(), perf_counter()
                outcome = _run_step(steps.find(transition.step), step_ctx)
                if not run.apply(transition, outcome, started, perf_counter() - clock):
                    if isinstance(outcome, Wait):
                        return run.report("waiting", outcome.reason, after=outcome.after)
                    assert isinstance(outcome, Failed)
                    if run.final(outcome):
                        # The requests that waited start now if they may start from where this one stopped (a
                        # snapshot that failed leaves the service ready), and are refused if not.
                        requests.fail(service, outcome.message)
                        report = run.report("failed", outcome.message)
                        requests.complete(service)
                        return report
                    return run.report("paused", outcome.message)
        except LeaseLostError:
            return run.report("idle", _("the service changed under this run; another worker or staff took it over"))
        following = requests.complete(service)
        if following is None:
            return run.report("complete")
        run.report("complete")
        operation = following
