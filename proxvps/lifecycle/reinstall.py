"""Reinstall (SPEC S7): the VM is removed and cloned afresh from the template the client picked (another operating
system is allowed), keeping its VMID, addresses, MAC and VLAN. Snapshots are deleted first; backups stay: they
belong to the VMID, so a backup made before the reinstall can still be restored.

After the clone the operation runs deploy's own steps (see the transition table). The steps here are what
reinstall adds: deleting the snapshots, removing the old VM once its MAC is noted in the request (the network
step gives the new VM the same one), and a clone that must land in the same VMID.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from proxvps.domain.network import NetDevice
from proxvps.domain.transitions import REINSTALL
from proxvps.inventory.models import OperationRequest, Service, Template
from proxvps.lifecycle import power, provisioning
from proxvps.lifecycle.context import StepContext
from proxvps.lifecycle.networking import NIC
from proxvps.lifecycle.orders import offered_templates
from proxvps.lifecycle.outcomes import Done, Failed, Outcome, Wait, skip
from proxvps.lifecycle.requests import OrderRefused, submit
from proxvps.lifecycle.steps import step


def request_reinstall(
    service: Service, template: Template | None = None, *, requested_by: str = ""
) -> OperationRequest:
    """Ask for the service's VM to be reinstalled from `template` (one the plan offers; None: the one it has).
    Refused, with nothing changed, for a template the plan does not offer or one on another cluster."""
    chosen = template or service.template or service.plan.template
    if service.server_id is None or service.vmid is None:
        raise OrderRefused(
            _("Service %(sid)s has no VM to reinstall yet.") % {"sid": service.billing_service_id},
        )
    if chosen is None or chosen.pk not in {offered.pk for offered in offered_templates(service.plan)}:
        raise OrderRefused(
            _("Plan %(plan)s does not offer the operating system %(os)s.")
            % {"plan": service.plan, "os": chosen or _("(none)")}
        )
    if chosen.server_id != service.server_id:
        raise OrderRefused(
            _("The operating system %(os)s is not on the cluster of service %(sid)s.")
            % {"os": chosen, "sid": service.billing_service_id}
        )
    return submit(service, REINSTALL, fields={"template_id": chosen.pk}, requested_by=requested_by)


def _not_ours(ctx: StepContext, name: str | None) -> Failed | None:
    """A refusal to touch the VM in the service's VMID when it is not the service's VM (someone renamed it or took
    the VMID): the reinstall stops for staff."""
    if name == ctx.service.vm_name:
        return None
    return Failed(
        _("VM %(vmid)s is %(name)s, not this service's %(ours)s; it is left alone.")
        % {"vmid": ctx.vmid, "name": name, "ours": ctx.service.vm_name},
        retryable=False,
    )


def _missing(ctx: StepContext) -> Done:
    return skip(_("skip - VM %(vmid)s does not exist") % {"vmid": ctx.vmid})


@step("stop_for_reinstall")
def stop_for_reinstall(ctx: StepContext) -> Outcome:
    """Power the VM off for its removal, once it is known to be the service's own. A VM that no longer exists
    (removed by hand, or a deploy that failed early) is simply made again."""
    if not ctx.service.task_upid:
        found = ctx.client.find_vm(ctx.vmid)
        if found is None:
            return _missing(ctx)
        refusal = _not_ours(ctx, found.name)
        if refusal is not None:
            return refusal
    return power.shut_down(ctx)


@step("delete_snapshots")
def delete_snapshots(ctx: StepContext) -> Outcome:
    """Delete the VM's snapshots one task at a time until none is left: they are of disks the reinstall throws
    away, so none could be rolled back onto the new VM."""
    pending = ctx.pending("delete snapshot")
    if isinstance(pending, Wait):
        return pending
    if pending is not None and not pending.ok:
        return Failed(_("Deleting a snapshot failed: %(error)s. Will retry.") % {"error": pending.exitstatus})
    if pending is None and ctx.vmid not in ctx.snapshot.vms:
        return _missing(ctx)  # were the listing stale, the VM's removal would take its snapshots along
    snapshots = ctx.client.snapshots(ctx.service.node, ctx.vmid)
    if not snapshots:
        return Done() if pending is not None else skip(_("skip - no snapshots"))
    name = snapshots[-1].name
    return ctx.start(lambda: ctx.client.delete_snapshot(ctx.service.node, ctx.vmid, name), "delete snapshot")


def _mac(ctx: StepContext) -> str:
    """The MAC of the VM's net0, or "" when it has none (the new VM then keeps the one its clone got)."""
    current = ctx.config().get(NIC)
    return (NetDevice.parse(current).macaddr or "") if current else ""


@step("delete_vm_for_reinstall")
def delete_vm(ctx: StepContext) -> Outcome:
    """Remove the stopped VM, after noting its MAC in the request. Only the VM with the service's name is removed;
    `purge` is off, so the VMID stays in the backup jobs that name it (it is coming back)."""
    pending = ctx.pending("delete")
    if isinstance(pending, Wait):
        return pending
    if pending is not None:
        if not pending.ok:
            return Failed(_("Removing the VM failed: %(error)s. Will retry.") % {"error": pending.exitstatus})
        return Done()
    found = ctx.client.find_vm(ctx.vmid)
    if found is None:
        return skip(_("skip - already removed"))
    refusal = _not_ours(ctx, found.name)
    if refusal is not None:
        return refusal
    if "mac" not in ctx.request.params:
        ctx.remember(mac=_mac(ctx))
    return ctx.start(lambda: ctx.client.delete_vm(found.node, ctx.vmid, purge=False), "delete")


@step("clone_into_same_vmid")
def clone_into_same_vmid(ctx: StepContext) -> Outcome:
    """Deploy's clone, with its crash adoption (a clone an earlier attempt started is adopted, never made twice),
    into the VMID the service keeps. A VM of another name that took the VMID meanwhile is neither adopted nor
    replaced by another VMID: the reinstall stops for staff."""
    if not ctx.service.task_upid:
        existing = ctx.snapshot.vms.get(ctx.vmid) and ctx.client.find_vm(ctx.vmid)
        if existing is not None and existing.name != ctx.service.vm_name:
            return Failed(
                _("VMID %(vmid)s was taken by VM %(name)s during the reinstall.")
                % {"vmid": ctx.vmid, "name": existing.name},
                retryable=False,
            )
    return provisioning.clone(ctx)
