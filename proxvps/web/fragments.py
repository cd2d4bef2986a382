"""The client area's live parts and changes, answered as htmx fragments (NetBox's style: the server renders HTML).

A GET here may call Proxmox (through the caches of `proxvps.lifecycle.live`, or the lifecycle's list reads); the
pages around them never do. A change (POST, CSRF-checked) asks the lifecycle, which validates and refuses with one
sentence, and answers with the fragment it changed: a refusal is shown next to the input it concerns, a request
queued tells the page (`HX-Trigger: proxvps-queued`) so its progress card starts polling.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from django import forms
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from proxvps.domain.firewall import RuleError
from proxvps.domain.options import OptionError
from proxvps.domain.transitions import operation_for
from proxvps.inventory.choices import ClientFeature
from proxvps.inventory.models import BackupSchedule, Service
from proxvps.lifecycle import backups, firewall_rules, isos, live, rdns, snapshots
from proxvps.lifecycle.backup_schedule import set_backup_schedule
from proxvps.lifecycle.context import resources_of
from proxvps.lifecycle.firewall_rules import FirewallRefused
from proxvps.lifecycle.orders import offered_templates
from proxvps.lifecycle.password import request_reset_password
from proxvps.lifecycle.power_actions import ACTIONS, request_power
from proxvps.lifecycle.reinstall import request_reinstall
from proxvps.lifecycle.requests import OrderRefused
from proxvps.proxmox import ProxmoxError
from proxvps.web.access import client_view, requested_by
from proxvps.web.progress import progress_of

QUEUED = "proxvps-queued"
SETTLED = "proxvps-settled"


def _queued(request: HttpRequest, service: Service, response: HttpResponse, with_card: bool = True) -> HttpResponse:
    """A change was queued: the page is told (`HX-Trigger`) and, unless the answer is the progress card itself, the
    card comes in the same answer, swapped out of band. The card then polls even when the form that asked was
    replaced while its request ran (a tab reloading as an operation ends): a detached form's event reaches no one."""
    response["HX-Trigger"] = QUEUED
    if with_card:
        context = {"service": service, "progress": progress_of(service), "oob": True}
        response.content += render(request, "web/fragments/progress.html", context).content
    return response


def _back(request: HttpRequest, service: Service, tab: str) -> HttpResponse | None:
    """Without htmx (a browser without scripts), a change answers by showing its tab again."""
    if getattr(request, "htmx", False):
        return None
    return redirect("client-service-tab", service_id=service.billing_service_id, tab=tab)


# -------------------------------------------------------------------------------------------- status, progress


@client_view()
@require_GET
def status(request: HttpRequest, service: Service) -> HttpResponse:
    """The VM's power state and its use now (CPU, RAM, disk, network, uptime): read fresh every second while an
    operation runs, else from the 30-second cache."""
    busy = operation_for(service.state) is not None
    context: dict[str, Any] = {"service": service, "busy": busy, "compact": request.GET.get("compact") == "1"}
    try:
        vm = live.vm_status(service, fresh=busy)
    except live.LiveUnavailable as error:
        context["unavailable"] = str(error)
    else:
        context["vm"] = vm
        context["cpu_percent"] = round((vm.cpu or 0) * 100, 1)
        context["mem_percent"] = round(100 * (vm.mem or 0) / vm.maxmem, 1) if vm.maxmem else 0
        context["uptime"] = timedelta(seconds=vm.uptime or 0)
        context["cores"] = int(vm.cpus or 0)
    return render(request, "web/fragments/status.html", context)


@client_view()
@require_GET
def progress(request: HttpRequest, service: Service) -> HttpResponse:
    """The operation in flight (polled every second while one runs); when it has just ended, the page is told
    (`HX-Trigger: proxvps-settled`) so its lists and status load again."""
    shown = progress_of(service)
    response = render(request, "web/fragments/progress.html", {"service": service, "progress": shown})
    if request.GET.get("was_busy") == "1" and not shown.busy:
        response["HX-Trigger"] = SETTLED
    return response


