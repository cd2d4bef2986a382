"""A client's operations on its own service, under /api/v1/client/services/{service_id}/: snapshots, backups and
their schedule, ISO images, reinstall, firewall rules and policies (SPEC S7 to S10, S13).

The service is looked up among the signed-in client's own (404 otherwise) and must not be locked (403 while it is
suspended or terminated), by `client.own_service` as for every client endpoint. A request that the worker carries
out answers with the service (`busy` while it runs); a firewall change is made at once and answers with the rules.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

from proxvps.api import operations
from proxvps.api.auth import client_auth
from proxvps.api.client import own_service, requested_by
from proxvps.api.errors import answers
from proxvps.api.presenters import client_view
from proxvps.api.schemas import (
    BackupOut,
    BackupScheduleIn,
    BackupScheduleOut,
    BillingId,
    ClientServiceOut,
    Digest,
    FirewallMoveIn,
    FirewallPoliciesOut,
    FirewallPolicyIn,
    FirewallRuleIn,
    FirewallRulesOut,
    IsoOut,
    Position,
    ReinstallIn,
    SnapshotIn,
    SnapshotOut,
    TemplateOut,
    VolumeIn,
)
from proxvps.lifecycle import backups, firewall_rules, isos, snapshots
from proxvps.lifecycle.backup_schedule import set_backup_schedule
from proxvps.lifecycle.reinstall import request_reinstall

router = Router(auth=client_auth, tags=["client"])
PATH = "/services/{service_id}"


def _unlocked(request: HttpRequest, service_id: str) -> Any:
    return own_service(request, service_id, unlocked=True)


def _view(request: HttpRequest, service_id: str) -> dict[str, Any]:
    return client_view(own_service(request, service_id))


# ---------------------------------------------------------------------------------------------------- snapshots


@router.get(f"{PATH}/snapshots", response=answers(list[SnapshotOut]))
def list_snapshots(request: HttpRequest, service_id: BillingId) -> list[dict[str, Any]]:
    """The VM's snapshots, oldest first."""
    return operations.snapshots_of(_unlocked(request, service_id))


@router.post(f"{PATH}/snapshots", response=answers(ClientServiceOut))
def create_snapshot(request: HttpRequest, service_id: BillingId, body: SnapshotIn) -> dict[str, Any]:
    """Ask for a snapshot (disks only); refused over the package's snapshot count or for a name in use."""
    service = _unlocked(request, service_id)
    snapshots.request_snapshot_create(
        service, body.name, description=body.description, requested_by=requested_by(request)
    )
    return _view(request, service_id)


@router.delete(f"{PATH}/snapshots/{{name}}", response=answers(ClientServiceOut))
def delete_snapshot(request: HttpRequest, service_id: BillingId, name: str) -> dict[str, Any]:
    snapshots.request_snapshot_delete(_unlocked(request, service_id), name, requested_by=requested_by(request))
    return _view(request, service_id)


@router.post(f"{PATH}/snapshots/{{name}}/rollback", response=answers(ClientServiceOut))
def rollback_snapshot(request: HttpRequest, service_id: BillingId, name: str) -> dict[str, Any]:
    """Bring the VM back to the snapshot (the package applied again) and start it."""
    snapshots.request_snapshot_rollback(_unlocked(request, service_id), name, requested_by=requested_by(request))
    return _view(request, service_id)


# ------------------------------------------------------------------------------------------------------ backups


@router.get(f"{PATH}/backups", response=answers(list[BackupOut]))
def list_backups(request: HttpRequest, service_id: BillingId) -> list[dict[str, Any]]:
    """The VM's backups, oldest first."""
    return operations.backups_of(_unlocked(request, service_id))


@router.post(f"{PATH}/backups", response=answers(ClientServiceOut))
def create_backup(request: HttpRequest, service_id: BillingId) -> dict[str, Any]:
    """Ask for a backup; refused over the package's backup count."""
    backups.request_backup_create(_unlocked(request, service_id), requested_by=requested_by(request))
    return _view(request, service_id)


@router.post(f"{PATH}/backups/delete", response=answers(ClientServiceOut))
def delete_backup(request: HttpRequest, service_id: BillingId, body: VolumeIn) -> dict[str, Any]:
    backups.request_backup_delete(_unlocked(request, service_id), body.volid, requested_by=requested_by(request))
    return _view(request, service_id)


@router.post(f"{PATH}/backups/restore", response=answers(ClientServiceOut))
def restore_backup(request: HttpRequest, service_id: BillingId, body: VolumeIn) -> dict[str, Any]:
    """Restore the VM from the backup (refused while the VM runs) and start it."""
    backups.request_backup_restore(_unlocked(request, service_id), body.volid, requested_by=requested_by(request))
    return _view(request, service_id)


