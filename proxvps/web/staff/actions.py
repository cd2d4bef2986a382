"""What an operator does to a service from the console (SPEC S18): every action has a confirmation page that says
what it will do (with its inputs, when it has any), and runs only when that page is posted by a member whose role
allows it. Each goes through the lifecycle, which refuses what the service's state does not allow with one
sentence; nothing here changes a service by itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from proxvps.domain import states
from proxvps.inventory.choices import RequestStatus
from proxvps.inventory.models import OperationRequest, Plan, Service, Template
from proxvps.lifecycle import staff
from proxvps.lifecycle.dnsrecords import request_dns_sync
from proxvps.lifecycle.live import forget_status
from proxvps.lifecycle.node_migration import migration_targets, request_migrate
from proxvps.lifecycle.orders import offered_templates, request_change_package
from proxvps.lifecycle.password import request_reset_password
from proxvps.lifecycle.power_actions import request_power
from proxvps.lifecycle.reinstall import request_reinstall
from proxvps.lifecycle.requests import OrderRefused
from proxvps.lifecycle.suspension import request_suspend, request_unsuspend
from proxvps.web.staff.pages import page
from proxvps.web.staff.roles import Permission, requested_by, staff_view

Run = Callable[[Service, str, dict[str, Any]], object]


class ServiceForm(forms.Form):
    """The inputs of an action on one service (the service decides the choices)."""

    def __init__(self, service: Service, data: Any = None) -> None:
        super().__init__(data)


class ResetStatusForm(ServiceForm):
    state = forms.ChoiceField(label=gettext_lazy("New status"), widget=forms.RadioSelect)

    def __init__(self, service: Service, data: Any = None) -> None:
        super().__init__(service, data)
        field = self.fields["state"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [
            (t.state, t.label)
            for t in staff.RESET_TARGETS
            if (t.allowed_from is None or service.state in t.allowed_from) and t.state != service.state
        ]


class ReinstallForm(ServiceForm):
    template = forms.ModelChoiceField(label=gettext_lazy("Operating system"), queryset=Template.objects.none())

    def __init__(self, service: Service, data: Any = None) -> None:
        super().__init__(service, data)
        field = self.fields["template"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Template.objects.filter(pk__in=[t.pk for t in offered_templates(service.plan)])
        field.initial = service.template_id


class PasswordForm(ServiceForm):
    password = forms.CharField(
        label=gettext_lazy("New password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=gettext_lazy("Leave empty for a random one; the client gets it by mail."),
    )


class PlanForm(ServiceForm):
    plan = forms.ModelChoiceField(label=gettext_lazy("New plan"), queryset=Plan.objects.all())

    def __init__(self, service: Service, data: Any = None) -> None:
        super().__init__(service, data)
        field = self.fields["plan"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Plan.objects.exclude(pk=service.plan_id)


class MigrateForm(ServiceForm):
    target = forms.ChoiceField(label=gettext_lazy("Target node"))

    def __init__(self, service: Service, data: Any = None) -> None:
        super().__init__(service, data)
        field = self.fields["target"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(node, node) for node in migration_targets(service)]


@dataclass(frozen=True)
class Action:
    slug: str
    label: Promise
    icon: str
    explanation: Promise
    run: Run
    form: type[ServiceForm] | None = None
    danger: bool = False
    bulk: bool = False


def _power(action: str) -> Run:
    def run(service: Service, by: str, data: dict[str, Any]) -> object:
        forget_status(service)
        return request_power(service, action, requested_by=by)

    return run


ACTIONS: dict[str, Action] = {
    a.slug: a
    for a in (
        Action(
            "retry",
            gettext_lazy("Retry failed step"),
            "arrow-clockwise",
            gettext_lazy(
                "The step that failed runs again now, from where the operation stopped; the steps before it are not "
                "repeated. Fix the cause shown in the red banner first, or it fails the same way."
            ),
            lambda s, by, d: staff.retry_step(s, by),
            bulk=True,
        ),
        Action(
            "reset-status",
            gettext_lazy("Reset status"),
            "signpost-2",
            gettext_lazy(
                "The service is put in the status you choose, with a line in its log naming you. Only the status "
                "changes: read the table for what each one makes the worker do next."
            ),
            lambda s, by, d: staff.reset_status(s, d["state"], by),
            form=ResetStatusForm,
            danger=True,
        ),
        Action(
            "redeploy",
            gettext_lazy("Redeploy"),
            "bootstrap-reboot",
            gettext_lazy(
                "The deploy runs again from its first step. Addresses already reserved are kept and a VM the failed "
                "run cloned is taken over rather than cloned twice. Only for a deploy that failed."
            ),
            lambda s, by, d: staff.reset_status(s, states.NEW, by),
        ),
        *(
            Action(
                f"power-{name}",
                label,
                icon,
                explanation,
                _power(name),
                danger=name in ("stop", "reset"),
                bulk=True,
            )
            for name, label, icon, explanation in (
                ("start", gettext_lazy("Start"), "play-fill", gettext_lazy("The VM is started.")),
                (
                    "shutdown",
                    gettext_lazy("Shut down"),
                    "power",
                    gettext_lazy("The guest operating system is asked to shut down (ACPI)."),
                ),
                (
                    "reboot",
                    gettext_lazy("Reboot"),
                    "arrow-repeat",
                    gettext_lazy("The guest operating system is asked to restart."),
                ),
                (
                    "stop",
                    gettext_lazy("Stop"),
                    "stop-fill",
                    gettext_lazy("The VM is stopped at once, like pulling the plug: unsaved data in it is lost."),
                ),
                (
                    "reset",
                    gettext_lazy("Reset"),
                    "lightning",
                    gettext_lazy("The VM is reset at once, like pressing its reset button: unsaved data is lost."),
                ),
            )
        ),
        Action(
            "suspend",
            gettext_lazy("Suspend"),
            "pause-circle",
            gettext_lazy(
                "The VM is shut down (stopped if the guest ignores it) and the client area is locked until the "
                "service is unsuspended. The billing system is not told."
            ),
            lambda s, by, d: request_suspend(s, requested_by=by),
            danger=True,
            bulk=True,
        ),
        Action(
            "unsuspend",
            gettext_lazy("Unsuspend"),
            "play-circle",
            gettext_lazy("The VM is started again and the client area unlocked."),
            lambda s, by, d: request_unsuspend(s, requested_by=by),
            bulk=True,
        ),
        Action(
            "reinstall",
            gettext_lazy("Reinstall"),
            "arrow-counterclockwise",
            gettext_lazy(
                "The VM is deleted with its snapshots and cloned afresh from the operating system you choose, "
                "keeping its addresses, VMID and MAC address. Everything on its disks is lost."
            ),
            lambda s, by, d: request_reinstall(s, d["template"], requested_by=by),
            form=ReinstallForm,
            danger=True,
        ),
        Action(
            "password",
            gettext_lazy("Reset password"),
            "key",
            gettext_lazy(
                "The VM is stopped, gets the new password through cloud-init and is started again; the client gets "
                "the password by mail."
            ),
            lambda s, by, d: request_reset_password(s, d.get("password") or "", requested_by=by),
            form=PasswordForm,
        ),
        Action(
            "change-plan",
            gettext_lazy("Change plan"),
            "box-seam",
            gettext_lazy(
                "The VM gets the new plan's CPU, memory, disks, network and firewall (stopped and started again "
                "when the change needs it). Disks only grow. The billing system is not told."
            ),
            lambda s, by, d: request_change_package(s, plan=d["plan"], requested_by=by),
            form=PlanForm,
        ),
        Action(
            "migrate",
            gettext_lazy("Migrate"),
            "arrows-move",
            gettext_lazy(
                "The VM moves to the node you choose, live if it runs (its local disks are copied along, onto the "
                "plan's storage). If the migration fails or times out the VM stays where it is."
            ),
            lambda s, by, d: request_migrate(s, d["target"], requested_by=by),
            form=MigrateForm,
        ),
        Action(
            "dns",
            gettext_lazy("Set DNS records"),
            "globe",
            gettext_lazy("The worker writes the service's forward and reverse DNS records again."),
            lambda s, by, d: request_dns_sync(s, requested_by=by),
            bulk=True,
        ),
        Action(
            "delete-record",
            gettext_lazy("Delete record"),
            "trash",
            gettext_lazy(
                "Only the service's record is deleted, with its log; its addresses go back to the pools. Proxmox is "
                "not touched: the VM, its backups and snapshots stay. Only for a removed service or one whose "
                "terminate failed."
            ),
            lambda s, by, d: staff.delete_record(s, by),
            danger=True,
        ),
    )
}


def available(service: Service) -> list[Action]:
    """The actions the page offers for the service as it stands (the lifecycle still decides on each)."""
    failed = bool(service.last_error) or service.state in staff.RETRYABLE_FAILURE_STATES | {states.ERROR_TERMINATE}
    offered = []
    for action in ACTIONS.values():
        if action.slug == "retry" and not failed:
            continue
        if action.slug == "redeploy" and service.state != states.ERROR:
            continue
        if action.slug == "delete-record" and service.state not in staff.DELETABLE_STATES:
            continue
        offered.append(action)
    return offered


def _form(action: Action, service: Service, data: Any = None) -> ServiceForm | None:
    return action.form(service, data) if action.form is not None else None


@staff_view(Permission.OPERATE)
def confirm(request: HttpRequest, pk: int, slug: str) -> HttpResponse:
    """The action's confirmation page (GET), or the action itself (POST): done, the service page with what
    happened; refused, this page again with the sentence and nothing changed."""
    action = ACTIONS.get(slug)
    if action is None:
        raise Http404(slug)
    service = get_object_or_404(Service.objects.select_related("plan", "server"), pk=pk)
    form = _form(action, service, request.POST if request.method == "POST" else None)
    error = ""
    if request.method == "POST" and (form is None or form.is_valid()):
        data = form.cleaned_data if form is not None else {}
        try:
            outcome = action.run(service, requested_by(request), data)
        except OrderRefused as refusal:
            error = str(refusal)
        else:
            if slug == "delete-record":
                messages.success(request, _("The record of service %(sid)s is deleted.") % _sid(service))
                return redirect("staff-services")
            said = outcome if isinstance(outcome, str) else _("%(action)s: asked for.") % {"action": action.label}
            messages.success(request, said)
            return redirect("staff-service", pk=service.pk)
    context = {
        "service": service,
        "action": action,
        "form": form,
        "error": error,
        "reset_targets": staff.RESET_TARGETS if slug == "reset-status" else (),
    }
    return page(request, "staff/confirm.html", context, "services", status=409 if error else 200)


def _said(action: Action, outcome: object) -> str:
    """What the page tells: the lifecycle's own words, or that the operation was asked for."""
    if isinstance(outcome, str):
        return outcome
    if isinstance(outcome, OperationRequest) and outcome.status == RequestStatus.DONE and outcome.message:
        return outcome.message
    return _("%(action)s: asked for.") % {"action": action.label}


