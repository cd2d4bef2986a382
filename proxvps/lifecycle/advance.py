"""The one function that changes a service's state, and writes the action log row that says so.

Every state change is a conditional UPDATE: it applies only if the service is still in the state the step
started from and, for the worker, still claimed by this worker. A run whose lease expired (another worker took
the service over) therefore cannot write over the newer state; it learns it lost and stops.
"""

from __future__ import annotations

from contextlib import nullcontext
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from proxvps.inventory.choices import StepResult
from proxvps.inventory.models import ActionLog, Service


class LeaseLostError(Exception):
    """The service changed under us (another worker, or staff): this run must stop."""


def advance(
    service: Service,
    *,
    owner: str | None,
    operation: str,
    step: str,
    to_state: str,
    result: str,
    message: str = "",
    started_at: datetime,
    duration: float,
    log: bool = True,
    **fields: Any,
) -> None:
    """Move `service` from its current state to `to_state` (which may be the same), log it, and update the
    in-memory object. `owner` is the worker's lease name, or None for a staff action (no lease required).
    Extra `fields` are written in the same UPDATE. Raises LeaseLostError if the row no longer matches."""
    from_state = service.state
    now = timezone.now()
    values: dict[str, Any] = {"state": to_state, "updated_at": now, **fields}
    if to_state != from_state:
        values.update(state_changed_at=now, step_attempts=0, step_started_at=None)
    if result == StepResult.ERROR:
        values.setdefault("last_error", message)
    elif to_state != from_state:
        values.setdefault("last_error", "")
    rows = Service.objects.filter(pk=service.pk, state=from_state)
    if owner is not None:
        rows = rows.filter(lease_owner=owner)
    # The change and its log row commit together; a change without a row is one statement, atomic by itself.
    with transaction.atomic() if log else nullcontext():
        if rows.update(**values) != 1:
            raise LeaseLostError(f"service {service.pk} changed under this run")
        if log:
            ActionLog.objects.create(
                service=service,
                operation=operation,
                step=step,
                from_state=from_state,
                to_state=to_state,
                started_at=started_at,
                duration=round(duration, 3),
                result=result,
                message=message,
            )
    for name, value in values.items():
        setattr(service, name, value)


def due_in(seconds: float) -> datetime:
    return timezone.now() + timedelta(seconds=seconds)
