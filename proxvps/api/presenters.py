"""A service as each kind of caller sees it: its client, the billing system, staff.

One place builds the three views, so a field a client must not see (the last error, the server) is left out
in one place, and a list of any length costs a fixed number of queries (`with_details`).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from django.db.models import QuerySet

from proxvps.domain.options import OptionError
from proxvps.domain.transitions import operation_for
from proxvps.inventory.models import Service
from proxvps.lifecycle.context import resources_of


def with_details(services: QuerySet[Service]) -> QuerySet[Service]:
    """The queryset with what the views read joined or prefetched."""
    return services.select_related("plan", "server", "template").prefetch_related("addresses")


def _resources(service: Service) -> dict[str, int] | None:
    try:
        resources = resources_of(service)
    except (OptionError, ValueError):
        return None
    values = dataclasses.asdict(resources)
    values.pop("operating_system")
    return values


def client_view(service: Service) -> dict[str, Any]:
    # Prefetched, so ordered here as `proxvps.ipam.allocation.addresses_of` orders them: IPv4 first, by allocation.
    addresses = sorted(service.addresses.all(), key=lambda a: (":" in a.ip, a.pk))
    template = service.template
    return {
        "service_id": service.billing_service_id,
        "state": service.state,
        "status": service.state_label,
        "busy": operation_for(service.state) is not None,
        "plan": service.plan.name,
        "hostname": service.hostname,
        "vmid": service.vmid,
        "ipv4": [a.ip for a in addresses if ":" not in a.ip],
        "ipv6": [a.ip for a in addresses if ":" in a.ip],
        "username": service.username,
        "operating_system": (template.os_name or template.name) if template else "",
        "resources": _resources(service),
        "created_at": service.created_at,
    }


def billing_view(service: Service) -> dict[str, Any]:
    return {
        **client_view(service),
        "client_id": service.client_ref,
        "node": service.node,
        "server": service.server.name if service.server else None,
        "last_error": service.last_error,
    }


def staff_view(service: Service) -> dict[str, Any]:
    return {**billing_view(service), "id": service.pk}
