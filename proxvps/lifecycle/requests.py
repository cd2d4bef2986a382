"""How an operation is asked for, and when it starts.

Every operation other than the deploy an order starts (change package, terminate, suspend, a backup, a snapshot,
...) comes in as an OperationRequest. A service runs one operation at a time: a request made while the service is
idle in a state the operation may start from starts it at once; one made while another operation is in flight
waits its turn and starts when that one completes (SPEC S9: while a backup or restore runs, every other operation
on the VM waits, and the log says so); one made in any other state (error, removed, ...) is refused with one
sentence and changes nothing. Terminate preempts: it starts at once and cancels what waits.

`submit` and `complete` lock the service row, so a request never slips between an operation's end and the start
of the next one, whichever process makes it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from proxvps.domain.transitions import ACTIVE_STATES, OPERATIONS, Operation, operation_for
from proxvps.inventory.choices import RequestStatus, StepResult
from proxvps.inventory.models import OperationRequest, Service
from proxvps.lifecycle.advance import advance


class OrderRefused(ValueError):  # noqa: N818 - a refusal, not a failure: the message is the answer
    """The order, change or operation cannot be accepted as given; the message says why in one sentence."""


def _label(operation: Operation) -> str:
    return _(operation.label)


def _start(service: Service, request: OperationRequest, operation: Operation) -> None:
    """Put the locked service in the operation's first state, with the request's field changes."""
    now = timezone.now()
    advance(
        service,
        owner=None,
        operation=operation.name,
        step=_("%(operation)s requested") % {"operation": _label(operation)},
        to_state=operation.first_state,
        result=StepResult.SUCCESS,
        started_at=now,
        duration=0.0,
        request=request,
        task_upid="",
        next_attempt_at=None,
        **request.fields,
    )
    request.status = RequestStatus.STARTED
    request.started_at = now
    request.save(update_fields=["status", "started_at"])


def submit(
    service: Service,
    operation: Operation,
    *,
    params: Mapping[str, Any] | None = None,
    fields: Mapping[str, Any] | None = None,
    secret: str = "",
    requested_by: str = "",
) -> OperationRequest:
    """Ask for `operation` on `service`: started now, queued behind the operation in flight, or refused
    (OrderRefused). `params` are what the operation's steps read (ctx.request.params); `fields` are Service
    fields (by attribute name, JSON values: `plan_id`, `options`) written when it starts; `secret` is kept
    encrypted (a new password). Validate before calling: a queued request is not checked again but for its
    state. Updates `service` in memory."""
    with transaction.atomic():
        locked = Service.objects.select_for_update().get(pk=service.pk)
        waiting = OperationRequest.objects.filter(service=locked, status=RequestStatus.PENDING)
        if operation.preempts and locked.state in operation.states and locked.request is not None:
            return locked.request  # already under way: asking again changes nothing
        busy = locked.state in ACTIVE_STATES or waiting.exists()
        if not operation.preempts and not busy and locked.state not in operation.starts_from:
            raise OrderRefused(
                _("%(operation)s is not possible while service %(sid)s is %(state)s.")
                % {"operation": _label(operation), "sid": locked.billing_service_id, "state": locked.state_label}
            )
        request = OperationRequest.objects.create(
            service=locked,
            operation=operation.name,
            params=dict(params or {}),
            fields=dict(fields or {}),
            secret=secret,
            requested_by=requested_by,
        )
        if operation.preempts:
            waiting.exclude(pk=request.pk).update(
                status=RequestStatus.CANCELLED, message=_("Cancelled: the service is being terminated.")
            )
            _start(locked, request, operation)
        elif busy:
            in_flight = operation_for(locked.state)
            advance(
                locked,
                owner=None,
                operation=operation.name,
                step=_("%(operation)s requested") % {"operation": _label(operation)},
                to_state=locked.state,
                result=StepResult.WAITING,
                message=_("Waiting for %(current)s to finish.")
                % {"current": _label(in_flight) if in_flight else _("the requests before it")},
                started_at=timezone.now(),
                duration=0.0,
            )
        else:
            _start(locked, request, operation)
    service.refresh_from_db()
    return request


def complete(service: Service) -> Operation | None:
    """The service's operation reached its end: mark its request done and start the next waiting one that may
    start from here (refusing, with the reason, those that may not). Returns the operation now in flight."""
    with transaction.atomic():
        locked = Service.objects.select_for_update().get(pk=service.pk)
        if locked.request_id is not None:
            OperationRequest.objects.filter(pk=locked.request_id, status=RequestStatus.STARTED).update(
                status=RequestStatus.DONE, finished_at=timezone.now()
            )
        current = operation_for(locked.state)
        if current is None:
            for request in OperationRequest.objects.filter(service=locked, status=RequestStatus.PENDING):
                operation = OPERATIONS[request.operation]
                if operation.preempts or locked.state in operation.starts_from:
                    _start(locked, request, operation)
                    current = operation
                    break
                request.status = RequestStatus.REFUSED
                request.finished_at = timezone.now()
                request.message = _("%(operation)s is not possible while the service is %(state)s.") % {
                    "operation": _label(operation),
                    "state": locked.state_label,
                }
                request.save(update_fields=["status", "finished_at", "message"])
    service.refresh_from_db()
    return current


def fail(service: Service, message: str) -> None:
    """The operation stopped in error (staff must act): its request failed with that message."""
    if service.request_id is not None:
        OperationRequest.objects.filter(pk=service.request_id, status=RequestStatus.STARTED).update(
            status=RequestStatus.FAILED, finished_at=timezone.now(), message=message
        )
