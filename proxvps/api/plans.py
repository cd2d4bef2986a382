"""Staff endpoints for plans under /api/v1/staff/plans (SPEC S3, S18): every default of a product.

A plan in use by services cannot be deleted (409); its templates and server group must exist (422 naming them).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest
from ninja import Router, Status

from proxvps.api.auth import staff_read_auth, staff_write_auth
from proxvps.api.errors import answers
from proxvps.api.schemas import PlanIn, PlanPatch, RowId, StaffPlanOut
from proxvps.api.staff import existing_ids, get_or_404
from proxvps.inventory.models import Plan, ServerGroup, Template

router = Router(auth=staff_read_auth, tags=["staff"])

RELATIONS = ("server_group", "template", "templates")


def _plan_out(plan: Plan) -> dict[str, Any]:
    values = {name: getattr(plan, name) for name in StaffPlanOut.model_fields if name not in RELATIONS}
    values.update(
        server_group=plan.server_group_id,
        template=plan.template_id,
        templates=sorted(t.pk for t in plan.templates.all()),
    )
    return values


def _save(plan: Plan, values: dict[str, Any]) -> Plan:
    """Apply the given values (relations checked first), validate the whole plan, save it."""
    templates = values.pop("templates", None)
    if templates is not None:
        templates = existing_ids(Template, templates, "templates")
    for relation, model in (("server_group", ServerGroup), ("template", Template)):
        if relation in values:
            pk = values.pop(relation)
            if pk is not None:
                existing_ids(model, [pk], relation)
            setattr(plan, f"{relation}_id", pk)
    for name, value in values.items():
        setattr(plan, name, value)
    plan.full_clean()
    with transaction.atomic():
        plan.save()
        if templates is not None:
            plan.templates.set(templates)
    return plan


@router.get("/plans", response=answers(list[StaffPlanOut]))
def list_plans(request: HttpRequest) -> list[dict[str, Any]]:
    return [_plan_out(p) for p in Plan.objects.prefetch_related("templates")]


@router.get("/plans/{plan_id}", response=answers(StaffPlanOut))
def get_plan(request: HttpRequest, plan_id: RowId) -> dict[str, Any]:
    return _plan_out(get_or_404(Plan, plan_id))


@router.post("/plans", response=answers(StaffPlanOut, 201), auth=staff_write_auth)
def create_plan(request: HttpRequest, body: PlanIn) -> Status[dict[str, Any]]:
    return Status(201, _plan_out(_save(Plan(), body.dict())))


@router.patch("/plans/{plan_id}", response=answers(StaffPlanOut), auth=staff_write_auth)
def update_plan(request: HttpRequest, plan_id: RowId, body: PlanPatch) -> dict[str, Any]:
    """Change what is given; services pick the change up at their next change of package."""
    return _plan_out(_save(get_or_404(Plan, plan_id), body.dict(exclude_unset=True)))


@router.delete("/plans/{plan_id}", response=answers(None, 204), auth=staff_write_auth)
def delete_plan(request: HttpRequest, plan_id: RowId) -> Status[None]:
    """Delete a plan; 409 while services use it."""
    get_or_404(Plan, plan_id).delete()
    return Status(204, None)