@client_view()
@require_GET
def summary(request: HttpRequest, service: Service) -> HttpResponse:
    """The plan and operating system under the page's title, read again when an operation ends (a reinstall
    changes the system, a change of package the plan)."""
    return render(request, "web/fragments/summary.html", {"service": service})


@client_view(ClientFeature.POWER)
@require_POST
def power(request: HttpRequest, service: Service) -> HttpResponse:
    """Start, stop, shut down, reboot or reset (each confirmed in the page); the progress card answers."""
    action = request.POST.get("action", "")
    error = ""
    if action not in ACTIONS:
        error = _("Choose start, stop, shut down, reboot or reset.")
    else:
        try:
            request_power(service, action, requested_by=requested_by(request))
        except OrderRefused as refusal:
            error = str(refusal)
        live.forget_status(service)
    back = _back(request, service, "overview")
    if back is not None:
        return back
    response = render(
        request, "web/fragments/progress.html", {"service": service, "progress": progress_of(service), "error": error}
    )
    return response if error else _queued(request, service, response, with_card=False)


# --------------------------------------------------------------------------------------------------- snapshots


class SnapshotForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=40)
    description = forms.CharField(label=gettext_lazy("Description"), max_length=255, required=False)


def _epoch(value: int | None) -> datetime | None:
    return datetime.fromtimestamp(value, UTC) if value else None


def _snapshots(
    request: HttpRequest, service: Service, form: SnapshotForm | None = None, error: str = ""
) -> HttpResponse:
    context: dict[str, Any] = {"service": service, "form": form or SnapshotForm(), "error": error}
    lifetime = timedelta(days=service.plan.snapshot_lifetime_days)
    try:
        context["limit"] = resources_of(service).snapshots_count
        found = snapshots.list_snapshots(service)
    except (OrderRefused, OptionError) as refusal:
        context["unavailable"] = str(refusal)
        found = []
    context["snapshots"] = [
        {
            "name": s.name,
            "description": s.description,
            "created_at": _epoch(s.snaptime),
            "expires_at": (_epoch(s.snaptime) or datetime.now(UTC)) + lifetime,
        }
        for s in found
    ]
    context["lifetime_days"] = service.plan.snapshot_lifetime_days
    context["busy"] = operation_for(service.state) is not None
    return render(request, "web/fragments/snapshots.html", context)


@client_view(ClientFeature.SNAPSHOTS)
@require_GET
def snapshot_list(request: HttpRequest, service: Service) -> HttpResponse:
    return _snapshots(request, service)


@client_view(ClientFeature.SNAPSHOTS)
@require_POST
def snapshot_create(request: HttpRequest, service: Service) -> HttpResponse:
    """Take a snapshot with a name and a description; a refused name is shown under its input."""
    form = SnapshotForm(request.POST)
    if form.is_valid():
        try:
            snapshots.request_snapshot_create(
                service,
                form.cleaned_data["name"],
                description=form.cleaned_data["description"],
                requested_by=requested_by(request),
            )
        except OrderRefused as refusal:
            form.add_error("name", str(refusal))
        else:
            return _back(request, service, "snapshots") or _queued(request, service, _snapshots(request, service))
    return _back(request, service, "snapshots") or _snapshots(request, service, form)


@client_view(ClientFeature.SNAPSHOTS)
@require_POST
def snapshot_change(request: HttpRequest, service: Service, name: str, action: str) -> HttpResponse:
    """Roll back to, or delete, the named snapshot."""
    changes = {"rollback": snapshots.request_snapshot_rollback, "delete": snapshots.request_snapshot_delete}
    if action not in changes:
        raise Http404(action)
    change = changes[action]
    try:
        change(service, name, requested_by=requested_by(request))
    except OrderRefused as refusal:
        return _back(request, service, "snapshots") or _snapshots(request, service, error=str(refusal))
    return _back(request, service, "snapshots") or _queued(request, service, _snapshots(request, service))


# ----------------------------------------------------------------------------------------------------- backups

