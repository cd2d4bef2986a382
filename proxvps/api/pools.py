"""Staff endpoints for IP pools under /api/v1/staff/pools (SPEC S11): each with its ranges and its usage.

A pool and its ranges are written in one transaction through the models' own validation, so a bad range leaves
the pool as it was. A pool whose addresses are held by services cannot be deleted (409).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest
from ninja import Router, Status

from proxvps.api.auth import staff_read_auth, staff_write_auth
from proxvps.api.errors import answers
from proxvps.api.schemas import PoolIn, PoolOut, PoolPatch, RangeSchema, RowId
from proxvps.api.staff import existing_ids, get_or_404, saved
from proxvps.inventory.models import Server
from proxvps.ipam.models import Pool, PoolRange
from proxvps.ipam.usage import pool_usage

router = Router(auth=staff_read_auth, tags=["staff"])


def _pools_out(pools: Any) -> list[dict[str, Any]]:
    return [
        {
            "id": u.pool.pk,
            "server": u.pool.server_id,
            "name": u.pool.name,
            "network": u.pool.network,
            "gateway": u.pool.gateway,
            "dns1": u.pool.dns1,
            "dns2": u.pool.dns2,
            "bridge": u.pool.bridge,
            "vlan": u.pool.vlan,
            "ranges": [{"first": r.first, "last": r.last} for r in u.pool.ranges.all()],
            "size": u.size,
            "used": u.used,
            "free": u.free,
        }
        for u in pool_usage(pools)
    ]


def _one(pool: Pool) -> dict[str, Any]:
    return _pools_out(Pool.objects.filter(pk=pool.pk))[0]


def _set_ranges(pool: Pool, ranges: list[RangeSchema]) -> None:
    pool.ranges.all().delete()
    for given in ranges:
        row = PoolRange(pool=pool, first=given.first, last=given.last)
        saved(row)


@router.get("/pools", response=answers(list[PoolOut]))
def list_pools(request: HttpRequest) -> list[dict[str, Any]]:
    """Every pool with its ranges and how full it is."""
    return _pools_out(Pool.objects.all())


@router.get("/pools/{pool_id}", response=answers(PoolOut))
def get_pool(request: HttpRequest, pool_id: RowId) -> dict[str, Any]:
    return _one(get_or_404(Pool, pool_id))


@router.post("/pools", response=answers(PoolOut, 201), auth=staff_write_auth)
def create_pool(request: HttpRequest, body: PoolIn) -> Status[dict[str, Any]]:
    existing_ids(Server, [body.server], "server")
    values = body.dict(exclude={"ranges", "server"})
    with transaction.atomic():
        pool = Pool(server_id=body.server, **values)
        saved(pool)
        _set_ranges(pool, body.ranges)
    return Status(201, _one(pool))


@router.patch("/pools/{pool_id}", response=answers(PoolOut), auth=staff_write_auth)
def update_pool(request: HttpRequest, pool_id: RowId, body: PoolPatch) -> dict[str, Any]:
    """Change what is given; `ranges`, when given, replaces the ranges."""
    pool = get_or_404(Pool, pool_id)
    with transaction.atomic():
        for name, value in body.dict(exclude_unset=True, exclude={"ranges"}).items():
            setattr(pool, name, value)
        saved(pool)
        if body.ranges is not None:
            _set_ranges(pool, body.ranges)
    return _one(pool)


@router.delete("/pools/{pool_id}", response=answers(None, 204), auth=staff_write_auth)
def delete_pool(request: HttpRequest, pool_id: RowId) -> Status[None]:
    """Delete a pool; 409 while services hold addresses of it."""
    get_or_404(Pool, pool_id).delete()
    return Status(204, None)
