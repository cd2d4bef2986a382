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


def first_vmid() -> int:
    return int(settings.PROXVPS_VMID_START)


def reserve_vmid(ctx: StepContext) -> int:
    """A VMID for the service, recorded on it; the one it already has if any."""
    if ctx.service.vmid is not None:
        return ctx.service.vmid
    taken = set(ctx.snapshot.vms)
    reserved = Service.objects.filter(server=ctx.server, vmid__isnull=False).values_list("vmid", flat=True)
    taken.update(vmid for vmid in reserved.iterator() if vmid is not None)
    candidate = first_vmid()
    for _attempt in range(ATTEMPTS):
        while candidate in taken:
            candidate += 1
        try:
            with transaction.atomic():
                ctx.record(vmid=candidate)
            return candidate
        except IntegrityError:
            # Another worker reserved it between our read and our write: take the next one.
            taken.add(candidate)
    raise RuntimeError(_("No free VMID could be reserved after %(n)s attempts.") % {"n": ATTEMPTS})
