"""Servers, their nodes and templates (SPEC S18): an administrator adds and edits a server with a connection test,
syncs its nodes and templates, and names templates for clients; every member reads them, memory and disks in
human units. The Proxmox token secret is write-only here as everywhere (`proxvps.secret_forms`).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import Count, ProtectedError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from proxvps.encryption import DecryptionError
from proxvps.inventory.admin import ServerForm
from proxvps.inventory.models import Server, ServerGroup, Template
from proxvps.inventory.sync import sync_server
from proxvps.lifecycle.fleet import check_connection, forget_cluster, peek_cluster
from proxvps.proxmox import ProxmoxError
from proxvps.web.staff.pages import page
from proxvps.web.staff.roles import Permission, staff_view


class StaffServerForm(ServerForm):
    groups = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Server groups"),
        queryset=ServerGroup.objects.all(),
        required=False,
        help_text=gettext_lazy("Plans deploy into the servers of their group."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["groups"].initial = list(self.instance.groups.values_list("pk", flat=True))


class TemplateForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Template
        fields = ("client_name", "client_description")
        widgets = {"client_description": forms.Textarea(attrs={"rows": 3})}


@staff_view()
@require_GET
def server_list(request: HttpRequest) -> HttpResponse:
    servers = Server.objects.annotate(service_count=Count("services", distinct=True)).prefetch_related(
        "nodes", "groups"
    )
    groups = ServerGroup.objects.prefetch_related("servers").annotate(plan_count=Count("plans", distinct=True))
    return page(request, "staff/servers.html", {"servers": servers, "groups": groups}, "servers")


@staff_view()
@require_GET
def server_page(request: HttpRequest, pk: int) -> HttpResponse:
    server = get_object_or_404(Server, pk=pk)
    use = peek_cluster(server)
    live_nodes = {node.name: node for node in use.nodes} if use and not use.error else {}
    nodes = [{"node": node, "live": live_nodes.get(node.name)} for node in server.nodes.all()]
    context = {
        "server": server,
        "nodes": nodes,
        "templates": server.templates.all(),
        "groups": server.groups.all(),
        "service_count": server.services.count(),
    }
    return page(request, "staff/server.html", context, "servers")


def _save_groups(server: Server, form: StaffServerForm) -> None:
    """Put the server in the groups chosen and take it out of the others, each group remembering its servers."""
    chosen = set(form.cleaned_data.get("groups") or [])
    current = set(server.groups.all())
    for group in chosen - current:
        group.set_servers([*group.servers.all(), server])
    for group in current - chosen:
        group.set_servers(group.servers.exclude(pk=server.pk))


@staff_view(Permission.ADMINISTER)
def server_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Add or edit a server. "Test connection" checks the settings as typed without saving them; "Save" saves."""
    server = get_object_or_404(Server, pk=pk) if pk is not None else None
    form = StaffServerForm(request.POST or None, instance=server)
    test: tuple[bool, str] | None = None
    if request.method == "POST" and form.is_valid():
        candidate = form.save(commit=False)
        if "test" in request.POST:
            test = check_connection(candidate)
        else:
            candidate.save()
            _save_groups(candidate, form)
            messages.success(request, _("Server %(name)s is saved.") % {"name": candidate.name})
            return redirect("staff-server", pk=candidate.pk)
    context = {"form": form, "server": server, "test": test}
    return page(request, "staff/server_form.html", context, "servers")


@staff_view(Permission.ADMINISTER)
@require_POST
def server_test(request: HttpRequest, pk: int) -> HttpResponse:
    server = get_object_or_404(Server, pk=pk)
    ok, sentence = check_connection(server)
    (messages.success if ok else messages.error)(request, sentence)
    return redirect("staff-server", pk=pk)


@staff_view(Permission.ADMINISTER)
@require_POST
def server_sync(request: HttpRequest, pk: int) -> HttpResponse:
    """Read the server's nodes and templates again; the dashboard's read of it is dropped too."""
    server = get_object_or_404(Server, pk=pk)
    try:
        report = sync_server(server)
    except (ProxmoxError, DecryptionError) as error:
        messages.error(request, _("The sync failed: %(error)s") % {"error": error})
    else:
        forget_cluster(server)
        said = _("Synced: %(nodes)d nodes, %(templates)d templates.") % {
            "nodes": len(report.nodes),
            "templates": len(report.templates),
        }
        if report.unusable:
            said += " " + _("Not usable as templates: %(vms)s.") % {
                "vms": ", ".join(f"{vmid} ({why})" for vmid, why in sorted(report.unusable.items()))
            }
        messages.success(request, said)
    return redirect("staff-server", pk=pk)


@staff_view(Permission.ADMINISTER)
@require_POST
def server_delete(request: HttpRequest, pk: int) -> HttpResponse:
    server = get_object_or_404(Server, pk=pk)
    try:
        server.delete()
    except ProtectedError:
        messages.error(request, _("Server %(name)s still has services; it cannot be deleted.") % {"name": server})
        return redirect("staff-server", pk=pk)
    messages.success(request, _("Server %(name)s is deleted.") % {"name": server.name})
    return redirect("staff-servers")


@staff_view(Permission.ADMINISTER)
def template_edit(request: HttpRequest, pk: int) -> HttpResponse:
    template = get_object_or_404(Template.objects.select_related("server"), pk=pk)
    form = TemplateForm(request.POST or None, instance=template)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Template %(vmid)s is saved.") % {"vmid": template.vmid})
        return redirect("staff-server", pk=template.server_id)
    return page(request, "staff/template_form.html", {"form": form, "template": template}, "servers")


class GroupForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = ServerGroup
        fields = ("name", "servers")
        widgets = {"servers": forms.CheckboxSelectMultiple}

    def save(self, commit: bool = True) -> ServerGroup:
        group: ServerGroup = super().save(commit=False)
        group.save()
        group.set_servers(self.cleaned_data["servers"])
        return group


@staff_view(Permission.ADMINISTER)
def group_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    group = get_object_or_404(ServerGroup, pk=pk) if pk is not None else None
    form = GroupForm(request.POST or None, instance=group)
    if request.method == "POST" and form.is_valid():
        saved = form.save()
        messages.success(request, _("Server group %(name)s is saved.") % {"name": saved.name})
        return redirect("staff-servers")
    return page(request, "staff/group_form.html", {"form": form, "group": group}, "servers")