WEEKDAYS = (
    (1, gettext_lazy("Monday")),
    (2, gettext_lazy("Tuesday")),
    (3, gettext_lazy("Wednesday")),
    (4, gettext_lazy("Thursday")),
    (5, gettext_lazy("Friday")),
    (6, gettext_lazy("Saturday")),
    (7, gettext_lazy("Sunday")),
)


class ScheduleForm(forms.Form):
    weekdays = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Weekdays"),
        choices=WEEKDAYS,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


def _backups(request: HttpRequest, service: Service, error: str = "", running: bool = False) -> HttpResponse:
    context: dict[str, Any] = {"service": service, "error": error, "offer_stop": running}
    try:
        context["limit"] = backups.backup_limit(service)
        found = backups.list_backups(service)
    except OrderRefused as refusal:
        context["unavailable"] = str(refusal)
        found = []
    context["backups"] = [
        {"volid": b.volid, "filename": b.filename, "size": b.size, "created_at": _epoch(b.ctime)} for b in found
    ]
    schedule = BackupSchedule.objects.filter(service=service).first()
    context["schedule"] = schedule
    context["schedule_form"] = ScheduleForm(
        initial={"weekdays": [int(day) for day in schedule.weekdays] if schedule else []}
    )
    context["busy"] = operation_for(service.state) is not None
    return render(request, "web/fragments/backups.html", context)


@client_view(ClientFeature.BACKUPS)
@require_GET
def backup_list(request: HttpRequest, service: Service) -> HttpResponse:
    return _backups(request, service)


@client_view(ClientFeature.BACKUPS)
@require_POST
def backup_create(request: HttpRequest, service: Service) -> HttpResponse:
    try:
        backups.request_backup_create(service, requested_by=requested_by(request))
    except OrderRefused as refusal:
        return _back(request, service, "backups") or _backups(request, service, error=str(refusal))
    return _back(request, service, "backups") or _queued(request, service, _backups(request, service))


@client_view(ClientFeature.BACKUPS)
@require_POST
def backup_change(request: HttpRequest, service: Service, action: str) -> HttpResponse:
    """Restore from, or delete, the backup the form names. A restore of a running VM is refused: the answer says
    so and offers to stop the VM first."""
    if action not in ("restore", "delete"):
        raise Http404(action)
    volid = request.POST.get("volid", "")
    try:
        if action == "restore":
            if live.vm_status(service, fresh=True).running:
                return _back(request, service, "backups") or _backups(
                    request, service, error=_("Your server must be off to restore a backup."), running=True
                )
            backups.request_backup_restore(service, volid, requested_by=requested_by(request))
        else:
            backups.request_backup_delete(service, volid, requested_by=requested_by(request))
    except (OrderRefused, live.LiveUnavailable) as refusal:
        return _back(request, service, "backups") or _backups(request, service, error=str(refusal))
    return _back(request, service, "backups") or _queued(request, service, _backups(request, service))


@client_view(ClientFeature.BACKUPS)
@require_POST
def backup_schedule(request: HttpRequest, service: Service) -> HttpResponse:
    """Back up on the weekdays ticked, at a time of day drawn anew (none ticked: no automatic backups)."""
    form = ScheduleForm(request.POST)
    if form.is_valid():
        try:
            set_backup_schedule(service, sorted(set(form.cleaned_data["weekdays"])))
        except OrderRefused as refusal:
            return _back(request, service, "backups") or _backups(request, service, error=str(refusal))
    return _back(request, service, "backups") or _backups(request, service)


# ---------------------------------------------------------------------------------------------------- firewall


class RuleForm(forms.Form):
    """A rule as the client types it; the domain (`parse_rule`) checks every field and says what is wrong."""

    direction = forms.ChoiceField(
        label=gettext_lazy("Direction"), choices=(("in", gettext_lazy("Incoming")), ("out", gettext_lazy("Outgoing")))
    )
    action = forms.ChoiceField(
        label=gettext_lazy("Action"),
        choices=(
            ("ACCEPT", gettext_lazy("Accept")),
            ("DROP", gettext_lazy("Drop")),
            ("REJECT", gettext_lazy("Reject")),
        ),
    )
    protocol = forms.CharField(label=gettext_lazy("Protocol"), max_length=20, required=False)
    source = forms.CharField(label=gettext_lazy("Source"), max_length=255, required=False)
    dport = forms.CharField(label=gettext_lazy("Destination port"), max_length=255, required=False)
    comment = forms.CharField(label=gettext_lazy("Comment"), max_length=255, required=False)


