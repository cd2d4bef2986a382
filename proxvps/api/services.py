"""Staff endpoints on services, under /api/v1/services/."""

from __future__ import annotations

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router

from proxvps.api.auth import staff_read_auth
from proxvps.api.schemas import ActionLogOut, ErrorOut
from proxvps.inventory.models import ActionLog, Service

router = Router(auth=staff_read_auth, tags=["services"])


@router.get("/{service_id}/log", response={200: list[ActionLogOut], 404: ErrorOut})
def service_log(request: HttpRequest, service_id: int) -> list[ActionLog]:
    """The service's action log, oldest first: every step with its states, duration, result and message."""
    service = get_object_or_404(Service, pk=service_id)
    return list(service.actions.order_by("started_at", "id"))
