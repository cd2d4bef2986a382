"""VMIDs: free both in our database and on Proxmox, reserved in the database before the clone starts.

The reservation is a row write guarded by a unique constraint (server, vmid), so two workers can never clone
into the same id; a retry after a crash finds the id already on the service and adopts the VM it made.
"""

from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _

from proxvps import statements
from proxvps.inventory.models import Service
from proxvps.lifecycle.context import StepContext

ATTEMPTS = 20
WINDOW = 32
"""VMIDs looked up in the database at a time: a reservation reads the few ids it may take, not every VMID the
server has, so its cost does not grow with the number of VMs."""


def first_vmid() -> int:
    return int(settings.PROXVPS_VMID_START)


def _window(taken: set[int], start: int) -> list[int]:
    """The next WINDOW ids from `start` that Proxmox does not use."""
    found: list[int] = []
    candidate = start
    while len(found) < WINDOW:
        if candidate not in taken:
            found.append(candidate)
        candidate += 1
    return found


def _reserved_between(server_pk: int, low: int, high: int) -> set[int]:
    """The VMIDs from `low` to `high` that services of the server hold. Plain SQL: the queryset's `IN` of a window
    cost a millisecond of CPU to build, ten times what the database spends answering it."""
    quote = connection.ops.quote_name
    vmid, server = quote(statements.column(Service, "vmid")), quote(statements.column(Service, "server"))
    sql = f"SELECT {vmid} FROM {quote(Service._meta.db_table)} WHERE {server} = %s AND {vmid} BETWEEN %s AND %s"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [server_pk, low, high])
        return {vmid for (vmid,) in cursor.fetchall()}


def reserve_vmid(ctx: StepContext) -> int:
    """A VMID for the service, recorded on it; the one it already has if any. The lowest id that neither Proxmox
    (the pass's snapshot) nor another service uses, looked for a window at a time from the pass's floor."""
    if ctx.service.vmid is not None:
        return ctx.service.vmid
    taken = set(ctx.snapshot.vms)
    start = max(first_vmid(), ctx.run.vmid_floor.get(ctx.server.pk, 0))
    attempts = 0
    while attempts < ATTEMPTS:
        window = _window(taken, start)
        taken |= _reserved_between(ctx.server.pk, window[0], window[-1])
        free = [vmid for vmid in window if vmid not in taken]
        if not free:
            start = window[-1] + 1
            continue
        attempts += 1
        try:
            with transaction.atomic():
                ctx.record(vmid=free[0])
            ctx.run.vmid_floor[ctx.server.pk] = free[0] + 1
            return free[0]
        except IntegrityError:
            # Another worker reserved it between our read and our write: take the next one.
            taken.add(free[0])
    raise RuntimeError(_("No free VMID could be reserved after %(n)s attempts.") % {"n": ATTEMPTS})
