"""The client's power buttons (SPEC S17): start, stop, shutdown, reboot and reset, each run as an operation so it
waits its turn behind the operation in flight (a backup, a reinstall) instead of racing it.

A start, stop or shutdown is done when the VM's status says so, polled after its task for up to STATUS_TIMEOUT
seconds (an HA-managed VM's task ends before its status changes); a reboot or reset when its task ended well. An
action the VM's status makes pointless (starting a running VM, rebooting a stopped one) is skipped. A failed
action is tried again after the retry delay; after ATTEMPTS failures the operation ends, the VM left as it is,
with the reason in the log and on the request.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from proxvps.domain.transitions import POWER
from proxvps.inventory.models import OperationRequest, Service
from proxvps.lifecycle.context import StepContext, task_poll_seconds
from proxvps.lifecycle.outcomes import Done, Failed, Outcome, Wait, skip
from proxvps.lifecycle.power import SHUTDOWN_TIMEOUT, current_status
from proxvps.lifecycle.requests import OrderRefused, submit
from proxvps.lifecycle.steps import step
from proxvps.proxmox import ProxmoxClient, TaskRef

ATTEMPTS = 3
STATUS_TIMEOUT = 60.0


@dataclass(frozen=True)
class PowerAction:
    name: str
    label: Promise
    send: Callable[[ProxmoxClient, str, int], TaskRef]
    until: str | None
    """The status the VM must reach for the action to be done; None: its task ending well is enough (a reboot or
    reset, which need a running VM)."""

    def pointless(self, status: str) -> bool:
        """Starting a running VM, stopping a stopped one, rebooting or resetting one that does not run."""
        return status == self.until if self.until is not None else status != "running"


ACTIONS: dict[str, PowerAction] = {
    action.name: action
    for action in (
        PowerAction("start", gettext_lazy("start"), lambda c, n, v: c.start(n, v), "running"),
        PowerAction("stop", gettext_lazy("stop"), lambda c, n, v: c.stop(n, v), "stopped"),
        PowerAction(
            "shutdown", gettext_lazy("shutdown"), lambda c, n, v: c.shutdown(n, v, timeout=SHUTDOWN_TIMEOUT), "stopped"
        ),
        PowerAction("reboot", gettext_lazy("reboot"), lambda c, n, v: c.reboot(n, v), None),
        PowerAction("reset", gettext_lazy("reset"), lambda c, n, v: c.reset(n, v), None),
    )
}


def request_power(service: Service, action: str, *, requested_by: str = "") -> OperationRequest:
    """Ask for a power action on the service's VM: start, stop, shutdown, reboot or reset."""
    if action not in ACTIONS:
        raise OrderRefused(
            _('"%(action)s" is not a power action; use start, stop, shutdown, reboot or reset.') % {"action": action}
        )
    return submit(service, POWER, params={"action": action}, requested_by=requested_by)


def _give_up_or_retry(ctx: StepContext, action: PowerAction, error: str) -> Outcome:
    """Count the failed attempt; the next one sends the action again. After the last, end with the reason."""
    attempts = ctx.service.step_attempts + 1
    ctx.record(step_attempts=attempts, step_started_at=None)
    if attempts < ATTEMPTS:
        return Failed(_("%(action)s failed: %(error)s. Will retry.") % {"action": action.label, "error": error})
    OperationRequest.objects.filter(pk=ctx.request.pk).update(message=error)
    return skip(
        _("skip - %(action)s failed %(n)s times: %(error)s") % {"action": action.label, "n": attempts, "error": error}
    )


@step("power_action")
def power_action(ctx: StepContext) -> Outcome:
    """Send the request's action once, wait for its task, then (start, stop, shutdown) for the VM's status."""
    action = ACTIONS[str(ctx.request.params.get("action"))]
    pending = ctx.pending(str(action.label))
    if isinstance(pending, Wait):
        return pending
    if pending is not None and not pending.ok:
        return _give_up_or_retry(ctx, action, pending.exitstatus)
    sent_at = ctx.service.step_started_at
    if sent_at is None:
        status = current_status(ctx)
        if action.pointless(status):
            return skip(_("skip - the VM is %(status)s") % {"status": status})
        return ctx.start(lambda: action.send(ctx.client, ctx.service.node, ctx.vmid), str(action.label))
    if action.until is None:
        return Done(str(action.label))
    status = current_status(ctx)
    if status == action.until:
        return Done(str(action.label))
    waited = (timezone.now() - sent_at).total_seconds()
    if waited > STATUS_TIMEOUT:
        return _give_up_or_retry(
            ctx,
            action,
            _("the VM is still %(status)s %(seconds)d s after the %(action)s")
            % {"status": status, "seconds": waited, "action": action.label},
        )
    return Wait(_("waiting for the VM to be %(status)s") % {"status": action.until}, after=task_poll_seconds())
