"""What staff do with a service whose terminate the worker could not finish (SPEC S6, S18): retry it, mark the
service removed without touching Proxmox, or delete its record only.

Each is staff's explicit decision (the admin asks for a confirmation that says what it does). The first two go
through `advance()` like every state change and leave a line in the service's action log; the third deletes the
log with the record, so it is written to the application log instead.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from proxvps.domain import states
from proxvps.domain.transitions import TERMINATE
from proxvps.inventory.choices import StepResult
from proxvps.inventory.models import OperationRequest, Service
from proxvps.ipam.allocation import release
from proxvps.lifecycle import requests
from proxvps.lifecycle.advance import advance
from proxvps.lifecycle.requests import OrderRefused, submit

log = logging.getLogger(__name__)

DELETABLE_STATES = frozenset({states.ERROR_TERMINATE, states.REMOVE})
"""Only a service that is gone, or whose terminate failed, may lose its record: any other still has work."""


def retry_terminate(service: Service, by: str) -> OperationRequest:
    """Reset the status to `terminate`: the terminate runs again from its first step (the VM is shut down if it
    runs; each cleanup is redone where needed; a VM already gone counts as deleted)."""
    return submit(
        service, TERMINATE, requested_by=by, note=_("status reset to terminate by %(by)s") % {"by": by or _("staff")}
    )


def mark_removed(service: Service, by: str) -> None:
    """Reset the status to `remove` (force-mark): the addresses and the VMID are freed, Proxmox is not touched. For
    a VM staff deleted by hand, or will; the log says which VM was left where it is."""
    with transaction.atomic():
        locked = Service.objects.select_for_update().get(pk=service.pk)
        if locked.state == states.REMOVE:
            return
        released = release(locked)
        left = (
            _("VM %(vmid)s on node %(node)s left untouched on Proxmox.") % {"vmid": locked.vmid, "node": locked.node}
            if locked.vmid is not None
            else _("The service had no VM.")
        )
        requests.cancel(locked, _("Cancelled: staff marked the service removed."))
        advance(
            locked,
            owner=None,
            operation=TERMINATE.name,
            step=_("Status reset to remove"),
            to_state=states.REMOVE,
            result=StepResult.SUCCESS,
            message=_("By %(by)s: %(freed)s; %(left)s")
            % {
                "by": by or _("staff"),
                "freed": ngettext("%(count)d address freed", "%(count)d addresses freed", released)
                % {"count": released},
                "left": left,
            },
            started_at=timezone.now(),
            duration=0.0,
            vmid=None,
            node="",
            task_upid="",
            next_attempt_at=None,
        )
    service.refresh_from_db()


def delete_record(service: Service, by: str) -> None:
    """Delete the service's record only: its VM, backups and snapshots stay on Proxmox as they are. The database is
    cleaned up (SPEC S6): the addresses go back to their pools, and the action log and usage figures go with the
    record. Only for a service in `error_terminate` or `remove`; any other is refused and nothing changes."""
    with transaction.atomic():
        locked = Service.objects.select_for_update().get(pk=service.pk)
        if locked.state not in DELETABLE_STATES:
            raise OrderRefused(
                _(
                    "Only the record of a removed service, or of one whose terminate failed, can be deleted; "
                    "service %(sid)s is %(state)s."
                )
                % {"sid": locked.billing_service_id, "state": locked.state_label}
            )
        released = release(locked)
        locked.delete()
    log.warning(
        "service %s record deleted by %s (state %s, VM %s on %s left on Proxmox, %d addresses freed)",
        service.billing_service_id,
        by or "staff",
        service.state,
        service.vmid,
        service.node or "-",
        released,
    )
