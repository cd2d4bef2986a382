"""The Django admin for the inventory, until the staff area of the web app replaces it.

Secrets are write-only here (`proxvps.secret_forms`): the form never renders the stored token secret, shows that
one is set, and keeps the stored value when the field is left empty; the VM password is not shown at all (SPEC
S12, S21).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from proxvps.inventory.models import BackupSchedule, Node, Plan, Server, ServerGroup, Service, Template
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


LIFECYCLE_FIELDS = (
    "state",
    "state_changed_at",
    "last_error",
    "server",
    "vmid",
    "node",
    "placed_on",
    "placed_memory",
    "placed_disk",
    "task_upid",
    "step_attempts",
    "step_started_at",
    "next_attempt_at",
    "lease_owner",
    "lease_expires_at",
    "request",
)
"""What the lifecycle owns: changed only through its one state-change function (staff reset the status in the
console, which logs it), so the admin shows these and never saves them."""


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("billing_service_id", "client_ref", "plan", "hostname", "vmid", "node", "state")
    list_filter = ("state", "plan", "server")
    search_fields = ("billing_service_id", "client_ref", "hostname")
    exclude = ("password",)
    readonly_fields = LIFECYCLE_FIELDS
    # The action log is read in the staff console (grouped by operation and paged), not as an inline here.


admin.site.register(ServerGroup)
admin.site.register(Node, list_display=("server", "name", "online", "max_memory", "used_memory"))
admin.site.register(
    Template, list_display=("server", "vmid", "node", "os_name", "client_name", "system_disk", "has_cloudinit")
)
admin.site.register(Plan)
admin.site.register(BackupSchedule, list_display=("service", "weekdays", "time_of_day", "last_run_on"))
