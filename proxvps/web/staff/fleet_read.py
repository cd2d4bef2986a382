"""The clusters' read a list asks for after it loaded without one (the services list's power column)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from proxvps.inventory.models import Server
from proxvps.lifecycle.fleet import cluster_use
from proxvps.web.staff.roles import staff_view

CLUSTERS_READ = "proxvps-clusters-read"


@staff_view()
@require_GET
def warm_clusters(request: HttpRequest) -> HttpResponse:
    """Read every enabled server's cluster into the cache, then tell the page (`HX-Trigger`) to show it."""
    for server in Server.objects.filter(enabled=True):
        cluster_use(server)
    response = HttpResponse(status=204)
    response["HX-Trigger"] = CLUSTERS_READ
    return response
