"""Staff endpoints on services, under /api/v1/services/: every service with where it runs, and its action log."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

from proxvps.api.auth import staff_read_auth
from proxvps.api.errors import answers
from proxvps.api.presenters import staff_view, with_details
from proxvps.api.schemas import ActionLogOut, BillingId, RowId, StaffServiceOut
from proxvps.api.staff import get_or_404
from proxvps.domain.transitions import ALL_STATES
from proxvps.inventory.models import ActionLog, Service

router = Router(auth=staff_read_auth, tags=["services"])


@router.get("/", response=answers(list[StaffServiceOut]))
def list_services(
    request: HttpRequest, state: str | None = None, client_id: BillingId | None = None
) -> list[dict[str, Any]]:
    """Every service, newest first; `state` and `client_id` narrow the list."""
    services = Service.objects.all()
    if state is not None:
        services = services.filter(state=state) if state in ALL_STATES else services.none()
    if client_id is not None:
        services = services.filter(client_ref=client_id)
    return [staff_view(s) for s in with_details(services)]


@router.get("/{service_id}", response=answers(StaffServiceOut))
def get_service(request: HttpRequest, service_id: RowId) -> dict[str, Any]:
    service = get_or_404(Service, service_id)
    return staff_view(with_details(Service.objects.filter(pk=service.pk)).get())


@router.get("/{service_id}/log", response=answers(list[ActionLogOut]))
def service_log(request: HttpRequest, service_id: RowId) -> list[ActionLog]:
    """The service's action log, oldest first: every step with its states, duration, result and message."""
    service = get_or_404(Service, service_id)
    return list(service.actions.order_by("started_at", "id"))
