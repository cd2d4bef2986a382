"""Endpoints for billing systems (WHMCS through the bridge, or any other), under /api/v1/billing/.

Every service is keyed by the billing system's own service id, and every call is idempotent: ordering the same id
again answers with the service already made, so a billing system that retries after a timeout makes no second
VM. Calls answer at once; the worker does the work on Proxmox.
"""

from __future__ import annotations

from typing import Annotated, Any

from django.conf import settings
from django.core.exceptions import ValidationError as ModelValidationError
from django.core.validators import validate_email
from django.db.models import Q
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from proxvps.api.auth import billing_auth
from proxvps.api.errors import ApiError, answers, not_found
from proxvps.api.operations import template_or_422
from proxvps.api.presenters import billing_view, with_details
from proxvps.api.schemas import (
    PERIOD_QUERY_PATTERN,
    BillingId,
    PasswordIn,
    PlanOut,
    PowerIn,
    ReinstallIn,
    ServiceChangeIn,
    ServiceCreateIn,
    ServiceOut,
    SignOnOut,
    TemplateOut,
    UsageOut,
)
from proxvps.api.usage import usage_for_period
from proxvps.domain import states
from proxvps.domain.usage import period_bounds
from proxvps.inventory.client_access import issue_login_link
from proxvps.inventory.models import Plan, Service, Template
from proxvps.lifecycle.dnsrecords import request_dns_sync
from proxvps.lifecycle.orders import order_service, request_change_package
from proxvps.lifecycle.password import request_reset_password
from proxvps.lifecycle.power_actions import request_power
from proxvps.lifecycle.reinstall import request_reinstall
from proxvps.lifecycle.renewal import renew
from proxvps.lifecycle.suspension import request_suspend, request_unsuspend
from proxvps.lifecycle.terminate import request_terminate

router = Router(auth=billing_auth, tags=["billing"])


def _service(service_id: str) -> Service:
    service = with_details(Service.objects.filter(billing_service_id=service_id)).first()
    if service is None:
        raise not_found(_("There is no service %(sid)s.") % {"sid": service_id})
    return service


def _plan(name: str) -> Plan:
    plan = Plan.objects.filter(name=name).first()
    if plan is None:
        raise ApiError(
            422, "invalid", _("There is no plan named %(plan)s.") % {"plan": name}, {"plan": _("Unknown plan.")}
        )
    return plan


@router.get("/plans", response=answers(list[PlanOut]))
def list_plans(request: HttpRequest) -> list[Plan]:
    """The plans a product can be tied to (the WHMCS product setup's plan dropdown)."""
    return list(Plan.objects.all())


@router.get("/templates", response=answers(list[TemplateOut]))
def list_templates(request: HttpRequest) -> list[TemplateOut]:
    """The templates clients may pick as their operating system."""
    return [
        TemplateOut(
            id=t.pk,
            server=t.server.name,
            vmid=t.vmid,
            name=t.name,
            os_name=t.os_name,
            has_cloudinit=t.has_cloudinit,
        )
        for t in Template.objects.select_related("server")
    ]


@router.post("/services", response=answers(ServiceOut, 200, 201))
def create_service(request: HttpRequest, body: ServiceCreateIn) -> Status[dict[str, Any]]:
    """Order a service: 201 with the new service, whose deploy the worker runs; 200 with the service when this
    service id was ordered before (nothing changes)."""
    existing = Service.objects.filter(billing_service_id=body.service_id).first()
    if existing is not None:
        if existing.client_ref != body.client.id:
            raise ApiError(
                409,
                "conflict",
                _("Service %(sid)s already exists for another client.") % {"sid": body.service_id},
                {"service_id": _("Already used by another client.")},
            )
        return Status(200, billing_view(_service(body.service_id)))
    plan = _plan(body.plan)
    if body.client.email:
        try:
            validate_email(body.client.email)
        except ModelValidationError:
            raise ApiError(
                422,
                "invalid",
                _("The request is not valid; see the fields."),
                {"client.email": _("Enter a valid e-mail address.")},
            ) from None
    service = order_service(
        billing_service_id=body.service_id,
        client_ref=body.client.id,
        plan=plan,
        options=body.options,
        hostname=body.hostname,
        password=body.password,
        client_email=body.client.email,
        client_name=f"{body.client.first_name} {body.client.last_name}".strip(),
    )
    return Status(201, billing_view(_service(service.billing_service_id)))


@router.get("/services", response=answers(list[ServiceOut]))
def list_services(
    request: HttpRequest, client_id: BillingId | None = None, include_removed: bool = False
) -> list[dict[str, Any]]:
    """Every service, newest first (a client's only, with `client_id`); removed ones only when asked."""
    services = Service.objects.all()
    if client_id is not None:
        services = services.filter(client_ref=client_id)
    if not include_removed:
        services = services.exclude(state=states.REMOVE)
    return [billing_view(s) for s in with_details(services)]


@router.get("/services/{service_id}", response=answers(ServiceOut))
def get_service(request: HttpRequest, service_id: BillingId) -> dict[str, Any]:
    """The service: state, VMID, node, addresses, plan and resources."""
    return billing_view(_service(service_id))


@router.patch("/services/{service_id}", response=answers(ServiceOut))
def change_package(request: HttpRequest, service_id: BillingId, body: ServiceChangeIn) -> dict[str, Any]:
    """Change the package: a new plan, new configurable options, or both; the worker applies the change."""
    if body.plan is None and body.options is None:
        raise ApiError(422, "invalid", _("Give a new plan, new options, or both."), {"body": _("Nothing to change.")})
    service = _service(service_id)
    plan = _plan(body.plan) if body.plan is not None else None
    request_change_package(service, plan=plan, options=body.options)
    return billing_view(_service(service_id))