def _sid(service: Service) -> dict[str, str]:
    return {"sid": service.billing_service_id}


BULK_CHOICES = [(a.slug, a.label) for a in ACTIONS.values() if a.bulk]


@staff_view(Permission.OPERATE)
def bulk(request: HttpRequest) -> HttpResponse:
    """Bulk actions from the services list: a confirmation listing the services and what will happen to each, then
    the action on each, one message per refusal."""
    if request.method != "POST":
        return redirect("staff-services")
    action = ACTIONS.get(request.POST.get("action", ""))
    ids = [int(i) for i in request.POST.getlist("ids") if i.isdigit()]
    if action is None or not action.bulk:
        messages.error(request, _("Choose one of the actions offered."))
        return redirect("staff-services")
    services = list(Service.objects.filter(pk__in=ids).select_related("plan").order_by("pk"))
    if not services:
        messages.error(request, _("Select at least one service."))
        return redirect("staff-services")
    if request.POST.get("confirm") != "yes":
        return page(request, "staff/bulk_confirm.html", {"action": action, "services": services}, "services")
    done = 0
    for service in services:
        try:
            action.run(service, requested_by(request), {})
        except OrderRefused as refusal:
            messages.error(request, f"{service.billing_service_id}: {refusal}")
        else:
            done += 1
    if done:
        said = ngettext("%(action)s: asked for %(count)d service.", "%(action)s: asked for %(count)d services.", done)
        messages.success(request, said % {"action": action.label, "count": done})
    return redirect("staff-services")
