"""How full each pool is (SPEC S11: a pool shows its usage), counted by the database.

A /64 pool has 2**64 addresses and may hold thousands of allocations: the figures come from COUNT queries over
the (pool, ip_key) index, never from listing addresses. The size is what allocation can hand out (ranges
merged, the network, broadcast, gateway and resolver addresses left out: `assignable_spans`), so "free" is the
number of addresses an order could still get.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from proxvps.ipam.allocation import assignable_spans
from proxvps.ipam.models import Address, Pool


@dataclass(frozen=True)
class PoolUsage:
    pool: Pool
    size: int
    """Addresses the pool's ranges can hand out."""
    used: int
    """Addresses of the pool held by services (rows outside today's ranges included)."""
    free: int
    """Addresses an allocation could still take."""

    @property
    def percent(self) -> float:
        """Share of the size no longer free, rounded to one decimal (0 for a pool without ranges)."""
        return round(100 * (self.size - self.free) / self.size, 1) if self.size else 0.0


def pool_usage(pools: QuerySet[Pool]) -> list[PoolUsage]:
    """Usage of each pool of the queryset, in its order: three queries (pools, ranges, one grouped count) for
    any number of pools."""
    chosen = list(pools.prefetch_related("ranges"))
    spans = {pool.pk: assignable_spans(pool, [(r.first, r.last) for r in pool.ranges.all()]) for pool in chosen}
    inside = Q(pk__in=[])
    for pool_spans in spans.values():
        for span in pool_spans:
            inside |= span.contains()
    counts = {
        row["pool_id"]: (row["used"], row["inside"])
        for row in Address.objects.filter(pool_id__in=spans)
        .values("pool_id")
        .annotate(used=Count("id"), inside=Count("id", filter=inside))
    }
    usage = []
    for pool in chosen:
        size = sum(span.size for span in spans[pool.pk])
        used, taken = counts.get(pool.pk, (0, 0))
        usage.append(PoolUsage(pool=pool, size=size, used=used, free=max(size - taken, 0)))
    return usage
