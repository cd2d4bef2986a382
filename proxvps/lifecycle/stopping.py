"""Stopping a VM for good: a shutdown the guest may answer, then a forced stop (SPEC S6: terminate, suspend).

The shutdown step gives the guest GRACEFUL_SECONDS, looking at its status every STATUS_POLL_SECONDS; if it still
runs then, the next step stops it (PVE's stop task) and gives that FORCE_SECONDS. Neither sleeps: each look
returns a Wait. A window is measured from `step_started_at`, set when the step sent its request (or took over
the one a terminate request already sent, whose task is then the service's `task_upid`). While a window runs, a
heartbeat line every HEARTBEAT_SECONDS says how long it has waited (`still running, waited 45s / 120s`);
`step_attempts` counts the heartbeats given, so each is given once however often the worker looks.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from proxvps.lifecycle.context import StepContext
from proxvps.lifecycle.locate import current_vm, lock_wait
from proxvps.lifecycle.outcomes import Done, Failed, Outcome, Wait, skip
from proxvps.lifecycle.steps import step
from proxvps.proxmox import TaskResult

GRACEFUL_SECONDS = 120
FORCE_SECONDS = 60
STATUS_POLL_SECONDS = 5.0
HEARTBEAT_SECONDS = 15


def _waited(ctx: StepContext) -> float:
    started = ctx.service.step_started_at
    return (timezone.now() - started).total_seconds() if started else 0.0


def _open_window(ctx: StepContext) -> None:
    ctx.record(step_started_at=timezone.now(), step_attempts=0)


def _still_running(ctx: StepContext, waited: float, window: int) -> Wait:
    beats = int(waited // HEARTBEAT_SECONDS)
    heartbeat = beats > ctx.service.step_attempts
    if heartbeat:
        ctx.record(step_attempts=beats)
    return Wait(
        _("still running, waited %(waited)ds / %(window)ds") % {"waited": waited, "window": window},
        after=STATUS_POLL_SECONDS,
        heartbeat=heartbeat,
    )


def _stopped(ctx: StepContext) -> Done:
    """The VM is stopped: after how long, when this step asked; a skip when nobody had asked (it was stopped).
    The stop request is over: the cluster's resources, which may still show the VM running, are read again when
    next asked (a start)."""
    requested = bool(ctx.service.task_upid)
    ctx.task_ended()
    if ctx.service.step_started_at is not None:
        return Done(_("stopped after %(waited)ds") % {"waited": _waited(ctx)})
    return Done() if requested else skip(_("skip - already stopped"))


@step("await_shutdown")
def await_shutdown(ctx: StepContext) -> Outcome:
    """Ask the guest to shut down and wait up to GRACEFUL_SECONDS for it. Done either way: when the window is over
    and the VM still runs, the next step forces it off."""
    vm = current_vm(ctx)
    if vm is None:
        ctx.record(task_upid="")
        return skip(_("skip - the VM does not exist"))
    if not vm.running:
        return _stopped(ctx)
    if ctx.service.step_started_at is None:
        busy = lock_wait(vm)
        if busy is not None:
            return busy
        if not ctx.service.task_upid:
            return ctx.start(
                lambda: ctx.client.shutdown(ctx.service.node, ctx.vmid, timeout=GRACEFUL_SECONDS), "shutdown"
            )
        _open_window(ctx)
        return Wait(
            _("stop request sent; waiting up to %(window)ds for the guest to shut down") % {"window": GRACEFUL_SECONDS},
            after=STATUS_POLL_SECONDS,
            heartbeat=True,
        )
    waited = _waited(ctx)
    if waited >= GRACEFUL_SECONDS:
        ctx.record(task_upid="")
        return Done(_("still running after %(waited)ds; forcing a stop") % {"waited": waited})
    return _still_running(ctx, waited, GRACEFUL_SECONDS)


@step("force_stop")
def force_stop(ctx: StepContext) -> Outcome:
    """Stop a VM that ignored the shutdown (PVE's stop, aborting a shutdown task still running) and wait up to
    FORCE_SECONDS for it. A VM still running then is a failure; its retry sends a new stop."""
    result = ctx.pending("stop")
    vm = current_vm(ctx)
    if vm is None:
        return skip(_("skip - the VM does not exist"))
    if not vm.running:
        return _stopped(ctx)
    if ctx.service.step_started_at is None:
        busy = lock_wait(vm)
        if busy is not None:
            return busy
        return ctx.start(
            lambda: ctx.client.stop(ctx.service.node, ctx.vmid, overrule_shutdown=True),
            "stop",
        )
    waited = _waited(ctx)
    if isinstance(result, TaskResult) and not result.ok:
        ctx.record(step_started_at=None, step_attempts=0)
        return Failed(_("Force stop failed: %(error)s") % {"error": result.message})
    if waited >= FORCE_SECONDS:
        ctx.record(step_started_at=None, step_attempts=0, task_upid="")
        return Failed(_("VM still running %(waited)ds after a forced stop.") % {"waited": waited})
    return _still_running(ctx, waited, FORCE_SECONDS)
