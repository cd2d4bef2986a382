"""Settings (SPEC S18), for administrators: each periodic task's interval (0 disables it), the worker's retry delay
and migration attempts and timeout (stored in the database over the environment's defaults), and each server's
Proxmox API timeouts.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from proxvps.inventory import tunables
from proxvps.inventory.models import Server
from proxvps.web.staff.pages import page
from proxvps.web.staff.roles import Permission, staff_view
from proxvps.worker.models import TaskSchedule

MAX_INTERVAL = 7 * 86400


class SettingsForm(forms.Form):
    """A field per task interval and per tunable; a tunable left empty goes back to its environment default."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tasks = list(TaskSchedule.objects.all())
        for task in self.tasks:
            self.fields[f"task_{task.name}"] = forms.IntegerField(
                label=task.name,
                min_value=0,
                max_value=MAX_INTERVAL,
                initial=task.interval,
                help_text=gettext_lazy("Seconds between two passes; 0 disables the task."),
            )
        for setting in tunables.SETTINGS:
            field_type = forms.IntegerField if setting.whole else forms.FloatField
            saved = tunables.value(setting.name)
            default = tunables.default(setting.name)
            self.fields[setting.name] = field_type(
                label=str(setting.label),
                required=False,
                min_value=setting.minimum,  # type: ignore[arg-type]
                max_value=setting.maximum,  # type: ignore[arg-type]
                initial=None if saved == default else (int(saved) if setting.whole else saved),
                help_text=_("%(help)s Empty: the default, %(default)s.")
                % {"help": setting.help, "default": f"{default:g}"},
            )

    def save(self) -> None:
        with transaction.atomic():
            for task in self.tasks:
                TaskSchedule.objects.filter(pk=task.pk).update(interval=self.cleaned_data[f"task_{task.name}"])
            for setting in tunables.SETTINGS:
                new = self.cleaned_data.get(setting.name)
                tunables.save(setting.name, None if new is None else float(new))


@staff_view(Permission.ADMINISTER)
def settings_page(request: HttpRequest) -> HttpResponse:
    form = SettingsForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("The settings are saved; the worker reads them at its next pass."))
        return redirect("staff-settings")
    task_fields = [form[f"task_{task.name}"] for task in form.tasks]
    tunable_fields = [form[setting.name] for setting in tunables.SETTINGS]
    context = {
        "form": form,
        "task_fields": task_fields,
        "tunable_fields": tunable_fields,
        "servers": Server.objects.all(),
    }
    return page(request, "staff/settings.html", context, "settings")
