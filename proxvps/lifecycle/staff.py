"""What staff do with a service the worker cannot finish on its own (SPEC S6, S18): retry the step that failed,
reset the status to one of the states S18 allows (`RESET_TARGETS`, each with when to use it), retry a failed
terminate, mark the service removed without touching Proxmox, or delete its record only.

Each is staff's explicit decision (the console asks for a confirmation that says what it does). All but the last
go through `advance()` like every state change and leave a line in the service's action log; deleting the record
deletes the log with it, so it is written to the application log instead.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from proxvps.domain import states
from proxvps.domain.transitions import ACTIVE_STATES, DEPLOY, OPERATIONS, SUSPEND, TERMINATE, operation_for
from proxvps.inventory.choices import RequestStatus, StepResult
from proxvps.inventory.models import ActionLog, OperationRequest, Service
from proxvps.ipam.allocation import release
from proxvps.lifecycle import requests
from proxvps.lifecycle.advance import advance
from proxvps.lifecycle.requests import OrderRefused, submit

log = logging.getLogger(__name__)

DELETABLE_STATES = frozenset({states.ERROR_TERMINATE, states.REMOVE})
"""Only a service that is gone, or whose terminate failed, may lose its record: any other still has work."""


def retry_terminate(service: Service, by: str) -> OperationRequest:
    """Reset the status to `terminate`: the terminate runs again from its first step (the VM is shut down if it
    runs; each cleanup is redone where needed; a VM already gone counts as deleted)."""
    return submit(
        service, TERMINATE, requested_by=by, note=_("status reset to terminate by %(by)s") % {"by": by or _("staff")}
    )


def mark_removed(service: Service, by: str) -> None:
    """Reset the status to `remove` (force-mark): the addresses and the VMID are freed, Proxmox is not touched. For
    a VM staff deleted by hand, or will; the log says which VM was left where it is."""
    with transaction.atomic():
        locked = Service.objects.select_for_update().get(pk=service.pk)
        if locked.state == states.REMOVE:
            return
        released = release(locked)
        left = (
            _("VM %(vmid)s on node %(node)s left untouched on Proxmox.") % {"vmid": locked.vmid, "node": locked.node}
            if locked.vmid is not None
            else _("The service had no VM.")
        )
        requests.cancel(locked, _("Cancelled: staff marked the service removed."))
        advance(
            locked,
            owner=None,
            operation=TERMINATE.name,
            step=_("Status reset to remove"),
            to_state=states.REMOVE,
            result=StepResult.SUCCESS,
            message=_("By %(by)s: %(freed)s; %(left)s")
            % {
                "by": by or _("staff"),
                "freed": ngettext("%(count)d address freed", "%(count)d addresses freed", released)
                % {"count": released},
                "left": left,
            },
            started_at=timezone.now(),
            duration=0.0,
            vmid=None,
            node="",
            task_upid="",
            next_attempt_at=None,
        )
    service.refresh_from_db()


def delete_record(service: Service, by: str) -> None:
    """Delete the service's record only: its VM, backups and snapshots stay on Proxmox as they are. The database is
    cleaned up (SPEC S6): the addresses go back to their pools, and the action log and usage figures go with the
    record. Only for a service in `error_terminate` or `remove`; any other is refused and nothing changes."""
    with transaction.atomic():
        locked = Service.objects.select_for_update().get(pk=service.pk)
        if locked.state not in DELETABLE_STATES:
            raise OrderRefused(
                _(
                    "Only the record of a removed service, or of one whose terminate failed, can be deleted; "
                    "service %(sid)s is %(state)s."
                )
                % {"sid": locked.billing_service_id, "state": locked.state_label}
            )
        released = release(locked)
        locked.delete()
    log.warning(
        "service %s record deleted by %s (state %s, VM %s on %s left on Proxmox, %d addresses freed)",
        service.billing_service_id,
        by or "staff",
        service.state,
        service.vmid,
        service.node or "-",
        released,
    )


# ------------------------------------------------------------------------------------------------ retry the step


RETRYABLE_FAILURE_STATES = frozenset(op.failure_state for op in OPERATIONS.values() if op.retries) - {states.READY}
"""Where an operation stops for staff after a failure it does not retry itself (a failed terminate has its own
reset: `retry_terminate`)."""


def _staff(by: str) -> str:
    return by or _("staff")


def retry_step(service: Service, by: str) -> str:
    """Run the step that failed again, now. A service paused on a failure the worker retries later is due at once;
    one an operation left in `error` goes back to the state the failed step started from (read from the action
    log), and its request runs on; a failed terminate starts again from its first step. Anything else is refused
    (OrderRefused). Returns what was done, for the page."""
    if service.state == states.ERROR_TERMINATE:
        retry_terminate(service, by)
        return _("The terminate runs again from its first step.")
    with transaction.atomic():
        locked = Service.objects.select_for_update().get(pk=service.pk)
        now = timezone.now()
        if locked.state in ACTIVE_STATES:
            if not locked.last_error:
                raise OrderRefused(_("No step of service %(sid)s failed: nothing to retry.") % _sid(locked))
            operation = operation_for(locked.state)
            assert operation is not None
            advance(
                locked,
                owner=None,
                operation=operation.name,
                step=_("Retry requested"),
                to_state=locked.state,
                result=StepResult.SUCCESS,
                message=_("By %(by)s: the failed step runs again now.") % {"by": _staff(by)},
                started_at=now,
                duration=0.0,
                next_attempt_at=None,
            )
            done = _("The failed step runs again at the worker's next look.")
        elif locked.state in RETRYABLE_FAILURE_STATES:
            # The row that put the service where it is: a failed step, or the failure is not one to retry (staff
            # reset the status to error, say).
            failed = (
                ActionLog.objects.filter(service=locked, to_state=locked.state)
                .exclude(from_state=locked.state)
                .order_by("-started_at", "-pk")
                .first()
            )
            operation = operation_for(failed.from_state) if failed is not None else None
            if failed is None or failed.result != StepResult.ERROR or operation is None:
                raise OrderRefused(
                    _("The log of service %(sid)s names no failed step to retry; reset its status instead.")
                    % _sid(locked)
                )
            advance(
                locked,
                owner=None,
                operation=operation.name,
                step=_("Retry of %(step)s requested") % {"step": failed.step},
                to_state=failed.from_state,
                result=StepResult.SUCCESS,
                message=_("By %(by)s: %(operation)s goes on from %(step)s.")
                % {"by": _staff(by), "operation": _(operation.label), "step": failed.step},
                started_at=now,
                duration=0.0,
                next_attempt_at=None,
                task_upid="",
            )
            if locked.request_id is not None:
                OperationRequest.objects.filter(pk=locked.request_id, status=RequestStatus.FAILED).update(
                    status=RequestStatus.STARTED, finished_at=None, message=""
                )
            done = _("%(operation)s goes on from %(step)s.") % {"operation": _(operation.label), "step": failed.step}
        else:
            raise OrderRefused(
                _("Service %(sid)s is %(state)s: there is no failed step to retry.")
                % {**_sid(locked), "state": locked.state_label}
            )
    service.refresh_from_db()
    return done


def _sid(service: Service) -> dict[str, str]:
    return {"sid": service.billing_service_id}


# ------------------------------------------------------------------------------------------------- reset status


@dataclass(frozen=True)
class ResetTarget:
    """A state staff may reset a service to, with when to use it (the table the console shows, SPEC S18)."""

    state: str
    label: Promise
    when: Promise
    allowed_from: frozenset[str] | None = None
    """The states this reset may start from; None: any."""


RESET_TARGETS = (
    ResetTarget(
        states.READY,
        gettext_lazy("ready"),
        gettext_lazy(
            "The VM is as the plan says and you checked that it works (or you finished by hand what the failed step "
            "should have done). The service is marked ready and its client may use it again; Proxmox is not touched."
        ),
    ),
    ResetTarget(
        states.NEW,
        gettext_lazy("new (redeploy)"),
        gettext_lazy(
            "A deploy failed and its cause is fixed (plan, template, storage). The deploy runs again from its first "
            "step: addresses already reserved are kept and a VM the failed run cloned is taken over, not cloned again."
        ),
        frozenset({states.ERROR, *DEPLOY.states}),
    ),
    ResetTarget(
        states.SUSPENDED,
        gettext_lazy("suspended"),
        gettext_lazy(
            "A suspend stopped the VM but did not finish. The service is marked suspended and its client area "
            "locked; Proxmox is not touched."
        ),
        frozenset({states.ERROR, *SUSPEND.states}),
    ),
    ResetTarget(
        states.ERROR,
        gettext_lazy("error"),
        gettext_lazy(
            "An operation is stuck (a task that never ends, a step retried forever). The worker leaves the service "
            "alone until you act; the request in flight and those waiting are cancelled."
        ),
    ),
    ResetTarget(
        states.TERMINATE,
        gettext_lazy("terminate (retry)"),
        gettext_lazy(
            "A terminate failed or is stuck and its cause is fixed. It runs again from its first step: the VM is "
            "shut down, its backups, snapshots, DNS records and firewall objects removed, the VM deleted, its "
            "addresses and VMID freed."
        ),
    ),
    ResetTarget(
        states.REMOVE,
        gettext_lazy("remove (force-mark)"),
        gettext_lazy(
            "The VM was deleted by hand, or will be. The addresses and the VMID are freed for new orders; Proxmox "
            "is not touched, so a VM still there keeps running with addresses another client may get."
        ),
    ),
)
RESET_BY_STATE = {target.state: target for target in RESET_TARGETS}


def reset_status(service: Service, state: str, by: str) -> None:
    """Put the service in `state` (one of RESET_TARGETS) through the one state-change function, with a log row
    naming who did it. Refused (OrderRefused) for a state not in the table, one not allowed from where the
    service stands, or the state it is already in."""
    target = RESET_BY_STATE.get(state)
    if target is None:
        raise OrderRefused(_("%(state)s is not a state a service can be reset to.") % {"state": state})
    service.refresh_from_db()
    if target.allowed_from is not None and service.state not in target.allowed_from:
        raise OrderRefused(
            _("A service that is %(state)s cannot be reset to %(target)s.")
            % {"state": service.state_label, "target": target.label}
        )
    if state == states.REMOVE:
        mark_removed(service, by)
        return
    if state == states.TERMINATE and service.state not in TERMINATE.states:
        retry_terminate(service, by)
        return
    with transaction.atomic():
        locked = Service.objects.select_for_update().get(pk=service.pk)
        if locked.state == state:
            raise OrderRefused(_("Service %(sid)s is %(state)s already.") % {**_sid(locked), "state": target.label})
        operation = TERMINATE if state == states.TERMINATE else operation_for(state) or operation_for(locked.state)
        if state != states.TERMINATE:  # a terminate restarted keeps its request: it is the same terminate
            requests.cancel(locked, _("Cancelled: staff reset the status to %(state)s.") % {"state": target.label})
        advance(
            locked,
            owner=None,
            operation=operation.name if operation else "reset_status",
            step=_("Status reset to %(state)s") % {"state": target.label},
            to_state=state,
            result=StepResult.SUCCESS,
            message=_("By %(by)s.") % {"by": _staff(by)},
            started_at=timezone.now(),
            duration=0.0,
            next_attempt_at=None,
            task_upid="",
            last_error="",
        )
    service.refresh_from_db()
