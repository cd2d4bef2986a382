"""Suspend and unsuspend (SPEC S6): the billing system stops a service (an unpaid invoice) and starts it again.

Suspend shuts the VM down (stopping.py: a shutdown, then a forced stop if the guest ignores it); unsuspend starts it
and checks it runs. While a service is suspended its client area is locked (`Service.is_locked`). Both are
idempotent, as billing systems repeat their calls: a suspend of a suspended service, or an unsuspend of a ready
one, is answered as done.
"""

from __future__ import annotations

from proxvps.domain.transitions import SUSPEND, UNSUSPEND
from proxvps.inventory.models import OperationRequest, Service
from proxvps.lifecycle.requests import submit


def request_suspend(service: Service, requested_by: str = "") -> OperationRequest:
    """Stop the service's VM and lock its client area (from ready; after the operation in flight)."""
    return submit(service, SUSPEND, requested_by=requested_by)


def request_unsuspend(service: Service, requested_by: str = "") -> OperationRequest:
    """Start the suspended service's VM again and unlock its client area."""
    return submit(service, UNSUSPEND, requested_by=requested_by)
