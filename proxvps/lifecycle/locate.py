"""Finding the service's VM before changing it for good (stopping, deleting), and telling when it is busy.

Operations that end a VM's life must not act on a VM that is not ours: a VMID another VM took (the service's own
VM gone, someone made a new one with its id) is left alone, and the operation stops for staff to look.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from proxvps.inventory.models import Service
from proxvps.lifecycle.context import StepContext
from proxvps.lifecycle.outcomes import Wait
from proxvps.proxmox import ProxmoxApiError, VmStatus

TASK_LOCKS = frozenset(
    {"backup", "clone", "create", "migrate", "rollback", "snapshot", "snapshot-delete", "suspending"}
)
"""The VM locks a running Proxmox task holds (`create` is a restore's): they go away when the task ends, so an
operation that meets one waits (SPEC S9: while a backup or restore runs, every other operation waits)."""
LOCK_POLL_SECONDS = 60.0
"""How often a wait for a VM's lock looks again; each look is logged, so a long backup leaves a line a minute."""


def not_ours(service: Service, status: VmStatus) -> str:
    """Why the VM with the service's VMID is not the service's (another name), or "" when it is."""
    if not service.vm_name or not status.name or status.name == service.vm_name:
        return ""
    return _("VMID %(vmid)s holds VM %(name)s, not this service's VM %(ours)s: it is left untouched.") % {
        "vmid": status.vmid,
        "name": status.name,
        "ours": service.vm_name,
    }


def current_vm(ctx: StepContext) -> VmStatus | None:
    """The service's VM as Proxmox reports it now; None when the service never got one or it is gone. A VM found
    on another node than recorded (moved by HA or by staff) is followed there. Raises LookupError when the VMID is
    held by a VM of another name (the step fails: staff look)."""
    service = ctx.service
    if service.server is None or service.vmid is None:
        return None
    status = None
    if service.node:
        try:
            status = ctx.client.vm_status(service.node, service.vmid)
        except ProxmoxApiError as error:
            if not error.missing:
                raise
    if status is None:
        found = ctx.client.find_vm(service.vmid)
        if found is None:
            return None
        ctx.record(node=found.node)
        status = ctx.client.vm_status(found.node, service.vmid)
    problem = not_ours(service, status)
    if problem:
        raise LookupError(problem)
    return status


def lock_wait(status: VmStatus) -> Wait | None:
    """A logged wait while a task holds the VM's lock (a backup, a restore, a clone, ...); None when none does."""
    if status.lock not in TASK_LOCKS:
        return None
    return Wait(
        _("VM %(vmid)s is locked (%(lock)s); waiting for that to finish") % {"vmid": status.vmid, "lock": status.lock},
        after=LOCK_POLL_SECONDS,
        heartbeat=True,
    )
