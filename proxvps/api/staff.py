"""Endpoints for staff and automation under /api/v1/staff/: servers and server groups (SPEC S2, S18).

A staff_read token reads, a staff_write token also writes. Every write goes through the model's own validation
(`full_clean`) and is refused whole, with the fields named, when any part is wrong. The Proxmox token secret is
write-only: answers say whether one is set, never what it is (SPEC S21).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from django.db import models, transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from proxvps.api.auth import staff_read_auth, staff_write_auth
from proxvps.api.errors import ApiError, answers
from proxvps.api.schemas import (
    RowId,
    ServerGroupIn,
    ServerGroupOut,
    ServerGroupPatch,
    ServerIn,
    ServerOut,
    ServerPatch,
)
from proxvps.inventory.models import Server, ServerGroup

router = Router(auth=staff_read_auth, tags=["staff"])
M = TypeVar("M", bound=models.Model)


def get_or_404(model: Any, pk: int) -> Any:
    """The row, or the API's 404."""
    row = model.objects.filter(pk=pk).first()
    if row is None:
        raise ApiError(404, "not_found", _("There is no such object."))
    return row


def saved(row: M) -> M:
    """The row validated as the admin validates it (a 422 naming each refused field) and saved."""
    row.full_clean()
    row.save()
    return row


def patched(row: M, body: Schema, secret: str) -> M:
    """The row with what the body gives (a field absent or null stays as it is; the write-only `secret` field,
    given empty, keeps the stored value, as the admin's form does), validated and saved."""
    for name, value in body.dict(exclude_unset=True).items():
        if value is None or (name == secret and not value):
            continue
        setattr(row, name, value)
    return saved(row)


def existing_ids(model: Any, ids: Iterable[int], field: str) -> list[int]:
    """The ids, all of which must name rows of `model`; 422 naming `field` otherwise."""
    wanted = sorted(set(ids))
    found = set(model.objects.filter(pk__in=wanted).values_list("pk", flat=True))
    missing = [pk for pk in wanted if pk not in found]
    if missing:
        raise ApiError(
            422,
            "invalid",
            _("The request is not valid; see the fields."),
            {field: _("No such objects: %(ids)s.") % {"ids": ", ".join(map(str, missing))}},
        )
    return wanted


def _server_out(server: Server) -> dict[str, Any]:
    return {
        "id": server.pk,
        "name": server.name,
        "url": server.url,
        "token_id": server.token_id,
        "fingerprint": server.fingerprint,
        "ca_file": server.ca_file,
        "connect_timeout": server.connect_timeout,
        "read_timeout": server.read_timeout,
        "enabled": server.enabled,
        "has_token_secret": bool(server.token_secret),
    }


def _group_out(group: ServerGroup) -> dict[str, Any]:
    return {"id": group.pk, "name": group.name, "servers": sorted(s.pk for s in group.servers.all())}


# ------------------------------------------------------------------------------------------------------ servers


@router.get("/servers", response=answers(list[ServerOut]))
def list_servers(request: HttpRequest) -> list[dict[str, Any]]:
    """The Proxmox clusters; the token secret is never part of the answer."""
    return [_server_out(s) for s in Server.objects.all()]


@router.get("/servers/{server_id}", response=answers(ServerOut))
def get_server(request: HttpRequest, server_id: RowId) -> dict[str, Any]:
    return _server_out(get_or_404(Server, server_id))


@router.post("/servers", response=answers(ServerOut, 201), auth=staff_write_auth)
def create_server(request: HttpRequest, body: ServerIn) -> Status[dict[str, Any]]:
    """Register a cluster (no connection is made: `proxvps check-server` tests it)."""
    return Status(201, _server_out(saved(Server(**body.dict()))))


@router.patch("/servers/{server_id}", response=answers(ServerOut), auth=staff_write_auth)
def update_server(request: HttpRequest, server_id: RowId, body: ServerPatch) -> dict[str, Any]:
    """Change what is given; an empty or absent token_secret keeps the stored one."""
    return _server_out(patched(get_or_404(Server, server_id), body, secret="token_secret"))


@router.delete("/servers/{server_id}", response=answers(None, 204), auth=staff_write_auth)
def delete_server(request: HttpRequest, server_id: RowId) -> Status[None]:
    """Forget a cluster; 409 while services run on it."""
    get_or_404(Server, server_id).delete()
    return Status(204, None)


# ------------------------------------------------------------------------------------------------ server groups


@router.get("/server-groups", response=answers(list[ServerGroupOut]))
def list_server_groups(request: HttpRequest) -> list[dict[str, Any]]:
    return [_group_out(g) for g in ServerGroup.objects.prefetch_related("servers")]


@router.get("/server-groups/{group_id}", response=answers(ServerGroupOut))
def get_server_group(request: HttpRequest, group_id: RowId) -> dict[str, Any]:
    return _group_out(get_or_404(ServerGroup, group_id))


@router.post("/server-groups", response=answers(ServerGroupOut, 201), auth=staff_write_auth)
def create_server_group(request: HttpRequest, body: ServerGroupIn) -> Status[dict[str, Any]]:
    servers = existing_ids(Server, body.servers, "servers")
    with transaction.atomic():
        group = ServerGroup(name=body.name)
        saved(group)
        group.set_servers(servers)
    return Status(201, _group_out(group))


@router.patch("/server-groups/{group_id}", response=answers(ServerGroupOut), auth=staff_write_auth)
def update_server_group(request: HttpRequest, group_id: RowId, body: ServerGroupPatch) -> dict[str, Any]:
    group = get_or_404(ServerGroup, group_id)
    servers = existing_ids(Server, body.servers, "servers") if body.servers is not None else None
    with transaction.atomic():
        if body.name is not None:
            group.name = body.name
            saved(group)
        if servers is not None:
            group.set_servers(servers)
    return _group_out(group)


@router.delete("/server-groups/{group_id}", response=answers(None, 204), auth=staff_write_auth)
def delete_server_group(request: HttpRequest, group_id: RowId) -> Status[None]:
    """Delete a group; its plans keep existing without one (the admin area shows them as needing a group)."""
    get_or_404(ServerGroup, group_id).delete()
    return Status(204, None)
