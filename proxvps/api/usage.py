"""Usage per service over a billing period, from the usage samples the worker's collectingStatistics task stores.

The samples are read through the services' `usage_samples` relation (the worker owns the model; the API layer
does not import the worker), in three queries for any number of services: the samples of the period, the last
sample of the week before it (where each service's counters stood when the period began), and which services
have any older sample at all (a service without one is new, and its counters started at 0).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import QuerySet

from proxvps.domain.options import OptionError
from proxvps.domain.usage import counter_growth, period_bounds
from proxvps.inventory.models import Service
from proxvps.lifecycle.context import resources_of

COUNTERS = ("netin", "netout", "diskread", "diskwrite")
LOOKBACK = timedelta(days=7)
"""How far before the period a starting reading is looked for; an older one is not trusted as a start."""

Reading = tuple[int, int, int, int]


@dataclass(frozen=True)
class Usage:
    service: Service
    period: str
    net_in_bytes: int
    net_out_bytes: int
    disk_read_bytes: int
    disk_write_bytes: int
    disk_gb: int
    samples: int


def _readings(services: QuerySet[Service], **window: object) -> dict[int, list[Reading]]:
    fields = [f"usage_samples__{name}" for name in COUNTERS]
    rows = (
        services.filter(**{f"usage_samples__taken_at__{op}": value for op, value in window.items()})
        .order_by("pk", "usage_samples__taken_at", "usage_samples__id")
        .values_list("pk", *fields)
    )
    found: dict[int, list[Reading]] = defaultdict(list)
    for pk, *values in rows:
        found[pk].append((values[0], values[1], values[2], values[3]))
    return found


def _disk_gb(service: Service) -> int:
    try:
        resources = resources_of(service)
    except (OptionError, ValueError):
        return 0
    return resources.system_disk_gb + resources.additional_disk_gb


def _usage(service: Service, period: str, start: Reading | None, readings: Sequence[Reading]) -> Usage:
    net_in, net_out, disk_read, disk_write = (
        counter_growth(None if start is None else start[i], (reading[i] for reading in readings))
        for i in range(len(COUNTERS))
    )
    return Usage(service, period, net_in, net_out, disk_read, disk_write, _disk_gb(service), len(readings))


def usage_for_period(services: QuerySet[Service], period: str) -> list[Usage]:
    """Each service's network and disk traffic in `period` (YYYY-MM), in the queryset's order."""
    begin, end = period_bounds(period)
    chosen = list(services.select_related("plan"))
    ids = services.model.objects.filter(pk__in=[s.pk for s in chosen])
    inside = _readings(ids, gte=begin, lt=end)
    before = _readings(ids, gte=begin - LOOKBACK, lt=begin)
    older = set(ids.filter(usage_samples__taken_at__lt=begin - LOOKBACK).values_list("pk", flat=True))
    zero: Reading = (0, 0, 0, 0)
    usage = []
    for service in chosen:
        start = before[service.pk][-1] if service.pk in before else (None if service.pk in older else zero)
        usage.append(_usage(service, period, start, inside.get(service.pk, [])))
    return usage
