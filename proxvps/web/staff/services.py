"""Services across all servers (SPEC S18): one list with filters remembered per staff member, pagination, text
search and bulk actions.

The page reads the database in a fixed number of queries whatever the page size (services with their plan and
server, their addresses with PTR names, the filter choices): under 60 for any page of any number of services. The
live power state comes from the clusters' cached reads (`proxvps.lifecycle.fleet`) only; while a cluster's read is
cold the page asks for it after loading and then shows the table again, so it never waits on Proxmox.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from proxvps.inventory.choices import ServiceState
from proxvps.inventory.models import Node, Plan, Server, Service
from proxvps.ipam.models import Address
from proxvps.lifecycle.fleet import ClusterUse, cluster_use, peek_cluster
from proxvps.lifecycle.rdns import reverse_entries_of
from proxvps.web.models import SavedFilter
from proxvps.web.staff.actions import BULK_CHOICES
from proxvps.web.staff.pages import page
from proxvps.web.staff.roles import staff_view

LIST = "services"
PAGE_SIZES = (25, 50, 100, 250, 500)
DEFAULT_PAGE_SIZE = 50
POWER_CHOICES = (("running", _("running")), ("stopped", _("stopped")), ("unknown", _("unknown")))


class ServiceFilters(forms.Form):
    q = forms.CharField(
        label=_("Search"), required=False, max_length=200, help_text=_("Service id, hostname, client, address")
    )
    state = forms.ChoiceField(label=_("State"), required=False)
    power = forms.ChoiceField(label=_("Power"), required=False, choices=(("", _("Any power state")), *POWER_CHOICES))
    plan = forms.ModelChoiceField(
        label=_("Plan"), required=False, queryset=Plan.objects.all(), empty_label=_("All plans")
    )
    server = forms.ModelChoiceField(
        label=_("Server"), required=False, queryset=Server.objects.all(), empty_label=_("All servers")
    )
    node = forms.ChoiceField(label=_("Node"), required=False)
    per_page = forms.TypedChoiceField(
        label=_("Per page"), required=False, coerce=int, empty_value=None, choices=[(n, str(n)) for n in PAGE_SIZES]
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        state, node = self.fields["state"], self.fields["node"]
        assert isinstance(state, forms.ChoiceField)
        assert isinstance(node, forms.ChoiceField)
        state.choices = [("", _("All states")), ("failing", _("Failing (with an error)")), *ServiceState.choices]
        nodes = sorted(set(Node.objects.values_list("name", flat=True)))
        node.choices = [("", _("All nodes")), *((n, n) for n in nodes)]


def _remembered(request: HttpRequest) -> dict[str, Any] | None:
    """The filters to use: those in the URL (saved for next time), or the member's saved ones, or none."""
    names = set(ServiceFilters.base_fields)
    given = {key: value for key, value in request.GET.items() if key in names}
    if "clear" in request.GET:
        SavedFilter.objects.filter(user=request.user, page=LIST).delete()  # type: ignore[misc]
        return {}
    if given:
        SavedFilter.objects.update_or_create(user=request.user, page=LIST, defaults={"values": given})  # type: ignore[misc]
        return given
    saved = SavedFilter.objects.filter(user=request.user, page=LIST).values_list("values", flat=True).first()  # type: ignore[misc]
    return dict(saved) if saved else None


def _clusters(servers: list[Server], read: bool) -> dict[int, ClusterUse | None]:
    return {server.pk: (cluster_use(server) if read else peek_cluster(server)) for server in servers}


def _power_of(service: Service, clusters: dict[int, ClusterUse | None]) -> str | None:
    """The VM's power state from its cluster's read; "" when the read has no such VM; None when not read yet."""
    if service.server_id is None or service.vmid is None:
        return ""
    use = clusters.get(service.server_id)
    if use is None:
        return None
    if use.error:
        return ""
    return use.power.get(service.vmid, "")


def _filtered(form: ServiceFilters, clusters: dict[int, ClusterUse | None]) -> QuerySet[Service]:
    services = Service.objects.all()
    values = form.cleaned_data
    text = (values.get("q") or "").strip()
    if text:
        address = Address.objects.filter(service=OuterRef("pk"), ip__startswith=text)
        services = services.filter(
            Q(billing_service_id__icontains=text)
            | Q(hostname__icontains=text)
            | Q(client_ref__iexact=text)
            | Q(client_name__icontains=text)
            | Q(client_email__icontains=text)
            | Q(vm_name__icontains=text)
            | Exists(address)
        )
    state = values.get("state")
    if state == "failing":
        services = services.exclude(last_error="")
    elif state:
        services = services.filter(state=state)
    if values.get("plan"):
        services = services.filter(plan=values["plan"])
    if values.get("server"):
        services = services.filter(server=values["server"])
    if values.get("node"):
        services = services.filter(node=values["node"])
    power = values.get("power")
    if power:
        known = Q(pk__in=[])
        for server_id, use in clusters.items():
            if use is None or use.error:
                continue
            if power == "unknown":
                known |= Q(server_id=server_id) & ~Q(vmid__in=list(use.power))
            else:
                known |= Q(server_id=server_id, vmid__in=[v for v, s in use.power.items() if s == power])
        if power == "unknown":
            known |= Q(vmid__isnull=True) | Q(server__isnull=True)
        services = services.filter(known)
    return services


@staff_view()
@require_GET
def service_list(request: HttpRequest) -> HttpResponse:
    data = _remembered(request)
    if data is None:
        data = {}
    elif not request.GET and data:
        return redirect(f"{request.path}?{urlencode(data)}")
    form = ServiceFilters({"per_page": str(DEFAULT_PAGE_SIZE), **data})
    form.is_valid()
    if form.errors:
        form = ServiceFilters({"per_page": str(DEFAULT_PAGE_SIZE)})
        form.is_valid()
    servers = list(Server.objects.all())
    clusters = _clusters(servers, read=bool(form.cleaned_data.get("power")))
    services = (
        _filtered(form, clusters)
        .select_related("plan", "server")
        .only(
            "billing_service_id",
            "client_ref",
            "client_name",
            "client_email",
            "hostname",
            "vmid",
            "node",
            "state",
            "last_error",
            "created_at",
            "plan__name",
            "server__name",
        )
        .order_by("-created_at", "-pk")
    )
    per_page = form.cleaned_data.get("per_page") or DEFAULT_PAGE_SIZE
    paginator = Paginator(services, per_page)
    shown = paginator.get_page(request.GET.get("page"))
    rows = list(shown.object_list)
    entries = reverse_entries_of(rows)
    cold = any(use is None for use in clusters.values())
    table = [{"service": s, "addresses": entries.get(s.pk, []), "power": _power_of(s, clusters)} for s in rows]
    query = {k: v for k, v in data.items() if k != "page"}
    context = {
        "form": form,
        "page_obj": shown,
        "rows": table,
        "query": urlencode(query),
        "cold": cold,
        "total": paginator.count,
        "bulk_actions": BULK_CHOICES,
    }
    return page(request, "staff/services.html", context, "services")
