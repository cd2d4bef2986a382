"""Stopping for a change, starting, and checking the VM runs (SPEC S4, S5)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from proxvps.ipam.allocation import addresses_of
from proxvps.lifecycle import hardware, networking
from proxvps.lifecycle.context import StepContext
from proxvps.lifecycle.outcomes import Done, Failed, Outcome, Wait, skip
from proxvps.lifecycle.steps import step
from proxvps.mail.messages import send_vm_ready

SHUTDOWN_TIMEOUT = 60


def current_status(ctx: StepContext) -> str:
    """The VM's status as Proxmox says it now (`running`, `stopped`)."""
    return ctx.client.vm_status(ctx.service.node, ctx.vmid).status


def change_needs_stop(ctx: StepContext) -> bool:
    """True when change package will really change the VM: a disk shrink alone does not (SPEC S5)."""
    return bool(
        hardware.cpu_ram_changes(ctx)
        or hardware.system_disk_grows(ctx)
        or hardware.system_io_change(ctx)
        or hardware.additional_disk_changes(ctx)
        or hardware.additional_io_change(ctx)
        or networking.network_change(ctx)
    )


@step("shut_down")
def shut_down(ctx: StepContext) -> Outcome:
    """Shut the VM down (forced after SHUTDOWN_TIMEOUT seconds: one PVE task does both) unless it is stopped
    already."""
    pending = ctx.pending("shutdown")
    if pending is not None:
        if isinstance(pending, Wait):
            return pending
        status = current_status(ctx)
        if status != "stopped":
            return Failed(_("VM did not stop (status: %(status)s). Will retry.") % {"status": status})
        return Done()
    if current_status(ctx) == "stopped":
        return skip(_("skip - already stopped"))
    return ctx.start(
        lambda: ctx.client.shutdown(ctx.service.node, ctx.vmid, timeout=SHUTDOWN_TIMEOUT, force_stop=True),
        "shutdown",
    )


@step("stop_for_change")
def stop_for_change(ctx: StepContext) -> Outcome:
    """Stop once, at the start of a change, and only if something will change."""
    if not ctx.service.task_upid and not change_needs_stop(ctx):
        return skip(hardware.NO_CHANGE)
    return shut_down(ctx)


@step("start")
def start(ctx: StepContext) -> Outcome:
    """Start the VM. No call asks first whether it runs: it seldom does here, and if it did the start task fails
    and the status read then says so."""
    pending = ctx.pending("start")
    if pending is not None:
        if isinstance(pending, Wait) or pending.ok:
            return pending if isinstance(pending, Wait) else Done()
        status = current_status(ctx)
        if status == "running":
            return skip(_("skip - already running"))
        # Proxmox's own words (QEMU's exit, a missing volume) are what staff need, not only the status.
        return Failed(
            _("VM failed to start (status: %(status)s): %(error)s. Will retry.")
            % {"status": status, "error": pending.exitstatus.rstrip(".") or _("no exit status")}
        )
    return ctx.start(lambda: ctx.client.start(ctx.service.node, ctx.vmid), "start")


@step("verify_running")
def verify_running(ctx: StepContext) -> Outcome:
    status = current_status(ctx)
    if status != "running":
        return Failed(_("VM is not running (status: %(status)s). Will retry.") % {"status": status})
    return Done()


@step("verify_running_and_email")
def verify_running_and_email(ctx: StepContext) -> Outcome:
    """The last step of a deploy or a reinstall: the VM runs, and the client gets its access details (once per
    run of the operation: the mail's key is the request)."""
    outcome = verify_running(ctx)
    if isinstance(outcome, Failed):
        return outcome
    if ctx.service.client_email:
        send_vm_ready(
            ctx.service.client_email,
            key=f"vm_ready:{ctx.request.pk}",
            hostname=ctx.service.hostname,
            addresses=[address.ip for address in addresses_of(ctx.service)],
            username=ctx.service.username,
            password=ctx.service.password,
            plan=ctx.service.plan_id,
        )
        return Done()
    return Done(_("no e-mail address for the client"))
