"""Staff operations on a service, under /api/v1/services/{service_id}/: the client's operations (snapshots, backups
and their schedule, ISO images, reinstall, firewall rules and policies) on any service, locked or not, and staff's
own: retry a failed terminate, mark the service removed, delete its record only, write its DNS records again.

A staff_read token reads the lists; every change takes a staff_write token. The lifecycle refuses what the state
does not allow (409) exactly as for a client.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Status

from proxvps.api import operations
from proxvps.api.auth import staff_read_auth, staff_write_auth
from proxvps.api.errors import answers
from proxvps.api.presenters import staff_view, with_details
from proxvps.api.schemas import (
    BackupOut,
    BackupScheduleIn,
    BackupScheduleOut,
    Digest,
    FirewallMoveIn,
    FirewallPoliciesOut,
    FirewallPolicyIn,
    FirewallRuleIn,
    FirewallRulesOut,
    IsoOut,
    Position,
    ReinstallIn,
    RowId,
    SnapshotIn,
    SnapshotOut,
    StaffServiceOut,
    TemplateOut,
    VolumeIn,
)
from proxvps.api.staff import get_or_404
from proxvps.inventory.models import Service
from proxvps.lifecycle import backups, firewall_rules, isos, snapshots, staff
from proxvps.lifecycle.backup_schedule import set_backup_schedule
from proxvps.lifecycle.dnsrecords import request_dns_sync
from proxvps.lifecycle.reinstall import request_reinstall

router = Router(auth=staff_read_auth, tags=["services"])
PATH = "/{service_id}"


def _service(request: HttpRequest, service_id: int) -> Any:
    """The service (404 if none); staff may act on a locked one."""
    return with_details(Service.objects.filter(pk=get_or_404(Service, service_id).pk)).get()


def _view(request: HttpRequest, service_id: int) -> dict[str, Any]:
    return staff_view(_service(request, service_id))


def requested_by(request: HttpRequest) -> str:
    return f"staff: {request.auth.name}"  # type: ignore[attr-defined]


# ---------------------------------------------------------------------------------------------------- snapshots


@router.get(f"{PATH}/snapshots", response=answers(list[SnapshotOut]))
def list_snapshots(request: HttpRequest, service_id: RowId) -> list[dict[str, Any]]:
    """The VM's snapshots, oldest first."""
    return operations.snapshots_of(_service(request, service_id))


@router.post(f"{PATH}/snapshots", response=answers(StaffServiceOut), auth=staff_write_auth)
def create_snapshot(request: HttpRequest, service_id: RowId, body: SnapshotIn) -> dict[str, Any]:
    """Ask for a snapshot (disks only); refused over the package's snapshot count or for a name in use."""
    service = _service(request, service_id)
    snapshots.request_snapshot_create(
        service, body.name, description=body.description, requested_by=requested_by(request)
    )
    return _view(request, service_id)


@router.delete(f"{PATH}/snapshots/{{name}}", response=answers(StaffServiceOut), auth=staff_write_auth)
def delete_snapshot(request: HttpRequest, service_id: RowId, name: str) -> dict[str, Any]:
    snapshots.request_snapshot_delete(_service(request, service_id), name, requested_by=requested_by(request))
    return _view(request, service_id)


@router.post(f"{PATH}/snapshots/{{name}}/rollback", response=answers(StaffServiceOut), auth=staff_write_auth)
def rollback_snapshot(request: HttpRequest, service_id: RowId, name: str) -> dict[str, Any]:
    """Bring the VM back to the snapshot (the package applied again) and start it."""
    snapshots.request_snapshot_rollback(_service(request, service_id), name, requested_by=requested_by(request))
    return _view(request, service_id)


# ------------------------------------------------------------------------------------------------------ backups


@router.get(f"{PATH}/backups", response=answers(list[BackupOut]))
def list_backups(request: HttpRequest, service_id: RowId) -> list[dict[str, Any]]:
    """The VM's backups, oldest first."""
    return operations.backups_of(_service(request, service_id))


@router.post(f"{PATH}/backups", response=answers(StaffServiceOut), auth=staff_write_auth)
def create_backup(request: HttpRequest, service_id: RowId) -> dict[str, Any]:
    """Ask for a backup; refused over the package's backup count."""
    backups.request_backup_create(_service(request, service_id), requested_by=requested_by(request))
    return _view(request, service_id)


@router.post(f"{PATH}/backups/delete", response=answers(StaffServiceOut), auth=staff_write_auth)
def delete_backup(request: HttpRequest, service_id: RowId, body: VolumeIn) -> dict[str, Any]:
    backups.request_backup_delete(_service(request, service_id), body.volid, requested_by=requested_by(request))
    return _view(request, service_id)


@router.post(f"{PATH}/backups/restore", response=answers(StaffServiceOut), auth=staff_write_auth)
def restore_backup(request: HttpRequest, service_id: RowId, body: VolumeIn) -> dict[str, Any]:
    """Restore the VM from the backup (refused while the VM runs) and start it."""
    backups.request_backup_restore(_service(request, service_id), body.volid, requested_by=requested_by(request))
    return _view(request, service_id)


@router.get(f"{PATH}/backup-schedule", response=answers(BackupScheduleOut))
def get_backup_schedule(request: HttpRequest, service_id: RowId) -> BackupScheduleOut:
    return operations.schedule_of(_service(request, service_id))


@router.put(f"{PATH}/backup-schedule", response=answers(BackupScheduleOut), auth=staff_write_auth)
def put_backup_schedule(request: HttpRequest, service_id: RowId, body: BackupScheduleIn) -> BackupScheduleOut:
    """Back up on these weekdays at a time of day drawn anew; no weekday removes the schedule."""
    service = _service(request, service_id)
    set_backup_schedule(service, body.weekdays)
    return operations.schedule_of(service)