def _requested_by(request: HttpRequest) -> str:
    return f"billing: {request.auth.name}"  # type: ignore[attr-defined]


@router.delete("/services/{service_id}", response=answers(ServiceOut))
def terminate_service(request: HttpRequest, service_id: BillingId) -> dict[str, Any]:
    """Terminate: a stop request goes to Proxmox now and the worker removes the VM, its backups, snapshots, DNS
    records and firewall objects, and frees its addresses. Asking again, or for a service already removed, is
    answered with the service as it stands; 409 once a terminate has failed (staff must look)."""
    request_terminate(_service(service_id), requested_by=_requested_by(request))
    return billing_view(_service(service_id))


@router.post("/services/{service_id}/suspend", response=answers(ServiceOut))
def suspend_service(request: HttpRequest, service_id: BillingId) -> dict[str, Any]:
    """Stop the VM and lock the client area (after the operation in flight); a suspended service stays so."""
    request_suspend(_service(service_id), requested_by=_requested_by(request))
    return billing_view(_service(service_id))


@router.post("/services/{service_id}/unsuspend", response=answers(ServiceOut))
def unsuspend_service(request: HttpRequest, service_id: BillingId) -> dict[str, Any]:
    """Start the VM again and unlock the client area; a ready service stays so."""
    request_unsuspend(_service(service_id), requested_by=_requested_by(request))
    return billing_view(_service(service_id))


@router.post("/services/{service_id}/password", response=answers(ServiceOut))
def reset_password(request: HttpRequest, service_id: BillingId, body: PasswordIn) -> dict[str, Any]:
    """Set a new VM password through cloud-init (the VM restarts); the answer never carries it."""
    request_reset_password(_service(service_id), body.password, requested_by=_requested_by(request))
    return billing_view(_service(service_id))


@router.post("/services/{service_id}/power", response=answers(ServiceOut))
def power(request: HttpRequest, service_id: BillingId, body: PowerIn) -> dict[str, Any]:
    """Start, stop, shut down, reboot or reset the VM (after the operation in flight)."""
    request_power(_service(service_id), body.action, requested_by=_requested_by(request))
    return billing_view(_service(service_id))


@router.post("/services/{service_id}/reinstall", response=answers(ServiceOut))
def reinstall(request: HttpRequest, service_id: BillingId, body: ReinstallIn) -> dict[str, Any]:
    """Rebuild the VM from a template the plan offers (its own by default), keeping its addresses and VMID."""
    service = _service(service_id)
    request_reinstall(service, template_or_422(body.template), requested_by=_requested_by(request))
    return billing_view(_service(service_id))


@router.post("/services/{service_id}/dns", response=answers(ServiceOut))
def set_dns_records(request: HttpRequest, service_id: BillingId) -> dict[str, Any]:
    """Write the service's DNS records again (forward and reverse), run by the worker."""
    request_dns_sync(_service(service_id), requested_by=_requested_by(request))
    return billing_view(_service(service_id))


@router.post("/services/{service_id}/renew", response=answers(ServiceOut))
def renew_service(request: HttpRequest, service_id: BillingId) -> dict[str, Any]:
    """A paid renewal: recorded in the service's log, nothing else changes (a suspended service stays suspended:
    unsuspending is its own call). 409 when the service is terminated."""
    renew(_service(service_id))
    return billing_view(_service(service_id))


@router.post("/services/{service_id}/sso", response=answers(SignOnOut))
def single_sign_on(request: HttpRequest, service_id: BillingId) -> SignOnOut:
    """A link that opens the service's client area once, signed in as its client, within two minutes."""
    service = _service(service_id)
    if service.state == states.REMOVE:
        raise ApiError(409, "conflict", _("Service %(sid)s is terminated.") % {"sid": service_id})
    token, expires_at = issue_login_link(service)
    url = settings.PUBLIC_URL + reverse("client-sign-in", kwargs={"token": token})
    return SignOnOut(url=url, expires_at=expires_at)


@router.get("/usage", response=answers(list[UsageOut]))
def usage(
    request: HttpRequest,
    period: Annotated[str, Query(pattern=PERIOD_QUERY_PATTERN, description="YYYY-MM; empty: this month")] = "",
    service_id: BillingId | None = None,
) -> list[dict[str, Any]]:
    """Network in/out, disk traffic and disk space of each service over a billing period (default: this month,
    UTC), for usage billing (SPEC S20)."""
    period = period or timezone.now().strftime("%Y-%m")
    begin, end = period_bounds(period)
    services = Service.objects.filter(
        ~Q(state=states.REMOVE) | Q(usage_samples__taken_at__gte=begin, usage_samples__taken_at__lt=end)
    ).distinct()
    if service_id is not None:
        services = services.filter(billing_service_id=service_id)
    return [
        {
            "service_id": u.service.billing_service_id,
            "hostname": u.service.hostname,
            "period": u.period,
            "net_in_bytes": u.net_in_bytes,
            "net_out_bytes": u.net_out_bytes,
            "disk_read_bytes": u.disk_read_bytes,
            "disk_write_bytes": u.disk_write_bytes,
            "disk_gb": u.disk_gb,
            "samples": u.samples,
        }
        for u in usage_for_period(services.order_by("billing_service_id"), period)
    ]
