"""A renewal the billing system reports (WHMCS's Renew, called when a renewal invoice is paid).

A VM needs nothing done when its service is renewed: the renewal is checked (the service must still have its VM)
and written to the service's log, and the state stays what it is. A suspended service stays suspended: WHMCS
unsuspends through its own call (UnsuspendAccount) when its automation settings say so, and a service suspended
for abuse must not come back because an invoice was paid.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from proxvps.domain import states
from proxvps.domain.transitions import TERMINATE
from proxvps.inventory.choices import StepResult
from proxvps.inventory.models import Service
from proxvps.lifecycle.advance import LeaseLostError, advance
from proxvps.lifecycle.requests import OrderRefused

GONE = frozenset({*TERMINATE.states, states.ERROR_TERMINATE, states.REMOVE})
ATTEMPTS = 3


def renew(service: Service) -> Service:
    """Record the renewal in the service's log; OrderRefused when the service is terminated or being terminated."""
    for _attempt in range(ATTEMPTS):
        if service.state in GONE:
            raise OrderRefused(
                _("Service %(sid)s cannot be renewed: it is %(state)s.")
                % {"sid": service.billing_service_id, "state": service.state_label}
            )
        try:
            advance(
                service,
                owner=None,
                operation="renew",
                step=_("Renewed by the billing system"),
                to_state=service.state,
                result=StepResult.SUCCESS,
                started_at=timezone.now(),
                duration=0.0,
            )
        except LeaseLostError:
            # The worker moved the service on between our read and our write: read it again.
            service.refresh_from_db()
            continue
        return service
    raise LeaseLostError(f"service {service.pk} kept changing during its renewal")
