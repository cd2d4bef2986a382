"""Snapshots (SPEC S8): create, delete and roll back, each an operation a request starts, so that it waits for a
backup or restore in flight and shows in the service's log; the package's count limit; the plan's lifetime.

A request is checked against what Proxmox has now and against the requests already open (a snapshot asked for but
not made yet takes a slot; one being deleted frees its slot), under the service's row lock, so that two requests
at once cannot both take the last slot. A rollback brings the package back afterwards (the snapshot's config may be
older than the last change of package) and starts the VM.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.translation import gettext as _

from proxvps.domain.options import OptionError
from proxvps.domain.snapshots import snapshot_name_problem
from proxvps.domain.transitions import SNAPSHOT_CREATE, SNAPSHOT_DELETE, SNAPSHOT_ROLLBACK, Operation
from proxvps.inventory.models import OperationRequest, Service
from proxvps.lifecycle.context import StepContext, resources_of
from proxvps.lifecycle.hardware import finished
from proxvps.lifecycle.outcomes import Outcome, skip
from proxvps.lifecycle.requests import OrderRefused, checking_vm, open_requests, submit
from proxvps.lifecycle.steps import step
from proxvps.proxmox import ProxmoxClient, Snapshot

DAY = 86400
DESCRIPTION_MAX = 255


def _read(client: ProxmoxClient, service: Service) -> list[Snapshot]:
    """The VM's snapshots, oldest first."""
    assert service.vmid is not None  # checking_vm refuses a service without a VM
    found = client.snapshots(service.node, service.vmid)
    return sorted(found, key=lambda snapshot: (snapshot.snaptime or 0, snapshot.name))


def list_snapshots(service: Service) -> list[Snapshot]:
    """The VM's snapshots as Proxmox has them now, oldest first (OrderRefused if they cannot be read)."""
    with checking_vm(service) as client:
        return _read(client, service)


def _named(service: Service, operation: Operation) -> set[str]:
    """The snapshot names that the service's open requests for `operation` name."""
    return {str(params.get("name")) for params in open_requests(service, operation).values_list("params", flat=True)}


def _words(service: Service, name: str) -> dict[str, str]:
    return {"sid": service.billing_service_id, "name": name}


def _limit(service: Service) -> int:
    try:
        limit = resources_of(service).snapshots_count
    except OptionError as error:
        raise OrderRefused(str(error)) from error
    if limit == 0:
        raise OrderRefused(
            _("The package of service %(sid)s includes no snapshots.") % {"sid": service.billing_service_id}
        )
    return limit


def request_snapshot_create(
    service: Service, name: str, *, description: str = "", requested_by: str = ""
) -> OperationRequest:
    """Ask for a snapshot named `name` of the service's VM (disks only, no RAM). Refused with one sentence when the
    name is not one Proxmox accepts or is taken, or when the package's snapshot count is reached."""
    name, description = name.strip(), description.strip()
    problem = snapshot_name_problem(name)
    if problem is not None:
        raise OrderRefused(_(problem) % {"name": name})
    if len(description) > DESCRIPTION_MAX:
        raise OrderRefused(_("A snapshot description has at most %(max)s characters.") % {"max": DESCRIPTION_MAX})
    limit = _limit(service)
    with checking_vm(service) as client:
        existing = {snapshot.name for snapshot in _read(client, service)}
        asked = _named(service, SNAPSHOT_CREATE)
        if name in existing | asked:
            raise OrderRefused(_('Service %(sid)s already has a snapshot named "%(name)s".') % _words(service, name))
        in_use = len(existing | asked) - len(existing & _named(service, SNAPSHOT_DELETE))
        if in_use >= limit:
            raise OrderRefused(
                _(
                    "Service %(sid)s already has %(count)s of the %(limit)s snapshots its package allows; "
                    "delete one first."
                )
                % {"sid": service.billing_service_id, "count": in_use, "limit": limit}
            )
        return submit(
            service,
            SNAPSHOT_CREATE,
            params={"name": name, "description": description},
            requested_by=requested_by,
        )


