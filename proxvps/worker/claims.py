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
from functools import lru_cache
from typing import Any

from django.db import connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

from proxvps import statements
from proxvps.inventory.models import Service
from proxvps.lifecycle.runner import ACTIVE_STATES
from proxvps.worker.identity import is_dead_here

LEASE_SECONDS = 300.0
"""How long a claim holds without renewal: longer than any one run of a service's steps."""


@lru_cache(maxsize=4)
def _columns(alias: str) -> dict[str, str]:
    """The quoted table and columns the claim statements name, from the model's meta."""
    quote = connections[alias].ops.quote_name
    names = ("pk", "state", "next_attempt_at", "state_changed_at", "lease_owner", "lease_expires_at")
    return {"table": quote(Service._meta.db_table)} | {name: quote(statements.column(Service, name)) for name in names}


def _due_sql(alias: str) -> str:
    """Due and not claimed: the states, then now twice, as parameters (`_due_params`)."""
    c = _columns(alias)
    return (
        f"{c['state']} IN ({', '.join(['%s'] * len(ACTIVE_STATES))})"
        f" AND ({c['next_attempt_at']} IS NULL OR {c['next_attempt_at']} <= %s)"
        f" AND ({c['lease_expires_at']} IS NULL OR {c['lease_expires_at']} < %s)"
    )


def _due_params(connection: BaseDatabaseWrapper, now: datetime) -> list[Any]:
    adapt = connection.ops.adapt_datetimefield_value
    return [*ACTIVE_STATES, adapt(now), adapt(now)]


@lru_cache(maxsize=4)
def _candidates_sql(alias: str) -> str:
    """A page (LIMIT, OFFSET) of the due, unclaimed services, oldest due first. Plain SQL, as the claim below: the
    querysets cost a millisecond of CPU a batch to build, many times what the database spends on them."""
    c = _columns(alias)
    order = f"COALESCE({c['next_attempt_at']}, {c['state_changed_at']}), {c['pk']}"
    return f"SELECT {c['pk']} FROM {c['table']} WHERE {_due_sql(alias)} ORDER BY {order} LIMIT %s OFFSET %s"  # noqa: S608


@lru_cache(maxsize=64)
def _claim_sql(alias: str, count: int) -> tuple[str, str]:
    """Claim `count` services by key (owner and expiry, then the keys, then the due parameters), those still due
    and unclaimed; then read which of them carry our name and expiry (owner, expiry, keys). Not UPDATE ...
    RETURNING: Django supports SQLite versions without it."""
    c = _columns(alias)
    keys = ", ".join(["%s"] * count)
    claim = (
        f"UPDATE {c['table']} SET {c['lease_owner']} = %s, {c['lease_expires_at']} = %s"  # noqa: S608 - identifiers
        f" WHERE {c['pk']} IN ({keys}) AND {_due_sql(alias)}"
    )
    won = (
        f"SELECT {c['pk']} FROM {c['table']} WHERE {c['lease_owner']} = %s AND {c['lease_expires_at']} = %s"  # noqa: S608
        f" AND {c['pk']} IN ({keys})"
    )
    return claim, won


def claim_due(owner: str, limit: int, lease_seconds: float, exclude: Collection[int] = ()) -> list[int]:
    """Claim up to `limit` services that have work, are due and are not claimed (or their claim expired), oldest
    due first; their ids, in that order. `exclude` leaves out services this pass has already settled: they are
    skipped as the candidates are read, a page at a time, since few of them are ever due again within a pass."""
    now = timezone.now()
    alias = router.db_for_write(Service)
    connection = connections[alias]
    adapt = connection.ops.adapt_datetimefield_value
    due = _due_params(connection, now)
    select = _candidates_sql(alias)
    wanted: list[int] = []
    page, offset = 2 * limit, 0
    with connection.cursor() as cursor:
        while len(wanted) < limit:
            cursor.execute(select, [*due, page, offset])
            rows = [service_id for (service_id,) in cursor.fetchall()]
            wanted += [service_id for service_id in rows if service_id not in exclude][: limit - len(wanted)]
            if len(rows) < page:
                break
            offset += page
        if not wanted:
            return []
        # One conditional UPDATE for the batch: the database checks the condition again for each row, so a row
        # another worker claimed between our read and our write is left to it; ours carry our name and this expiry.
        claim, mine = _claim_sql(alias, len(wanted))
        lease = [owner, adapt(now + timedelta(seconds=lease_seconds))]
        cursor.execute(claim, [*lease, *wanted, *due])
        cursor.execute(mine, [*lease, *wanted])
        won = {service_id for (service_id,) in cursor.fetchall()}
    return [service_id for service_id in wanted if service_id in won]


def renew(service_id: int, owner: str, lease_seconds: float) -> bool:
    """Extend our claim; False when the service is no longer ours (it expired and another worker took it)."""
    expires = timezone.now() + timedelta(seconds=lease_seconds)
    return statements.update(Service, {"pk": service_id, "lease_owner": owner}, {"lease_expires_at": expires}) == 1


def keep(service: Service, owner: str, lease_seconds: float) -> bool:
    """Extend our claim on a service we hold in memory across waits, if it is still ours and unchanged since our
    last write of it (every change of a service sets its updated_at, and ours set the one we hold): True when the
    service as we hold it may be run on. One statement, built once, since it runs at every look at a task."""
    expires = timezone.now() + timedelta(seconds=lease_seconds)
    where = {"pk": service.pk, "lease_owner": owner, "updated_at": service.updated_at}
    return statements.update(Service, where, {"lease_expires_at": expires}) == 1


def release(service_id: int, owner: str, due_at: datetime | None = None) -> None:
    """Give the service back if it is still ours; `due_at`: when it is due again (a task it waits for)."""
    fields: dict[str, object] = {"lease_owner": "", "lease_expires_at": None}
    if due_at is not None:
        fields["next_attempt_at"] = due_at
    statements.update(Service, {"pk": service_id, "lease_owner": owner}, fields)


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
    alias = router.db_for_read(Service)
    connection = connections[alias]
    with connection.cursor() as cursor:
        cursor.execute(_candidates_sql(alias), [*_due_params(connection, timezone.now()), 1, 0])
        return cursor.fetchone() is not None
