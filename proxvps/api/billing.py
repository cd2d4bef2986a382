"""Endpoints for billing systems (WHMCS through the bridge, or any other), under /api/v1/billing/."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router

from proxvps.api.auth import billing_auth
from proxvps.api.schemas import PlanOut, TemplateOut
from proxvps.inventory.models import Plan, Template

router = Router(auth=billing_auth, tags=["billing"])


@router.get("/plans", response=list[PlanOut])
def list_plans(request: HttpRequest) -> list[Plan]:
    """The plans a product can be tied to (the WHMCS product setup's plan dropdown)."""
    return list(Plan.objects.all())


@router.get("/templates", response=list[TemplateOut])
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
