"""Staff operations on a service, under /api/v1/services/{service_id}/: the client's operations (snapshots, backups
and their schedule, ISO images, reinstall, firewall rules and policies, as `vm_routes` defines them) on any
service, locked or not, and staff's own, as the staff console offers them: power actions, suspend and unsuspend,
a new password, retry the failed step, reset the status, retry a failed terminate, mark the service removed,
delete its record only, write its DNS records again, migrate its VM to another node.

A staff_read token reads the lists; every change takes a staff_write token. The lifecycle refuses what the state
does not allow (409) exactly as for a client.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Status

from proxvps.api.auth import staff_read_auth, staff_write_auth
from proxvps.api.errors import answers
from proxvps.api.presenters import staff_view, with_details
from proxvps.api.schemas import MigrateIn, PasswordIn, PowerIn, ResetStatusIn, RowId, StaffServiceOut
from proxvps.api.staff import get_or_404
from proxvps.api.vm_routes import Audience, add_vm_routes
from proxvps.inventory.models import Service
from proxvps.lifecycle import staff
from proxvps.lifecycle.dnsrecords import request_dns_sync
from proxvps.lifecycle.node_migration import request_migrate
from proxvps.lifecycle.password import request_reset_password
from proxvps.lifecycle.power_actions import request_power
from proxvps.lifecycle.suspension import request_suspend, request_unsuspend

router = Router(auth=staff_read_auth, tags=["services"])
PATH = "/{service_id}"


def _service(request: HttpRequest, service_id: int) -> Service:
    """The service (404 if none); staff may act on a locked one."""
    return with_details(Service.objects.filter(pk=get_or_404(Service, service_id).pk)).get()


def _view(request: HttpRequest, service_id: int) -> dict[str, Any]:
    return staff_view(_service(request, service_id))


def requested_by(request: HttpRequest) -> str:
    return f"staff: {request.auth.name}"  # type: ignore[attr-defined]


add_vm_routes(
    router,
    PATH,
    Audience(
        module=__name__,
        key=RowId,
        find=_service,
        view=_view,
        service_out=StaffServiceOut,
        write_auth=staff_write_auth,
        requested_by=requested_by,
    ),
)


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


@router.post(f"{PATH}/power", response=answers(StaffServiceOut), auth=staff_write_auth)
def power(request: HttpRequest, service_id: RowId, body: PowerIn) -> dict[str, Any]:
    """Start, stop, shut down, reboot or reset the VM (after the operation in flight)."""
    request_power(_service(request, service_id), body.action, requested_by=requested_by(request))
    return _view(request, service_id)


@router.post(f"{PATH}/suspend", response=answers(StaffServiceOut), auth=staff_write_auth)
def suspend(request: HttpRequest, service_id: RowId) -> dict[str, Any]:
    """Stop the VM and lock the client area (the billing system is not told)."""
    request_suspend(_service(request, service_id), requested_by=requested_by(request))
    return _view(request, service_id)


@router.post(f"{PATH}/unsuspend", response=answers(StaffServiceOut), auth=staff_write_auth)
def unsuspend(request: HttpRequest, service_id: RowId) -> dict[str, Any]:
    """Start the VM again and unlock the client area."""
    request_unsuspend(_service(request, service_id), requested_by=requested_by(request))
    return _view(request, service_id)


@router.post(f"{PATH}/password", response=answers(StaffServiceOut), auth=staff_write_auth)
def reset_password(request: HttpRequest, service_id: RowId, body: PasswordIn) -> dict[str, Any]:
    """A new VM password through cloud-init (the VM restarts; the client gets it by mail); never in the answer."""
    request_reset_password(_service(request, service_id), body.password, requested_by=requested_by(request))
    return _view(request, service_id)


@router.post(f"{PATH}/retry", response=answers(StaffServiceOut), auth=staff_write_auth)
def retry(request: HttpRequest, service_id: RowId) -> dict[str, Any]:
    """Run the step that failed again now (409 when no step failed)."""
    staff.retry_step(_service(request, service_id), requested_by(request))
    return _view(request, service_id)


@router.post(f"{PATH}/reset-status", response=answers(StaffServiceOut), auth=staff_write_auth)
def reset_status(request: HttpRequest, service_id: RowId, body: ResetStatusIn) -> dict[str, Any]:
    """Reset the status to one of the states the console's table explains, with a log row naming the token."""
    staff.reset_status(_service(request, service_id), body.state, requested_by(request))
    return _view(request, service_id)


@router.post(f"{PATH}/migrate", response=answers(StaffServiceOut), auth=staff_write_auth)
def migrate(request: HttpRequest, service_id: RowId, body: MigrateIn) -> dict[str, Any]:
    """Move the VM to another online node of its cluster, live when it runs (409 for its own node or an unknown
    one)."""
    request_migrate(_service(request, service_id), body.target, requested_by=requested_by(request))
    return _view(request, service_id)
