"""The client area's pages: the sign-in a billing system's one-time link opens, the client's services, and one
service's page with a tab per feature its plan grants (SPEC S17).

A page shows only the signed-in client's services (SPEC S21): another client's service id is a plain 404, the
same as an id that does not exist. Pages read the database only; what Proxmox knows (the VM's status, its
snapshots, backups, rules and images, its graphs) arrives afterwards in htmx fragments (`proxvps.web.fragments`),
so no page waits for, or fails with, a Proxmox call.
"""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import ip_address, ip_network
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from proxvps.domain.options import OptionError
from proxvps.inventory.choices import ClientFeature
from proxvps.inventory.client_access import (
    client_services,
    close_client_session,
    open_client_session,
    redeem_login_link,
    session_client,
)
from proxvps.inventory.models import Service
from proxvps.ipam.models import Address
from proxvps.lifecycle.context import resources_of
from proxvps.lifecycle.live import TIMEFRAMES
from proxvps.lifecycle.rdns import reverse_entries
from proxvps.web.access import client_view, signed_out
from proxvps.web.fragments import ReinstallForm, rdns_rows
from proxvps.web.progress import progress_of


@dataclass(frozen=True)
class Tab:
    slug: str
    label: Promise
    icon: str
    feature: ClientFeature | None


TABS = (
    Tab("overview", _("Overview"), "speedometer2", None),
    Tab("graphs", _("Graphs"), "graph-up", ClientFeature.GRAPHS),
    Tab("snapshots", _("Snapshots"), "camera", ClientFeature.SNAPSHOTS),
    Tab("backups", _("Backups"), "archive", ClientFeature.BACKUPS),
    Tab("firewall", _("Firewall"), "shield-lock", ClientFeature.FIREWALL),
    Tab("iso", _("ISO images"), "disc", ClientFeature.ISO),
    Tab("reinstall", _("Reinstall"), "arrow-repeat", ClientFeature.REINSTALL),
    Tab("password", _("Password"), "key", ClientFeature.PASSWORD),
    Tab("rdns", _("Reverse DNS"), "signpost-split", ClientFeature.RDNS),
)
TAB_BY_SLUG = {tab.slug: tab for tab in TABS}


POWER_ACTIONS = (
    ("start", _("Start"), "play-fill", _("Start your server?")),
    ("shutdown", _("Shut down"), "power", _("Shut your server down? Its operating system is asked to stop.")),
    ("reboot", _("Reboot"), "arrow-clockwise", _("Reboot your server? Its operating system is asked to restart.")),
    ("stop", _("Stop"), "stop-fill", _("Stop your server at once? Like pulling the plug: unsaved data is lost.")),
    ("reset", _("Reset"), "lightning", _("Reset your server at once? Like pressing reset: unsaved data is lost.")),
)


TIMEFRAME_LABELS = {"hour": _("Hour"), "day": _("Day"), "week": _("Week"), "month": _("Month")}
GRAPHS = (
    {"key": "cpu", "title": _("CPU"), "series": "cpu", "names": _("CPU"), "unit": "%"},
    {"key": "mem", "title": _("Memory"), "series": "mem", "names": _("Memory in use"), "unit": "MiB"},
    {
        "key": "disk",
        "title": _("Disk I/O"),
        "series": "diskread,diskwrite",
        "names": format_lazy("{}|{}", _("Read"), _("Written")),
        "unit": "B/s",
    },
    {
        "key": "net",
        "title": _("Network"),
        "series": "netin,netout",
        "names": format_lazy("{}|{}", _("In"), _("Out")),
        "unit": "B/s",
    },
)


def tabs_of(service: Service) -> list[Tab]:
    """The tabs the service's plan grants, in order."""
    return [tab for tab in TABS if tab.feature is None or service.plan.client_may(tab.feature)]


@never_cache
@require_GET
def sign_in(request: HttpRequest, token: str) -> HttpResponse:
    """Follow a one-time link: sign the browser in as the service's client and show the service."""
    service = redeem_login_link(token)
    if service is None:
        return render(request, "web/sign_in_failed.html", status=403)
    open_client_session(request, service)
    return redirect("client-service", service_id=service.billing_service_id)


@never_cache
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The signed-in client's services, each with its plan, addresses, live power state and what is in flight."""
    client = session_client(request)
    if client is None:
        return signed_out(request)
    services = list(client_services(client).select_related("plan", "template", "request").order_by("-created_at"))
    addresses: dict[int, list[str]] = {}
    for address in Address.objects.filter(service__in=services).order_by("ip_key"):
        assert address.service_id is not None
        addresses.setdefault(address.service_id, []).append(address.ip)
    rows = [
        {"service": s, "addresses": addresses.get(s.pk, []), "progress": progress_of(s), "locked": s.is_locked}
        for s in services
    ]
    return render(request, "web/client_home.html", {"rows": rows})


def network_of(service: Service) -> list[dict[str, Any]]:
    """Each address with what the guest needs to configure it, and its reverse name when a managed zone has it."""
    rows = list(Address.objects.filter(service=service).select_related("pool").order_by("ip_key"))
    rows.sort(key=lambda a: (":" in a.ip, a.pk))
    reverse = {entry.ip: entry.name for entry in reverse_entries(service)}
    seen: set[int] = set()
    shown = []
    for address in rows:
        version = ip_address(address.ip).version
        network = ip_network(address.pool.network, strict=False)
        shown.append(
            {
                "ip": address.ip,
                "version": version,
                "prefix": network.prefixlen,
                "gateway": address.pool.gateway or "",
                "dns": [d for d in (address.pool.dns1, address.pool.dns2) if d],
                "primary": version not in seen,
                "ptr": reverse.get(address.ip, ""),
            }
        )
        seen.add(version)
    return shown


@client_view()
@require_GET
def service_page(request: HttpRequest, service: Service, tab: str = "overview") -> HttpResponse:
    """One of the client's services, on the tab asked for (404 for a tab the plan does not grant)."""
    tabs = tabs_of(service)
    current = TAB_BY_SLUG.get(tab)
    if current is None or current not in tabs:
        raise Http404(tab)
    try:
        resources = resources_of(service)
    except (OptionError, ValueError):
        resources = None
    context = {
        "service": service,
        "tabs": tabs,
        "tab": current,
        "features": service.plan.client_features(),
        "resources": resources,
        "progress": progress_of(service),
        "power_actions": POWER_ACTIONS,
    }
    if current.slug == "overview":
        network = network_of(service)
        context["network"] = network
        context["extra_addresses"] = [row for row in network if not row["primary"]]
    if current.slug == "rdns":
        context["rows"] = rdns_rows(service)
    if current.slug == "reinstall":
        context["form"] = ReinstallForm(service)
    if current.slug == "graphs":
        timeframe = request.GET.get("timeframe", "hour")
        context["timeframe"] = timeframe if timeframe in TIMEFRAMES else "hour"
        context["timeframes"] = [(value, TIMEFRAME_LABELS[value]) for value in TIMEFRAMES]
        context["graphs"] = GRAPHS
    return render(request, f"web/tabs/{current.slug}.html", context)


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    close_client_session(request)
    return render(request, "web/signed_out.html", {"signed_out": True})