@router.get(f"{PATH}/backup-schedule", response=answers(BackupScheduleOut))
def get_backup_schedule(request: HttpRequest, service_id: BillingId) -> BackupScheduleOut:
    return operations.schedule_of(_unlocked(request, service_id))


@router.put(f"{PATH}/backup-schedule", response=answers(BackupScheduleOut))
def put_backup_schedule(request: HttpRequest, service_id: BillingId, body: BackupScheduleIn) -> BackupScheduleOut:
    """Back up on these weekdays at a time of day drawn anew; no weekday removes the schedule."""
    service = _unlocked(request, service_id)
    set_backup_schedule(service, body.weekdays)
    return operations.schedule_of(service)


# --------------------------------------------------------------------------------------------- ISOs, reinstall


@router.get(f"{PATH}/isos", response=answers(dict[str, list[IsoOut]]))
def list_isos(request: HttpRequest, service_id: BillingId) -> dict[str, list[dict[str, Any]]]:
    """The images of the plan's ISO storage by group (the text before the first `-`, else OTHER)."""
    return operations.isos_of(_unlocked(request, service_id))


@router.post(f"{PATH}/iso", response=answers(ClientServiceOut))
def mount_iso(request: HttpRequest, service_id: BillingId, body: VolumeIn) -> dict[str, Any]:
    isos.request_mount_iso(_unlocked(request, service_id), body.volid, requested_by=requested_by(request))
    return _view(request, service_id)


@router.delete(f"{PATH}/iso", response=answers(ClientServiceOut))
def unmount_iso(request: HttpRequest, service_id: BillingId) -> dict[str, Any]:
    isos.request_unmount_iso(_unlocked(request, service_id), requested_by=requested_by(request))
    return _view(request, service_id)


@router.get(f"{PATH}/templates", response=answers(list[TemplateOut]))
def list_templates(request: HttpRequest, service_id: BillingId) -> list[dict[str, Any]]:
    """The operating systems the plan offers for a reinstall."""
    return operations.templates_of(_unlocked(request, service_id))


@router.post(f"{PATH}/reinstall", response=answers(ClientServiceOut))
def reinstall(request: HttpRequest, service_id: BillingId, body: ReinstallIn) -> dict[str, Any]:
    """Rebuild the VM from a template the plan offers, keeping its addresses and VMID; snapshots are deleted."""
    service = _unlocked(request, service_id)
    request_reinstall(service, operations.template_or_422(body.template), requested_by=requested_by(request))
    return _view(request, service_id)


# ----------------------------------------------------------------------------------------------------- firewall


@router.get(f"{PATH}/firewall/rules", response=answers(FirewallRulesOut))
def list_rules(request: HttpRequest, service_id: BillingId) -> FirewallRulesOut:
    return operations.rules_of(_unlocked(request, service_id))


@router.post(f"{PATH}/firewall/rules", response=answers(FirewallRulesOut))
def add_rule(request: HttpRequest, service_id: BillingId, body: FirewallRuleIn) -> FirewallRulesOut:
    """Add the rule at the top of the list; 422 naming each refused field."""
    service = _unlocked(request, service_id)
    firewall_rules.add_rule(service, operations.rule_fields(body))
    return operations.rules_of(service)


@router.post(f"{PATH}/firewall/rules/move", response=answers(FirewallRulesOut))
def move_rule(request: HttpRequest, service_id: BillingId, body: FirewallMoveIn) -> FirewallRulesOut:
    service = _unlocked(request, service_id)
    firewall_rules.move_rule(service, body.source, body.target, body.digest)
    return operations.rules_of(service)


@router.delete(f"{PATH}/firewall/rules/{{position}}", response=answers(FirewallRulesOut))
def delete_rule(
    request: HttpRequest, service_id: BillingId, position: Position, digest: Digest | None = None
) -> FirewallRulesOut:
    """Delete the rule at `position` of the list whose `digest` the caller holds (409 if it changed since)."""
    service = _unlocked(request, service_id)
    firewall_rules.delete_rule(service, position, digest)
    return operations.rules_of(service)


@router.get(f"{PATH}/firewall/policies", response=answers(FirewallPoliciesOut))
def get_policies(request: HttpRequest, service_id: BillingId) -> FirewallPoliciesOut:
    return operations.policies_of(_unlocked(request, service_id))


@router.put(f"{PATH}/firewall/policies", response=answers(FirewallPoliciesOut))
def set_policy(request: HttpRequest, service_id: BillingId, body: FirewallPolicyIn) -> FirewallPoliciesOut:
    """Set the input or output policy: what happens to packets no rule matches."""
    service = _unlocked(request, service_id)
    firewall_rules.set_policy(service, body.direction, body.policy)
    return operations.policies_of(service)
