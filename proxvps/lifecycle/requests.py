"""How an operation is asked for, and when it starts.

Every operation other than the deploy an order starts (change package, terminate, suspend, a backup, a snapshot,
...) comes in as an OperationRequest. A service runs one operation at a time: a request made while the service is
idle in a state the operation may start from starts it at once; one made while another operation is in flight
waits its turn and starts when that one completes (SPEC S9: while a backup or restore runs, every other operation
on the VM waits, and the log says so); one made in any other state (error, removed, ...) is refused with one
sentence and changes nothing; one made in a state where the operation has nothing to do (a suspend of a suspended
service) is answered as done. Terminate preempts: it starts at once and cancels what runs and what waits.

`submit` and `complete` lock the service row, so a request never slips between an operation's end and the start
of the next one, whichever process makes it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from proxvps.domain.transitions import ACTIVE_STATES, OPERATIONS, Operation, operation_for
from proxvps.inventory.choices import RequestStatus, StepResult
from proxvps.inventory.connect import client_for
from proxvps.inventory.models import OperationRequest, Service
from proxvps.lifecycle.advance import advance
from proxvps.proxmox import ProxmoxClient, ProxmoxError

OPEN = (RequestStatus.PENDING, RequestStatus.STARTED)


class OrderRefused(ValueError):  # noqa: N818 - a refusal, not a failure: the message is the answer
    """The order, change or operation cannot be accepted as given; the message says why in one sentence."""


def open_requests(service: Service, operation: Operation) -> QuerySet[OperationRequest]:
    """The service's requests for `operation` that wait or run: what a count limit or a duplicate check must
    count besides what Proxmox has now."""
    return OperationRequest.objects.filter(service=service, operation=operation.name, status__in=OPEN)


@contextmanager
def checking_vm(service: Service) -> Iterator[ProxmoxClient]:
    """A client of the service's cluster for checking a request against its VM (a count limit, a name), inside a
    transaction that holds the service's row lock until the request is submitted: two requests checked against the
    same count are checked one after the other. A Proxmox error becomes a refusal that says so."""
    if service.server is None or service.vmid is None or not service.node:
        raise OrderRefused(_("Service %(sid)s has no VM yet.") % {"sid": service.billing_service_id})
    with transaction.atomic():
        Service.objects.select_for_update().get(pk=service.pk)
        try:
            with client_for(service.server) as client:
                yield client
        except ProxmoxError as error:
            raise OrderRefused(
                _("Proxmox could not be asked about service %(sid)s: %(error)s")
                % {"sid": service.billing_service_id, "error": error}
            ) from error


def _label(operation: Operation) -> str:
    return _(operation.label)


def _requested(operation: Operation) -> str:
    return _("%(operation)s requested") % {"operation": _label(operation)}


def _start(service: Service, request: OperationRequest, operation: Operation, note: str = "") -> None:
    """Put the locked service in the operation's first state, with the request's field changes (which may name the
    task the request already started: terminate's stop request)."""
    now = timezone.now()
    fields: dict[str, Any] = {"task_upid": "", "next_attempt_at": None, **request.fields}
    advance(
        service,
        owner=None,
        operation=operation.name,
        step=_requested(operation),
        to_state=operation.first_state,
        result=StepResult.SUCCESS,
        message=note,
        started_at=now,
        duration=0.0,
        request=request,
        **fields,
    )
    request.status = RequestStatus.STARTED
    request.started_at = now
    request.save(update_fields=["status", "started_at"])


def _already_done(service: Service) -> str:
    return _("Nothing to do: the service is already %(state)s.") % {"state": service.state_label}


def submit(
    service: Service,
    operation: Operation,
    *,
    params: Mapping[str, Any] | None = None,
    fields: Mapping[str, Any] | None = None,
    secret: str = "",
    requested_by: str = "",
    note: str = "",
) -> OperationRequest:
    """Ask for `operation` on `service`: started now, queued behind the operation in flight, answered as done
    (nothing to do in this state), or refused (OrderRefused). `params` are what the operation's steps read
    (ctx.request.params); `fields` are Service fields (by attribute name, JSON values: `plan_id`, `options`) written
    when it starts; `secret` is kept encrypted (a new password); `note` says in the request's log row what was done
    at once (terminate's stop request). Validate before calling: a queued request is not checked again but for its
    state. Updates `service` in memory."""
    with transaction.atomic():
        locked = Service.objects.select_for_update().get(pk=service.pk)
        waiting = OperationRequest.objects.filter(service=locked, status=RequestStatus.PENDING)
        if operation.preempts and locked.state in operation.states and locked.request is not None:
            return locked.request  # already under way: asking again changes nothing
        busy = locked.state in ACTIVE_STATES or waiting.exists()
        if not busy and locked.state in operation.done_in:
            request = _answer_done(locked, operation, params, requested_by)
            service.refresh_from_db()
            return request
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
            cancelled = Q(status=RequestStatus.PENDING) | Q(pk=locked.request_id, status=RequestStatus.STARTED)
            OperationRequest.objects.filter(cancelled, service=locked).exclude(pk=request.pk).update(
                status=RequestStatus.CANCELLED,
                finished_at=timezone.now(),
                message=_("Cancelled: %(operation)s was requested.") % {"operation": _label(operation)},
            )
            _start(locked, request, operation, note)
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
            _start(locked, request, operation, note)
    service.refresh_from_db()
    return request


def _answer_done(
    locked: Service, operation: Operation, params: Mapping[str, Any] | None, requested_by: str
) -> OperationRequest:
    """Record a request that has nothing to do as done, and say so in the service's log."""
    now = timezone.now()
    message = _already_done(locked)
    advance(
        locked,
        owner=None,
        operation=operation.name,
        step=_requested(operation),
        to_state=locked.state,
        result=StepResult.SKIPPED,
        message=message,
        started_at=now,
        duration=0.0,
    )
    return OperationRequest.objects.create(
        service=locked,
        operation=operation.name,
        params=dict(params or {}),
        requested_by=requested_by,
        status=RequestStatus.DONE,
        message=message,
        started_at=now,
        finished_at=now,
    )


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
                if locked.state in operation.done_in:
                    request.status = RequestStatus.DONE
                    request.message = _already_done(locked)
                elif operation.preempts or locked.state in operation.starts_from:
                    _start(locked, request, operation)
                    current = operation
                    break
                else:
                    request.status = RequestStatus.REFUSED
                    request.message = _("%(operation)s is not possible while the service is %(state)s.") % {
                        "operation": _label(operation),
                        "state": locked.state_label,
                    }
                request.finished_at = timezone.now()
                request.save(update_fields=["status", "finished_at", "message"])
    service.refresh_from_db()
    return current


def cancel(service: Service, message: str) -> None:
    """Staff took the service out of the worker's hands: the request in flight and those waiting are cancelled."""
    in_flight = Q(pk=service.request_id, status=RequestStatus.STARTED)
    OperationRequest.objects.filter(in_flight | Q(status=RequestStatus.PENDING), service=service).update(
        status=RequestStatus.CANCELLED, finished_at=timezone.now(), message=message
    )


def fail(service: Service, message: str) -> None:
    """The operation stopped in error (staff must act): its request failed with that message."""
    if service.request_id is not None:
        OperationRequest.objects.filter(pk=service.request_id, status=RequestStatus.STARTED).update(
            status=RequestStatus.FAILED, finished_at=timezone.now(), message=message
        )
