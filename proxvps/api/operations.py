"""What the client and the staff endpoints on one service share: the answers of the operations that read Proxmox
(snapshots, backups, ISO images, firewall rules), the backup schedule, and the checks of the input that names a
template. The routes (`vm_routes`, registered for clients and for staff) only find the service their caller may
act on and pass the request on; the lifecycle validates and refuses with one sentence (409 or 422, see `errors`).
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

from django.utils.translation import gettext as _

from proxvps.api.errors import ApiError
from proxvps.api.schemas import (
    BackupScheduleOut,
    FirewallPoliciesOut,
    FirewallRuleIn,
    FirewallRuleOut,
    FirewallRulesOut,
)
from proxvps.inventory.models import BackupSchedule, Service, Template
from proxvps.lifecycle.backups import list_backups
from proxvps.lifecycle.firewall_rules import list_rules, read_policies
from proxvps.lifecycle.isos import list_isos
from proxvps.lifecycle.orders import offered_templates
from proxvps.lifecycle.snapshots import list_snapshots


def _time(epoch: int | None) -> datetime | None:
    return datetime.fromtimestamp(epoch, UTC) if epoch else None


def snapshots_of(service: Service) -> list[dict[str, Any]]:
    return [
        {"name": s.name, "description": s.description, "created_at": _time(s.snaptime)} for s in list_snapshots(service)
    ]


def backups_of(service: Service) -> list[dict[str, Any]]:
    return [
        {"volid": b.volid, "filename": b.filename, "size": b.size, "created_at": _time(b.ctime)}
        for b in list_backups(service)
    ]


def schedule_of(service: Service) -> BackupScheduleOut:
    schedule = BackupSchedule.objects.filter(service=service).first()
    if schedule is None:
        return BackupScheduleOut(weekdays=[], time_of_day=None)
    return BackupScheduleOut(
        weekdays=[int(day) for day in schedule.weekdays], time_of_day=schedule.time_of_day.strftime("%H:%M")
    )


def isos_of(service: Service) -> dict[str, list[dict[str, Any]]]:
    return {
        group: [{"volid": i.volid, "name": i.name, "size": i.size} for i in images]
        for group, images in list_isos(service).items()
    }


def templates_of(service: Service) -> list[dict[str, Any]]:
    """The operating systems the service's plan offers for a reinstall."""
    return [
        {
            "id": t.pk,
            "server": t.server.name,
            "vmid": t.vmid,
            "name": t.name,
            "os_name": t.os_name,
            "has_cloudinit": t.has_cloudinit,
        }
        for t in offered_templates(service.plan)
    ]


def template_or_422(template_id: int | None) -> Template | None:
    """The template a reinstall names (None: the service's own); 422 naming `template` for an unknown id."""
    if template_id is None:
        return None
    template = Template.objects.filter(pk=template_id).first()
    if template is None:
        raise ApiError(
            422, "invalid", _("There is no template %(id)s.") % {"id": template_id}, {"template": _("Unknown.")}
        )
    return template


def rules_of(service: Service) -> FirewallRulesOut:
    listed = list_rules(service)
    rules = [FirewallRuleOut.model_validate(dataclasses.asdict(rule)) for rule in listed.rules]
    return FirewallRulesOut(rules=rules, digest=listed.digest)


def rule_fields(body: FirewallRuleIn) -> dict[str, object]:
    """The body as `parse_rule`'s keyword arguments (absent fields left out)."""
    return body.dict(exclude_none=True)


def policies_of(service: Service) -> FirewallPoliciesOut:
    policies = read_policies(service)
    return FirewallPoliciesOut(policy_in=policies.policy_in, policy_out=policies.policy_out)
