"""VMIDs: free both in our database and on Proxmox, reserved in the database before the clone starts.

The reservation is a row write guarded by a unique constraint (server, vmid), so two workers can never clone
into the same id; a retry after a crash finds the id already on the service and adopts the VM it made.
"""

from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from proxvps.inventory.models import Service
from proxvps.lifecycle.context import StepContext

ATTEMPTS = 20
WINDOW = 256
"""VMIDs looked up in the database at a time: a reservation reads the ids it may take a window at a time, not
every VMID the server has."""


def first_vmid() -> int:
    return int(settings.PROXVPS_VMID_START)


def reserve_vmid(ctx: StepContext) -> int:
    """A VMID for the service, recorded on it; the one it already has if any: the lowest id that neither Proxmox
    (the pass's cluster snapshot) nor another service of the server uses."""
    if ctx.service.vmid is not None:
        return ctx.service.vmid
    taken = set(ctx.snapshot.vms)
    low = first_vmid()
    attempts = 0
    while attempts < ATTEMPTS:
        high = low + WINDOW - 1
        reserved = Service.objects.filter(server=ctx.server, vmid__range=(low, high)).values_list("vmid", flat=True)
        taken.update(vmid for vmid in reserved if vmid is not None)
        free = next((vmid for vmid in range(low, high + 1) if vmid not in taken), None)
        if free is None:
            low = high + 1
            continue
        attempts += 1
        try:
            with transaction.atomic():
                ctx.record(vmid=free)
            return free
        except IntegrityError:
            # Another worker reserved it between our read and our write: take the next one.
            taken.add(free)
    raise RuntimeError(_("No free VMID could be reserved after %(n)s attempts.") % {"n": ATTEMPTS})
