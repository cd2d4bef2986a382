"""The Django admin for the inventory, until the staff area of the web app replaces it.

Secrets are write-only here (`proxvps.secret_forms`): the form never renders the stored token secret, shows that
one is set, and keeps the stored value when the field is left empty; the VM password is not shown at all (SPEC
S12, S21).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from proxvps.inventory.models import ActionLog, BackupSchedule, Node, Plan, Server, ServerGroup, Service, Template
from proxvps.secret_forms import WriteOnlySecretField, WriteOnlySecretsForm


class ServerForm(WriteOnlySecretsForm):
    url = forms.URLField(label=_("API URL"), assume_scheme="https")
    token_secret = WriteOnlySecretField(label=_("API token secret"))
    secret_fields = ("token_secret",)

    class Meta:
        model = Server
        fields = (
            "name",
            "url",
            "token_id",
            "token_secret",
            "ca_file",
            "fingerprint",
            "connect_timeout",
            "read_timeout",
            "enabled",
        )


@admin.register(Server)
class ServerAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    form = ServerForm
    list_display = ("name", "url", "token_id", "enabled")


class ActionLogInline(admin.TabularInline):  # type: ignore[type-arg]
    model = ActionLog
    extra = 0
    can_delete = False
    readonly_fields = (
        "started_at",
        "operation",
        "step",
        "from_state",
        "to_state",
        "duration",
        "result",
        "message",
    )
    fields = readonly_fields

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("billing_service_id", "client_ref", "plan", "hostname", "vmid", "node", "state")
    list_filter = ("state", "plan", "server")
    search_fields = ("billing_service_id", "client_ref", "hostname")
    exclude = ("password",)
    inlines = [ActionLogInline]


admin.site.register(ServerGroup)
admin.site.register(Node, list_display=("server", "name", "online", "max_memory", "used_memory"))
admin.site.register(
    Template, list_display=("server", "vmid", "node", "os_name", "client_name", "system_disk", "has_cloudinit")
)
admin.site.register(Plan)
admin.site.register(BackupSchedule, list_display=("service", "weekdays", "time_of_day", "last_run_on"))