def _firewall(
    request: HttpRequest,
    service: Service,
    form: RuleForm | None = None,
    error: str = "",
    editing: int | None = None,
) -> HttpResponse:
    """The rules, the policies and the rule form: empty to add a rule, or filled with the rule at `editing`."""
    context: dict[str, Any] = {"service": service, "error": error, "editing": editing}
    try:
        listed = firewall_rules.list_rules(service)
        policies = firewall_rules.read_policies(service)
    except (FirewallRefused, ProxmoxError) as refusal:
        context["unavailable"] = str(refusal)
        return render(request, "web/fragments/firewall.html", context)
    context["policy_rows"] = [
        ("in", _("Incoming traffic"), policies.policy_in),
        ("out", _("Outgoing traffic"), policies.policy_out),
    ]
    context["rules"] = listed.rules
    context["digest"] = listed.digest or ""
    if form is None and editing is not None and 0 <= editing < len(listed.rules):
        rule = listed.rules[editing]
        form = RuleForm(
            initial={
                "direction": rule.type,
                "action": rule.action,
                "protocol": rule.proto or "",
                "source": rule.source or "",
                "dport": rule.dport or "",
                "comment": rule.comment or "",
            }
        )
    elif editing is not None and form is None:
        context["editing"] = None
    context["form"] = form or RuleForm()
    return render(request, "web/fragments/firewall.html", context)


@client_view(ClientFeature.FIREWALL)
@require_GET
def firewall_list(request: HttpRequest, service: Service) -> HttpResponse:
    """The firewall tab's body; `?edit=N` fills the form with rule N for an edit."""
    return _firewall(request, service, editing=_position(request.GET.get("edit")))


@client_view(ClientFeature.FIREWALL)
@require_POST
def firewall_add(request: HttpRequest, service: Service) -> HttpResponse:
    """Add a rule at the top; each field the domain refuses is shown under its input in the domain's sentence."""
    form = RuleForm(request.POST)
    if form.is_valid():
        fields = {key: value for key, value in form.cleaned_data.items() if value not in ("", None)}
        try:
            firewall_rules.add_rule(service, fields)
        except RuleError as refused:
            for problem in refused.problems:
                field = problem.field if problem.field in form.fields else None
                form.add_error(field, problem.render(_))
        except (FirewallRefused, ProxmoxError) as refusal:
            form.add_error(None, str(refusal))
        else:
            return _back(request, service, "firewall") or _firewall(request, service)
    return _back(request, service, "firewall") or _firewall(request, service, form)


def _position(value: str | None) -> int | None:
    return int(value) if value is not None and value.isdigit() and len(value) < 6 else None


@client_view(ClientFeature.FIREWALL)
@require_POST
def firewall_edit(request: HttpRequest, service: Service, position: int) -> HttpResponse:
    """Change the rule at `position`; as with an addition, each refused field is shown under its input."""
    form = RuleForm(request.POST)
    if form.is_valid():
        fields = {key: value for key, value in form.cleaned_data.items() if value not in ("", None)}
        try:
            firewall_rules.update_rule(service, position, fields, request.POST.get("digest") or None)
        except RuleError as refused:
            for problem in refused.problems:
                form.add_error(problem.field if problem.field in form.fields else None, problem.render(_))
        except (FirewallRefused, ProxmoxError) as refusal:
            form.add_error(None, str(refusal))
        else:
            return _back(request, service, "firewall") or _firewall(request, service)
    return _back(request, service, "firewall") or _firewall(request, service, form, editing=position)