# --------------------------------------------------------------------------------------------- ISOs, reinstall


@router.get(f"{PATH}/isos", response=answers(dict[str, list[IsoOut]]))
def list_isos(request: HttpRequest, service_id: RowId) -> dict[str, list[dict[str, Any]]]:
    """The images of the plan's ISO storage by group (the text before the first `-`, else OTHER)."""
    return operations.isos_of(_service(request, service_id))


@router.post(f"{PATH}/iso", response=answers(StaffServiceOut), auth=staff_write_auth)
def mount_iso(request: HttpRequest, service_id: RowId, body: VolumeIn) -> dict[str, Any]:
    isos.request_mount_iso(_service(request, service_id), body.volid, requested_by=requested_by(request))
    return _view(request, service_id)


@router.delete(f"{PATH}/iso", response=answers(StaffServiceOut), auth=staff_write_auth)
def unmount_iso(request: HttpRequest, service_id: RowId) -> dict[str, Any]:
    isos.request_unmount_iso(_service(request, service_id), requested_by=requested_by(request))
    return _view(request, service_id)


@router.get(f"{PATH}/templates", response=answers(list[TemplateOut]))
def list_templates(request: HttpRequest, service_id: RowId) -> list[dict[str, Any]]:
    """The operating systems the plan offers for a reinstall."""
    return operations.templates_of(_service(request, service_id))


@router.post(f"{PATH}/reinstall", response=answers(StaffServiceOut), auth=staff_write_auth)
def reinstall(request: HttpRequest, service_id: RowId, body: ReinstallIn) -> dict[str, Any]:
    """Rebuild the VM from a template the plan offers, keeping its addresses and VMID; snapshots are deleted."""
    service = _service(request, service_id)
    request_reinstall(service, operations.template_or_422(body.template), requested_by=requested_by(request))
    return _view(request, service_id)


# ----------------------------------------------------------------------------------------------------- firewall


@router.get(f"{PATH}/firewall/rules", response=answers(FirewallRulesOut))
def list_rules(request: HttpRequest, service_id: RowId) -> FirewallRulesOut:
    return operations.rules_of(_service(request, service_id))


@router.post(f"{PATH}/firewall/rules", response=answers(FirewallRulesOut), auth=staff_write_auth)
def add_rule(request: HttpRequest, service_id: RowId, body: FirewallRuleIn) -> FirewallRulesOut:
    """Add the rule at the top of the list; 422 naming each refused field."""
    service = _service(request, service_id)
    firewall_rules.add_rule(service, operations.rule_fields(body))
    return operations.rules_of(service)


@router.post(f"{PATH}/firewall/rules/move", response=answers(FirewallRulesOut), auth=staff_write_auth)
def move_rule(request: HttpRequest, service_id: RowId, body: FirewallMoveIn) -> FirewallRulesOut:
    service = _service(request, service_id)
    firewall_rules.move_rule(service, body.source, body.target, body.digest)
    return operations.rules_of(service)


@router.delete(f"{PATH}/firewall/rules/{{position}}", response=answers(FirewallRulesOut), auth=staff_write_auth)
def delete_rule(
    request: HttpRequest, service_id: RowId, position: Position, digest: Digest | None = None
) -> FirewallRulesOut:
    """Delete the rule at `position` of the list whose `digest` the caller holds (409 if it changed since)."""
    service = _service(request, service_id)
    firewall_rules.delete_rule(service, position, digest)
    return operations.rules_of(service)


@router.get(f"{PATH}/firewall/policies", response=answers(FirewallPoliciesOut))
def get_policies(request: HttpRequest, service_id: RowId) -> FirewallPoliciesOut:
    return operations.policies_of(_service(request, service_id))


@router.put(f"{PATH}/firewall/policies", response=answers(FirewallPoliciesOut), auth=staff_write_auth)
def set_policy(request: HttpRequest, service_id: RowId, body: FirewallPolicyIn) -> FirewallPoliciesOut:
    """Set the input or output policy: what happens to packets no rule matches."""
    service = _service(request, service_id)
    firewall_rules.set_policy(service, body.direction, body.policy)
    return operations.policies_of(service)


# ------------------------------------------------------------------------------------------------ staff actions


@router.post(f"{PATH}/retry-terminate", response=answers(StaffServiceOut), auth=staff_write_auth)
def retry_terminate(request: HttpRequest, service_id: RowId) -> dict[str, Any]:
    """Reset the status to `terminate`: the terminate runs again from its first step."""
    staff.retry_terminate(_service(request, service_id), requested_by(request))
    return _view(request, service_id)


@router.post(f"{PATH}/mark-removed", response=answers(StaffServiceOut), auth=staff_write_auth)
def mark_removed(request: HttpRequest, service_id: RowId) -> dict[str, Any]:
    """Reset the status to `remove`: addresses and VMID freed, Proxmox not touched."""
    staff.mark_removed(_service(request, service_id), requested_by(request))
    return _view(request, service_id)


@router.delete(f"{PATH}/record", response=answers(None, 204), auth=staff_write_auth)
def delete_record(request: HttpRequest, service_id: RowId) -> Status[None]:
    """Delete the record only (its VM, backups and snapshots stay on Proxmox); only for a service removed or whose
    terminate failed (409 otherwise)."""
    staff.delete_record(_service(request, service_id), requested_by(request))
    return Status(204, None)


@router.post(f"{PATH}/dns", response=answers(StaffServiceOut), auth=staff_write_auth)
def set_dns_records(request: HttpRequest, service_id: RowId) -> dict[str, Any]:
    """Write the service's DNS records again (forward and reverse), run by the worker."""
    request_dns_sync(_service(request, service_id), requested_by=requested_by(request))
    return _view(request, service_id)
