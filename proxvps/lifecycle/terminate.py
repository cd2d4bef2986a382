"""Terminate (SPEC S6): the request sends a stop request to Proxmox and returns; the worker then stops the VM
(stopping.py), removes its backups and snapshots, its DNS records and firewall objects, deletes it, and frees its
addresses and VMID.

Terminate preempts whatever the service was doing, and any failure is final: the service stops in
`error_terminate` with its record and addresses kept, since its VM may still exist; staff act (staff.py).
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from proxvps.domain import states
from proxvps.domain.transitions import TERMINATE
from proxvps.inventory.connect import client_for
from proxvps.inventory.models import OperationRequest, Service
from proxvps.ipam.allocation import release
from proxvps.lifecycle.context import StepContext
from proxvps.lifecycle.locate import TASK_LOCKS, current_vm, lock_wait, not_ours
from proxvps.lifecycle.networking import remove_firewall_objects
from proxvps.lifecycle.outcomes import Done, Failed, Outcome, Wait, skip
from proxvps.lifecycle.requests import OrderRefused, submit
from proxvps.lifecycle.steps import step
from proxvps.lifecycle.stopping import GRACEFUL_SECONDS
from proxvps.proxmox import ProxmoxApiError, ProxmoxError, TaskResult


def request_terminate(service: Service, requested_by: str = "") -> OperationRequest:
    """Terminate the service: a stop request goes to Proxmox now, the worker does the rest. Asking again while it
    runs changes nothing; a removed service is answered as done; one whose terminate failed is refused (staff
    retry it, see staff.py)."""
    service.refresh_from_db()
    if service.state == states.ERROR_TERMINATE:
        raise OrderRefused(
            _("Terminating service %(sid)s failed earlier; staff must check it and reset its status to retry.")
            % {"sid": service.billing_service_id}
        )
    fields: dict[str, str] = {}
    note = ""
    if service.state not in TERMINATE.states and service.state not in TERMINATE.done_in:
        upid, note = send_stop_request(service)
        if upid:
            fields["task_upid"] = upid
    return submit(service, TERMINATE, fields=fields, requested_by=requested_by, note=note)


def send_stop_request(service: Service) -> tuple[str, str]:
    """Ask the guest to shut down, without waiting: the task's UPID (empty when none was sent) and what happened,
    for the log. No call when the service never got a VM; nothing is sent to a VM that is stopped, busy with a task,
    or not the service's. An error is only noted: the worker's first step sends the request again."""
    if service.server is None or service.vmid is None or not service.node:
        return "", _("no VM to stop")
    try:
        with client_for(service.server) as client:
            status = client.vm_status(service.node, service.vmid)
            problem = not_ours(service, status)
            if problem:
                return "", problem
            if not status.running:
                return "", _("the VM is not running")
            if status.lock in TASK_LOCKS:
                return "", _("the VM is locked (%(lock)s); the worker waits for that to finish") % {"lock": status.lock}
            ref = client.shutdown(service.node, service.vmid, timeout=GRACEFUL_SECONDS)
    except ProxmoxApiError as error:
        if error.missing:
            return "", _("the VM does not exist")
        return "", _("stop request not sent (%(error)s); the worker will send it") % {"error": error}
    except ProxmoxError as error:
        return "", _("stop request not sent (%(error)s); the worker will send it") % {"error": error}
    return ref.upid, _("stop request sent")


def _task_failed(result: TaskResult | Wait | None) -> Failed | None:
    if isinstance(result, TaskResult) and not result.ok:
        return Failed(result.message)
    return None


@step("remove_backups")
def remove_backups(ctx: StepContext) -> Outcome:
    """Delete the VM's backups on the plan's backup storage, one task at a time."""
    result = ctx.pending("delete backup")
    if isinstance(result, Wait):
        return result
    failed = _task_failed(result)
    if failed is not None:
        return failed
    storage = ctx.plan.backup_storage
    if not storage:
        return skip(_("skip - the plan has no backup storage"))
    if ctx.service.server is None or ctx.service.vmid is None or not ctx.service.node:
        return skip(_("skip - the service never got a VM"))
    node, vmid = ctx.service.node, ctx.vmid
    backups = [v for v in ctx.client.storage_content(node, storage, content="backup", vmid=vmid) if v.vmid == vmid]
    if not backups:
        return Done() if result is not None else skip(_("skip - no backups"))
    return ctx.start(lambda: ctx.client.delete_volume(node, storage, backups[0].volid), "delete backup")


@step("remove_snapshots")
def remove_snapshots(ctx: StepContext) -> Outcome:
    """Delete the VM's snapshots, one task at a time, the newest first."""
    result = ctx.pending("delete snapshot")
    if isinstance(result, Wait):
        return result
    failed = _task_failed(result)
    if failed is not None:
        return failed
    vm = current_vm(ctx)
    if vm is None:
        return skip(_("skip - the VM does not exist"))
    busy = lock_wait(vm)
    if busy is not None:
        return busy
    node, vmid = ctx.service.node, ctx.vmid
    snapshots = sorted(ctx.client.snapshots(node, vmid), key=lambda snapshot: snapshot.snaptime or 0)
    if not snapshots:
        return Done() if result is not None else skip(_("skip - no snapshots"))
    newest = snapshots[-1].name
    return ctx.start(lambda: ctx.client.delete_snapshot(node, vmid, newest), "delete snapshot")


@step("remove_firewall_objects")
def remove_firewall(ctx: StepContext) -> Outcome:
    """The VM's firewall objects; a real error is shown but does not stop the terminate, as deleting the VM removes
    its firewall configuration anyway (the seed's cleanupFirewall logs them the same way)."""
    vm = current_vm(ctx)
    if vm is None:
        return skip(_("skip - the VM does not exist"))
    errors = remove_firewall_objects(ctx.client, ctx.service.node, ctx.vmid)
    return Done("; ".join(errors))


@step("delete_vm")
def delete_vm(ctx: StepContext) -> Outcome:
    """Delete the VM with its disks (purged from backup jobs, HA and replication); a VM already gone is done."""
    result = ctx.pending("delete VM")
    if isinstance(result, Wait):
        return result
    vm = current_vm(ctx)
    if vm is None:
        return Done() if result is not None else skip(_("skip - the VM does not exist"))
    failed = _task_failed(result)
    if failed is not None:
        return failed
    busy = lock_wait(vm)
    if busy is not None:
        return busy
    if vm.running:
        return Failed(_("VM %(vmid)s runs again; it was not deleted.") % {"vmid": vm.vmid})
    return ctx.start(
        lambda: ctx.client.delete_vm(ctx.service.node, ctx.vmid, purge=True, destroy_unreferenced_disks=True),
        "delete VM",
    )


@step("free_ips_and_vmid")
def free_ips_and_vmid(ctx: StepContext) -> Outcome:
    """Give the addresses back to their pools and the VMID back to the cluster: a new order may take them now."""
    with transaction.atomic():
        released = release(ctx.service)
        ctx.record(vmid=None, node="", task_upid="")
    return Done(ngettext("%(count)d address freed", "%(count)d addresses freed", released) % {"count": released})
