"""Service claims: how several worker processes share processVirtualMachines without running one service twice.

A worker claims a service by writing its name and an expiry into the service's lease with a conditional UPDATE
(`... WHERE id = %s AND (lease_expires_at IS NULL OR lease_expires_at < now)`): the database applies at most one
of two racing UPDATEs, so the row count says who won. This works the same on SQLite and PostgreSQL and needs no
row locks held across a step. Every state change the lifecycle makes is conditional on the lease too, so a worker
whose lease expired (it hung past the lease) cannot write over the newer owner's work.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta

from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from proxvps.inventory.models import Service
from proxvps.lifecycle.runner import ACTIVE_STATES
from proxvps.worker.identity import is_dead_here

LEASE_SECONDS = 300.0
"""How long a claim holds without renewal: longer than any one run of a service's steps."""


def _due(now: datetime) -> Q:
    return Q(state__in=ACTIVE_STATES) & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))


def _unleased(now: datetime) -> Q:
    return Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lt=now)


def claim_due(owner: str, limit: int, lease_seconds: float, exclude: Collection[int] = ()) -> list[int]:
    """Claim up to `limit` services that have work, are due and are not claimed (or their claim expired), oldest
    due first; their ids, in that order. `exclude` leaves out services this pass has already settled."""
    now = timezone.now()
    candidates = (
        Service.objects.filter(_due(now) & _unleased(now))
        .exclude(pk__in=exclude)
        .order_by(Coalesce("next_attempt_at", "state_changed_at").asc(), "pk")
        .values_list("pk", flat=True)
    )
    expires = now + timedelta(seconds=lease_seconds)
    claimed: list[int] = []
    # Twice the limit: another worker may win some of them between our read and our UPDATE.
    for service_id in candidates[: limit * 2]:
        rows = Service.objects.filter(Q(pk=service_id) & _due(now) & _unleased(now))
        if rows.update(lease_owner=owner, lease_expires_at=expires) == 1:
            claimed.append(service_id)
            if len(claimed) == limit:
                break
    return claimed


def renew(service_id: int, owner: str, lease_seconds: float, unchanged_since: datetime | None = None) -> bool:
    """Extend our claim; False when the service is no longer ours (it expired and another worker took it) or, with
    `unchanged_since`, when its row was written since then (every lifecycle write sets `updated_at`): the worker
    then reads it anew instead of running the copy it kept."""
    expires = timezone.now() + timedelta(seconds=lease_seconds)
    rows = Service.objects.filter(pk=service_id, lease_owner=owner)
    if unchanged_since is not None:
        rows = rows.filter(updated_at=unchanged_since)
    return rows.update(lease_expires_at=expires) == 1


def release(service_id: int, owner: str) -> None:
    """Give the service back if it is still ours."""
    Service.objects.filter(pk=service_id, lease_owner=owner).update(lease_owner="", lease_expires_at=None)


def defer(service_id: int, owner: str, seconds: float) -> None:
    """Make a service we hold due again only after `seconds`: a run that raised is retried later rather than at
    once by every worker in turn."""
    later = timezone.now() + timedelta(seconds=seconds)
    Service.objects.filter(pk=service_id, lease_owner=owner).update(next_attempt_at=later)


def free_dead_leases() -> int:
    """Give back the services claimed by processes of this host that no longer exist (a worker killed mid-pass),
    without waiting for their leases to expire; how many. Each release is conditional on that dead owner, so a
    service another worker has claimed since is left alone."""
    now = timezone.now()
    owners = (
        Service.objects.filter(lease_expires_at__gte=now)
        .exclude(lease_owner="")
        .order_by()
        .values_list("lease_owner", flat=True)
        .distinct()
    )
    freed = 0
    for owner in list(owners):
        if is_dead_here(owner):
            freed += Service.objects.filter(lease_owner=owner).update(lease_owner="", lease_expires_at=None)
    return freed


def has_due() -> bool:
    """Whether some service is due and free to claim: the worker loop starts processVirtualMachines then."""
    now = timezone.now()
    return Service.objects.filter(_due(now) & _unleased(now)).exists()