def _existing(client: ProxmoxClient, service: Service, name: str) -> None:
    if name not in {snapshot.name for snapshot in _read(client, service)}:
        raise OrderRefused(_('Service %(sid)s has no snapshot named "%(name)s".') % _words(service, name))


def request_snapshot_delete(service: Service, name: str, *, requested_by: str = "") -> OperationRequest:
    """Ask for the snapshot to be deleted; asking again while it is being deleted returns that request."""
    name = name.strip()
    with checking_vm(service) as client:
        _existing(client, service, name)
        already = open_requests(service, SNAPSHOT_DELETE).filter(params__name=name).first()
        if already is not None:
            return already
        return submit(service, SNAPSHOT_DELETE, params={"name": name}, requested_by=requested_by)


def request_snapshot_rollback(service: Service, name: str, *, requested_by: str = "") -> OperationRequest:
    """Ask for the VM to be rolled back to the snapshot: its disks and config as they were then, the package
    applied again (never shrinking a disk), and the VM started."""
    name = name.strip()
    with checking_vm(service) as client:
        _existing(client, service, name)
        if name in _named(service, SNAPSHOT_DELETE):
            raise OrderRefused(
                _('The snapshot "%(name)s" of service %(sid)s is being deleted.') % _words(service, name)
            )
        return submit(service, SNAPSHOT_ROLLBACK, params={"name": name}, requested_by=requested_by)


def request_expired_deletes(
    service: Service, snapshots: Sequence[Snapshot], now: float, *, requested_by: str
) -> list[str]:
    """Ask for the deletion of the snapshots older than the plan's lifetime (SPEC S8) that no open request deletes
    already; their names. Each deletion is an operation like a client's: it waits for a backup or restore in flight
    instead of touching the VM meanwhile, and the service's log shows it."""
    cutoff = now - service.plan.snapshot_lifetime_days * DAY
    deleting = _named(service, SNAPSHOT_DELETE)
    expired = [s.name for s in snapshots if s.snaptime and s.snaptime < cutoff and s.name not in deleting]
    for name in expired:
        submit(service, SNAPSHOT_DELETE, params={"name": name}, requested_by=requested_by)
    return expired


# ------------------------------------------------------------------ steps


def _has(ctx: StepContext, name: str) -> bool:
    return any(snapshot.name == name for snapshot in ctx.client.snapshots(ctx.service.node, ctx.vmid))


@step("create_snapshot")
def create_snapshot(ctx: StepContext) -> Outcome:
    """A failed snapshot leaves the VM as it was: the operation ends (the service is ready again) with the reason."""
    name = ctx.param("name")
    pending = ctx.pending("snapshot")
    if pending is not None:
        return finished(pending, _("Snapshot"), retry=False)
    if _has(ctx, name):  # made by this request before a crash lost its task id
        return skip(_("skip - already exists"))
    description = ctx.param("description", default="") or None
    return ctx.start(
        lambda: ctx.client.create_snapshot(ctx.service.node, ctx.vmid, name, description=description), "snapshot"
    )


@step("delete_snapshot")
def delete_snapshot(ctx: StepContext) -> Outcome:
    name = ctx.param("name")
    pending = ctx.pending("delsnapshot")
    if pending is not None:
        return finished(pending, _("Delete snapshot"), retry=False)
    if not _has(ctx, name):
        return skip(_("skip - already deleted"))
    return ctx.start(lambda: ctx.client.delete_snapshot(ctx.service.node, ctx.vmid, name), "delsnapshot")


@step("rollback_snapshot")
def rollback_snapshot(ctx: StepContext) -> Outcome:
    """Proxmox stops the VM and puts back the snapshot's disks and config."""
    name = ctx.param("name")
    pending = ctx.pending("rollback")
    if pending is not None:
        return finished(pending, _("Rollback"), retry=False)
    return ctx.start(lambda: ctx.client.rollback_snapshot(ctx.service.node, ctx.vmid, name), "rollback")
