"""Endpoints for staff and automation: the servers, under /api/v1/staff/."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router

from proxvps.api.auth import staff_read_auth
from proxvps.api.schemas import ServerOut
from proxvps.inventory.models import Server

router = Router(auth=staff_read_auth, tags=["staff"])


@router.get("/servers", response=list[ServerOut])
def list_servers(request: HttpRequest) -> list[Server]:
    """The Proxmox clusters; the token secret is never part of the answer."""
    return list(Server.objects.all())