@client_view(ClientFeature.FIREWALL)
@require_POST
def firewall_delete(request: HttpRequest, service: Service, position: int) -> HttpResponse:
    try:
        firewall_rules.delete_rule(service, position, request.POST.get("digest") or None)
    except (FirewallRefused, RuleError, ProxmoxError) as refusal:
        return _back(request, service, "firewall") or _firewall(request, service, error=str(refusal))
    return _back(request, service, "firewall") or _firewall(request, service)


@client_view(ClientFeature.FIREWALL)
@require_POST
def firewall_move(request: HttpRequest, service: Service) -> HttpResponse:
    """A rule dragged from one position to another (SortableJS posts both)."""
    source, target = _position(request.POST.get("source")), _position(request.POST.get("target"))
    if source is None or target is None:
        return _firewall(request, service, error=_("The rule could not be moved; please try again."))
    try:
        firewall_rules.move_rule(service, source, target, request.POST.get("digest") or None)
    except (FirewallRefused, RuleError, ProxmoxError) as refusal:
        return _firewall(request, service, error=str(refusal))
    return _back(request, service, "firewall") or _firewall(request, service)


@client_view(ClientFeature.FIREWALL)
@require_POST
def firewall_policy(request: HttpRequest, service: Service) -> HttpResponse:
    try:
        firewall_rules.set_policy(service, request.POST.get("direction"), request.POST.get("policy"))
    except RuleError as refused:
        return _firewall(request, service, error=refused.render(_))
    except (FirewallRefused, ProxmoxError) as refusal:
        return _firewall(request, service, error=str(refusal))
    return _back(request, service, "firewall") or _firewall(request, service)


# --------------------------------------------------------------------------------------------------------- ISO


def _iso(request: HttpRequest, service: Service, error: str = "") -> HttpResponse:
    context: dict[str, Any] = {"service": service, "error": error}
    try:
        context["groups"] = sorted(isos.list_isos(service).items())
        context["mounted"] = live.mounted_iso(service)
    except (ProxmoxError, live.LiveUnavailable) as failure:
        context["unavailable"] = (
            str(failure) if isinstance(failure, live.LiveUnavailable) else _("The ISO images cannot be read right now.")
        )
    context["busy"] = operation_for(service.state) is not None
    return render(request, "web/fragments/iso.html", context)


@client_view(ClientFeature.ISO)
@require_GET
def iso_list(request: HttpRequest, service: Service) -> HttpResponse:
    return _iso(request, service)


@client_view(ClientFeature.ISO)
@require_POST
def iso_change(request: HttpRequest, service: Service, action: str) -> HttpResponse:
    if action not in ("mount", "unmount"):
        raise Http404(action)
    try:
        if action == "mount":
            isos.request_mount_iso(service, request.POST.get("volid", ""), requested_by=requested_by(request))
        else:
            isos.request_unmount_iso(service, requested_by=requested_by(request))
    except OrderRefused as refusal:
        return _back(request, service, "iso") or _iso(request, service, error=str(refusal))
    return _back(request, service, "iso") or _queued(request, service, _iso(request, service))


# --------------------------------------------------------------------------------------------------- reinstall


