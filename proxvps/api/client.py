"""Endpoints for a client's own services, under /api/v1/client/, for the client area.

The caller is the browser session the billing system's sign-in link opened (`proxvps.inventory.client_access`);
every lookup is made among that client's services only, so another client's service id answers 404 exactly as an
unknown one does, and nobody learns that it exists.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Router, Status

from proxvps.api.auth import client_auth
from proxvps.api.errors import ApiError, answers, not_found
from proxvps.api.presenters import client_view, with_details
from proxvps.api.schemas import BillingId, ClientServiceOut, CredentialsOut, PowerIn
from proxvps.inventory.choices import ClientFeature
from proxvps.inventory.client_access import client_services, close_client_session
from proxvps.inventory.models import Service
from proxvps.lifecycle.password import request_reset_password
from proxvps.lifecycle.power_actions import request_power

router = Router(auth=client_auth, tags=["client"])


def own_service(request: HttpRequest, service_id: str, *, unlocked: bool = False) -> Service:
    """The service with this billing id among the signed-in client's services; 404 otherwise. With `unlocked`,
    403 while the service is suspended or terminated (SPEC S6: its client area is locked)."""
    client_ref: str = request.auth  # type: ignore[attr-defined]
    service = with_details(client_services(client_ref).filter(billing_service_id=service_id)).first()
    if service is None:
        raise not_found(_("There is no service %(sid)s.") % {"sid": service_id})
    if unlocked and service.is_locked:
        raise ApiError(
            403, "locked", _("Service %(sid)s is %(state)s.") % {"sid": service_id, "state": service.state_label}
        )
    return service


def permit(service: Service, feature: str) -> None:
    """403 with one sentence when the service's plan does not give its clients `feature` (SPEC S17)."""
    if not service.plan.client_may(feature):
        raise ApiError(
            403,
            "not_in_plan",
            _("Your plan does not include %(feature)s.") % {"feature": ClientFeature(feature).label},
        )


def requested_by(request: HttpRequest) -> str:
    return f"client: {request.auth}"  # type: ignore[attr-defined]


@router.get("/services", response=answers(list[ClientServiceOut]))
def list_own_services(request: HttpRequest) -> list[dict[str, Any]]:
    """The signed-in client's services, newest first."""
    client_ref: str = request.auth  # type: ignore[attr-defined]
    return [client_view(s) for s in with_details(client_services(client_ref))]


@router.get("/services/{service_id}", response=answers(ClientServiceOut))
def get_own_service(request: HttpRequest, service_id: BillingId) -> dict[str, Any]:
    return client_view(own_service(request, service_id))


@router.get("/services/{service_id}/credentials", response=answers(CredentialsOut), url_name="client-credentials")
def credentials(request: HttpRequest, response: HttpResponse, service_id: BillingId) -> CredentialsOut:
    """The VM's user and password, for its owner only: the one answer that carries a VM password. Never cached."""
    service = own_service(request, service_id, unlocked=True)
    response["Cache-Control"] = "no-store"
    return CredentialsOut(username=service.username, password=service.password)


@router.post("/services/{service_id}/power", response=answers(ClientServiceOut))
def power(request: HttpRequest, service_id: BillingId, body: PowerIn) -> dict[str, Any]:
    """Start, stop, shut down, reboot or reset the VM (after the operation in flight)."""
    service = own_service(request, service_id, unlocked=True)
    permit(service, ClientFeature.POWER)
    request_power(service, body.action, requested_by=requested_by(request))
    return client_view(own_service(request, service_id))


@router.post("/services/{service_id}/password", response=answers(ClientServiceOut))
def reset_password(request: HttpRequest, service_id: BillingId) -> dict[str, Any]:
    """A new random VM password, set through cloud-init (the VM restarts); it is shown by `credentials` once set."""
    service = own_service(request, service_id, unlocked=True)
    permit(service, ClientFeature.PASSWORD)
    request_reset_password(service, requested_by=requested_by(request))
    return client_view(own_service(request, service_id))


@router.post("/logout", response=answers(None, 204))
def logout(request: HttpRequest) -> Status[None]:
    """End the client area session."""
    close_client_session(request)
    return Status(204, None)
