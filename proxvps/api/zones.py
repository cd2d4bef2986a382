"""Staff endpoints for DNS zones under /api/v1/staff/zones (SPEC S12): the provider key is write-only.

Answers say whether a key is set, never what it is; a change that leaves the key out or empty keeps the stored one,
as the admin's form does.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Status

from proxvps.api.auth import staff_read_auth, staff_write_auth
from proxvps.api.errors import answers
from proxvps.api.schemas import RowId, ZoneIn, ZoneOut, ZonePatch
from proxvps.api.staff import get_or_404, patched, saved
from proxvps.ipam.models import DnsZone

router = Router(auth=staff_read_auth, tags=["staff"])


def _zone_out(zone: DnsZone) -> dict[str, Any]:
    return {
        "id": zone.pk,
        "name": zone.name,
        "provider": zone.provider,
        "url": zone.url,
        "server_id": zone.server_id,
        "ttl": zone.ttl,
        "enabled": zone.enabled,
        "has_credentials": bool(zone.credentials),
    }


@router.get("/zones", response=answers(list[ZoneOut]))
def list_zones(request: HttpRequest) -> list[dict[str, Any]]:
    return [_zone_out(z) for z in DnsZone.objects.all()]


@router.get("/zones/{zone_id}", response=answers(ZoneOut))
def get_zone(request: HttpRequest, zone_id: RowId) -> dict[str, Any]:
    return _zone_out(get_or_404(DnsZone, zone_id))


@router.post("/zones", response=answers(ZoneOut, 201), auth=staff_write_auth)
def create_zone(request: HttpRequest, body: ZoneIn) -> Status[dict[str, Any]]:
    """Add a zone (name and URL are normalised; no connection is made)."""
    return Status(201, _zone_out(saved(DnsZone(**body.dict()))))


@router.patch("/zones/{zone_id}", response=answers(ZoneOut), auth=staff_write_auth)
def update_zone(request: HttpRequest, zone_id: RowId, body: ZonePatch) -> dict[str, Any]:
    return _zone_out(patched(get_or_404(DnsZone, zone_id), body, secret="credentials"))


@router.delete("/zones/{zone_id}", response=answers(None, 204), auth=staff_write_auth)
def delete_zone(request: HttpRequest, zone_id: RowId) -> Status[None]:
    """Forget a zone; records already made at the provider stay there."""
    get_or_404(DnsZone, zone_id).delete()
    return Status(204, None)