class ReinstallForm(forms.Form):
    template = forms.TypedChoiceField(label=gettext_lazy("Operating system"), coerce=int)
    confirm = forms.CharField(label=gettext_lazy("Type the hostname to confirm"), max_length=253)

    def __init__(self, service: Service, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.service = service
        self.systems = offered_templates(service.plan)
        """The systems offered, whose descriptions (staff's words) the form shows beside the choice."""
        field = self.fields["template"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [(t.pk, t.shown_name) for t in self.systems]

    def clean_confirm(self) -> str:
        typed = str(self.cleaned_data["confirm"]).strip()
        if typed != self.service.hostname:
            raise forms.ValidationError(
                _("Type the hostname exactly as shown: %(host)s.") % {"host": self.service.hostname}
            )
        return typed


@client_view(ClientFeature.REINSTALL)
@require_POST
def reinstall(request: HttpRequest, service: Service) -> HttpResponse:
    """Reinstall from a template the plan offers, after the hostname is typed as confirmation."""
    form = ReinstallForm(service, request.POST)
    done = False
    if form.is_valid():
        template = next(t for t in offered_templates(service.plan) if t.pk == form.cleaned_data["template"])
        try:
            request_reinstall(service, template, requested_by=requested_by(request))
        except OrderRefused as refusal:
            form.add_error("template", str(refusal))
        else:
            done = True
    back = _back(request, service, "reinstall")
    if back is not None:
        return back
    response = render(
        request,
        "web/fragments/reinstall.html",
        {"service": service, "form": ReinstallForm(service) if done else form, "done": done},
    )
    return _queued(request, service, response) if done else response


# ---------------------------------------------------------------------------------------------------- password


@client_view(ClientFeature.PASSWORD)
@require_POST
def password(request: HttpRequest, service: Service) -> HttpResponse:
    """A new random password, set through cloud-init (the VM restarts); revealed in the page once set."""
    error = ""
    try:
        request_reset_password(service, requested_by=requested_by(request))
    except OrderRefused as refusal:
        error = str(refusal)
    back = _back(request, service, "password")
    if back is not None:
        return back
    response = render(request, "web/fragments/password.html", {"service": service, "error": error, "done": not error})
    return response if error else _queued(request, service, response)


# ------------------------------------------------------------------------------------------------------ graphs

METRICS = ("cpu", "mem", "netin", "netout", "diskread", "diskwrite")


@client_view(ClientFeature.GRAPHS)
@require_GET
def graph_data(request: HttpRequest, service: Service, timeframe: str) -> HttpResponse:
    """The samples of one timeframe as JSON for the page's charts; one Proxmox call per service and timeframe a
    minute, however many viewers ask (`live.graph_points`)."""
    return graph_json(service, timeframe)


def graph_json(service: Service, timeframe: str) -> JsonResponse:
    """The charts' JSON of one timeframe (CPU in %, memory in MiB, the rest in bytes per second), for the client
    area and the staff console alike; 404 for an unknown timeframe, 503 when Proxmox cannot be read."""
    if timeframe not in live.TIMEFRAMES:
        return JsonResponse({"error": _("Choose hour, day, week or month.")}, status=404)
    try:
        points = live.graph_points(service, timeframe)
    except live.LiveUnavailable as error:
        return JsonResponse({"error": str(error)}, status=503)
    series: dict[str, list[float | None]] = {name: [getattr(p, name) for p in points] for name in METRICS}
    series["cpu"] = [None if v is None else round(v * 100, 2) for v in series["cpu"]]
    series["mem"] = [None if v is None else round(v / 1048576, 1) for v in series["mem"]]
    return JsonResponse({"timeframe": timeframe, "time": [p.time for p in points], "series": series})


# ------------------------------------------------------------------------------------------------- reverse DNS


def rdns_rows(service: Service, ip: str = "", typed: str = "", error: str = "") -> list[dict[str, Any]]:
    """Each address's row of the reverse DNS form: the name it has, or what the client typed when it was refused."""
    return [
        {
            "entry": entry,
            "value": typed if entry.ip == ip and error else entry.name,
            "error": error if entry.ip == ip else "",
        }
        for entry in rdns.reverse_entries(service)
    ]


@client_view(ClientFeature.RDNS)
@require_POST
def reverse_name(request: HttpRequest, service: Service) -> HttpResponse:
    """Set one address's PTR name (empty: back to the hostname); a refusal is shown under that address's input."""
    ip = request.POST.get("ip", "")
    typed = request.POST.get("hostname", "")
    errors: dict[str, str] = {}
    queued = False
    try:
        rdns.set_reverse_name(service, ip, typed, requested_by=requested_by(request))
    except (rdns.ReverseNameRefused, OrderRefused) as refusal:
        errors[ip] = str(refusal)
    else:
        queued = True
    back = _back(request, service, "rdns")
    if back is not None:
        return back
    context = {"service": service, "rows": rdns_rows(service, ip, typed, errors.get(ip, ""))}
    response = render(request, "web/fragments/rdns.html", context)
    return _queued(request, service, response) if queued else response
