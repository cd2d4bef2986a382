"""The client area's pages: the sign-in a billing system's one-time link opens, and the client's services.

A page shows only the signed-in client's services (SPEC S21): another client's service id is a plain 404, the
same as an id that does not exist. Pages read the database only; nothing here calls Proxmox (SPEC S17).
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from proxvps.domain.options import OptionError
from proxvps.inventory.client_access import (
    client_services,
    close_client_session,
    open_client_session,
    redeem_login_link,
    session_client,
)
from proxvps.inventory.models import Service
from proxvps.ipam.allocation import addresses_of
from proxvps.lifecycle.context import resources_of


def _signed_out(request: HttpRequest) -> HttpResponse:
    return render(request, "web/signed_out.html", status=403)


@never_cache
@require_GET
def sign_in(request: HttpRequest, token: str) -> HttpResponse:
    """Follow a one-time link: sign the browser in as the service's client and show the service."""
    service = redeem_login_link(token)
    if service is None:
        return render(request, "web/sign_in_failed.html", status=403)
    open_client_session(request, service)
    return redirect("client-service", service_id=service.billing_service_id)


@never_cache
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The signed-in client's services."""
    client = session_client(request)
    if client is None:
        return _signed_out(request)
    services = client_services(client).select_related("plan")
    return render(request, "web/client_home.html", {"services": services})


def _summary(service: Service) -> dict[str, object]:
    try:
        resources = resources_of(service)
    except (OptionError, ValueError):
        resources = None
    return {"service": service, "addresses": addresses_of(service), "resources": resources}


@never_cache
@require_GET
def service_page(request: HttpRequest, service_id: str) -> HttpResponse:
    """One of the client's services: its state, addresses, operating system and resources."""
    client = session_client(request)
    if client is None:
        return _signed_out(request)
    service = client_services(client).select_related("plan", "template").filter(billing_service_id=service_id).first()
    if service is None:
        raise Http404(service_id)
    if service.is_locked:
        return render(request, "web/client_locked.html", {"service": service}, status=403)
    return render(request, "web/client_service.html", _summary(service))


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    close_client_session(request)
    return render(request, "web/signed_out.html", {"signed_out": True})
