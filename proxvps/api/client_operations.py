"""A client's operations on its own service, under /api/v1/client/services/{service_id}/: snapshots, backups and
their schedule, ISO images, reinstall, firewall rules and policies (SPEC S7 to S10, S13), as `vm_routes` defines
them for clients and staff alike.

The service is looked up among the signed-in client's own (404 otherwise) and must not be locked (403 while it is
suspended or terminated), by `client.own_service` as for every client endpoint; a feature the client's plan does
not grant answers 403 (`client.permit`). A request that the worker carries
out answers with the service (`busy` while it runs); a firewall change is made at once and answers with the rules.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router
from ninja.constants import NOT_SET

from proxvps.api.auth import client_auth
from proxvps.api.client import own_service, permit, requested_by
from proxvps.api.presenters import client_view
from proxvps.api.schemas import BillingId, ClientServiceOut
from proxvps.api.vm_routes import Audience, add_vm_routes
from proxvps.inventory.models import Service

router = Router(auth=client_auth, tags=["client"])


def _unlocked(request: HttpRequest, service_id: str) -> Service:
    return own_service(request, service_id, unlocked=True)


def _view(request: HttpRequest, service_id: str) -> dict[str, Any]:
    return client_view(own_service(request, service_id))


add_vm_routes(
    router,
    "/services/{service_id}",
    Audience(
        module=__name__,
        key=BillingId,
        find=_unlocked,
        view=_view,
        service_out=ClientServiceOut,
        write_auth=NOT_SET,
        requested_by=requested_by,
        permit=permit,
    ),
)
