"""Tests of the IPAM app: allocation, usage; `make_pool` builds a pool with its ranges in one line."""

from __future__ import annotations

from proxvps.inventory.models import Server
from proxvps.ipam.models import Pool, PoolRange


def make_pool(
    server: Server,
    network: str,
    *ranges: tuple[str, str],
    name: str | None = None,
    gateway: str | None = None,
    dns1: str | None = None,
    dns2: str | None = None,
) -> Pool:
    pool = Pool.objects.create(
        server=server, name=name or network, network=network, gateway=gateway, dns1=dns1, dns2=dns2
    )
    for first, last in ranges:
        PoolRange.objects.create(pool=pool, first=first, last=last)
    return pool
