"""Plans (SPEC S3, S18): every default of a product in panels (VM configuration, storage, network, firewall,
integrations, mail, client permissions), and a banner for each of the four server-group problems of the seed's
v3.1 with how to fix it. Every member reads them; only an administrator changes them.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from proxvps.inventory.groups import group_problem
from proxvps.inventory.models import Plan
from proxvps.ipam.models import DnsZone
from proxvps.mail.defaults import DEFAULTS
from proxvps.mail.models import MailEvent, MailTemplate
from proxvps.mail.rendering import template_error
from proxvps.web.staff.pages import page
from proxvps.web.staff.roles import Permission, may, staff_view

PANELS = (
    (
        "vm",
        gettext_lazy("VM configuration"),
        (
            "name",
            "server_group",
            "template",
            "templates",
            "cpu_cores",
            "ram_mb",
            "node",
            "name_prefix",
            "hostname_template",
            "vm_username",
            "snapshots_count",
            "snapshot_lifetime_days",
            "backups_count",
        ),
    ),
    (
        "storage",
        gettext_lazy("Storage"),
        (
            "storage",
            "system_disk_gb",
            "additional_disk_storage",
            "additional_disk_gb",
            "iso_storage",
            "backup_storage",
            "system_disk_read_mbps",
            "system_disk_write_mbps",
            "system_disk_read_iops",
            "system_disk_write_iops",
            "additional_disk_read_mbps",
            "additional_disk_write_mbps",
            "additional_disk_read_iops",
            "additional_disk_write_iops",
        ),
    ),
    ("network", gettext_lazy("Network"), ("bridge", "vlan", "dhcp", "network_mbps", "ipv4_count", "ipv6_count")),
    (
        "firewall",
        gettext_lazy("Firewall"),
        (
            "firewall_enabled",
            "firewall_dhcp",
            "firewall_ndp",
            "firewall_macfilter",
            "firewall_ipfilter",
            "firewall_policy_in",
            "firewall_policy_out",
            "firewall_log_level_in",
            "firewall_log_level_out",
        ),
    ),
    (
        "clients",
        gettext_lazy("Client permissions"),
        (
            "client_power",
            "client_console",
            "client_graphs",
            "client_snapshots",
            "client_backups",
            "client_firewall",
            "client_iso",
            "client_reinstall",
            "client_password",
            "client_rdns",
        ),
    ),
)
GROUP_FIELDS = ("server_group", "template", "templates", "node", "storage")
"""The fields a server-group problem leaves without choices: marked on the form while the banner shows."""


class PlanForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Plan
        fields = [name for _slug, _label, names in PANELS for name in names]
        widgets = {"templates": forms.CheckboxSelectMultiple}


def _panels(form: PlanForm) -> list[dict[str, Any]]:
    return [{"slug": slug, "label": label, "fields": [form[name] for name in names]} for slug, label, names in PANELS]


@staff_view()
@require_GET
def plan_list(request: HttpRequest) -> HttpResponse:
    plans = list(Plan.objects.select_related("server_group").annotate(service_count=Count("services")))
    rows = [{"plan": plan, "problem": group_problem(plan)} for plan in plans]
    return page(request, "staff/plans.html", {"rows": rows}, "plans")


@staff_view()
def plan_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """A plan's panels; an administrator saves them (anyone else reads them, and a post is refused)."""
    plan = get_object_or_404(Plan.objects.select_related("server_group"), pk=pk) if pk is not None else None
    if (request.method == "POST" or plan is None) and not may(request, Permission.ADMINISTER):
        return page(
            request,
            "staff/refused.html",
            {"sentence": _("Your role does not allow this; ask an administrator.")},
            "plans",
            status=403,
        )
    form = PlanForm(request.POST or None, instance=plan)
    if request.method == "POST" and form.is_valid():
        saved = form.save()
        messages.success(request, _("Plan %(name)s is saved.") % {"name": saved.name})
        return redirect("staff-plan", pk=saved.pk)
    problem = group_problem(plan) if plan is not None else None
    templates = {t.event: t for t in MailTemplate.objects.filter(plan_id=plan.pk)} if plan else {}
    shared = {t.event: t for t in MailTemplate.objects.filter(plan_id__isnull=True)}
    context = {
        "plan": plan,
        "form": form,
        "panels": _panels(form),
        "problem": problem,
        "group_fields": GROUP_FIELDS if problem else (),
        "zones": DnsZone.objects.order_by("name"),
        "mails": [
            {"event": event, "own": templates.get(event.value), "shared": shared.get(event.value)}
            for event in MailEvent
        ],
        "read_only": not may(request, Permission.ADMINISTER),
    }
    return page(request, "staff/plan.html", context, "plans")


class PlanMailForm(forms.Form):
    """A subject and a body per event for one plan; both empty: the plan's clients get the shared text."""

    def __init__(self, plan: Plan, data: Any = None) -> None:
        super().__init__(data)
        own = {t.event: t for t in MailTemplate.objects.filter(plan_id=plan.pk)}
        self.events = list(MailEvent)
        for event in self.events:
            row = own.get(event.value)
            self.fields[f"{event.value}_subject"] = forms.CharField(
                label=gettext_lazy("Subject"), required=False, max_length=255, initial=row.subject if row else ""
            )
            self.fields[f"{event.value}_body"] = forms.CharField(
                label=gettext_lazy("Body"),
                required=False,
                initial=row.body if row else "",
                widget=forms.Textarea(attrs={"rows": 6}),
                help_text=_("Variables: %(names)s. Both empty: the shared text.")
                % {"names": ", ".join(f"{{{{ {name} }}}}" for name in DEFAULTS[event.value].example)},
            )

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        for event in self.events:
            subject, body = cleaned.get(f"{event.value}_subject"), cleaned.get(f"{event.value}_body")
            if bool(subject) != bool(body):
                self.add_error(f"{event.value}_body", _("Give both a subject and a body, or neither."))
                continue
            for name, text in (("subject", subject), ("body", body)):
                error = template_error(event.value, text) if text else None
                if error:
                    self.add_error(f"{event.value}_{name}", error)
        return cleaned

    def save(self, plan: Plan) -> None:
        for event in self.events:
            subject, body = self.cleaned_data[f"{event.value}_subject"], self.cleaned_data[f"{event.value}_body"]
            rows = MailTemplate.objects.filter(plan_id=plan.pk, event=event.value)
            if subject:
                rows.update_or_create(plan_id=plan.pk, event=event.value, defaults={"subject": subject, "body": body})
            else:
                rows.delete()


@staff_view(Permission.ADMINISTER)
def plan_mail(request: HttpRequest, pk: int) -> HttpResponse:
    """The plan's own mail texts, each falling back to the shared one when left empty."""
    plan = get_object_or_404(Plan, pk=pk)
    form = PlanMailForm(plan, request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.save(plan)
        messages.success(request, _("The mail texts of plan %(name)s are saved.") % {"name": plan.name})
        return redirect("staff-plan", pk=plan.pk)
    events = [
        {"event": event, "fields": [form[f"{event.value}_subject"], form[f"{event.value}_body"]]}
        for event in form.events
    ]
    return page(request, "staff/plan_mail.html", {"plan": plan, "form": form, "events": events}, "plans")
