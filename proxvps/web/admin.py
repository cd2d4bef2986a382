"""Staff actions on services in the Django admin, until the staff area of the web app replaces it (SPEC S6, S18).

The inventory's ServiceAdmin shows services; this subclass, registered in its place, adds what staff do with one
whose terminate the worker could not finish: retry it, mark it removed, or delete its record only. Each asks for a
confirmation page that says what it does. The admin's generic delete is turned off for services: it would skip the
checks and the address release `proxvps.lifecycle.staff.delete_record` makes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from proxvps.inventory.admin import ServiceAdmin
from proxvps.inventory.models import Service
from proxvps.lifecycle import staff
from proxvps.lifecycle.requests import OrderRefused

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise  # the stubs' type of a lazy translation


@dataclass(frozen=True)
class StaffAction:
    """A staff action: its name (the admin action's), its title, what its confirmation page says, and the function
    that does it to one service."""

    name: str
    title: _StrPromise
    explanation: _StrPromise
    apply: Callable[[Service, str], object]


RETRY_TERMINATE = StaffAction(
    "retry_terminate",
    _("Reset status to terminate (retry)"),
    _(
        "The terminate runs again from its first step: the VM is shut down (and forced off if it ignores that), its "
        "backups, snapshots, DNS records and firewall objects are removed, the VM is deleted, then its addresses and "
        "VMID are freed. Use it once the cause of the failure shown in the service's log is fixed. A terminate "
        "already running is left as it is."
    ),
    staff.retry_terminate,
)
MARK_REMOVED = StaffAction(
    "mark_removed",
    _("Reset status to remove (force-mark)"),
    _(
        "The services are marked removed and their addresses and VMIDs are freed for new orders. Proxmox is not "
        "touched: a VM that still exists keeps running, with addresses that may be given to another client. Use it "
        "when the VM was deleted by hand."
    ),
    staff.mark_removed,
)
DELETE_RECORD = StaffAction(
    "delete_record",
    _("Delete record only"),
    _(
        "Only the records are deleted, with their action log and usage figures; their addresses go back to the "
        "pools. Proxmox is not touched: VMs, backups and snapshots stay as they are. Only services that are "
        "removed, or whose terminate failed, can be deleted."
    ),
    staff.delete_record,
)


def _confirm_or_apply(
    modeladmin: admin.ModelAdmin,  # type: ignore[type-arg]
    request: HttpRequest,
    queryset: QuerySet[Service],
    action: StaffAction,
) -> HttpResponse | None:
    """The confirmation page; once confirmed, the action on each service, with one message per refusal."""
    if request.POST.get("post") != "yes":
        context = {
            **modeladmin.admin_site.each_context(request),
            "title": action.title,
            "explanation": action.explanation,
            "services": list(queryset),
            "action": action.name,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "opts": modeladmin.model._meta,
            "media": modeladmin.media,
        }
        return TemplateResponse(request, "web/service_action_confirm.html", context)
    done = 0
    for service in queryset:
        try:
            action.apply(service, request.user.get_username())
        except OrderRefused as refusal:
            modeladmin.message_user(request, str(refusal), messages.ERROR)
        else:
            done += 1
    if done:
        modeladmin.message_user(
            request, _("%(action)s: done for %(count)d services.") % {"action": action.title, "count": done}
        )
    return None


@admin.action(description=RETRY_TERMINATE.title, permissions=["change"])
def retry_terminate(
    modeladmin: admin.ModelAdmin,  # type: ignore[type-arg]
    request: HttpRequest,
    queryset: QuerySet[Service],
) -> HttpResponse | None:
    return _confirm_or_apply(modeladmin, request, queryset, RETRY_TERMINATE)


@admin.action(description=MARK_REMOVED.title, permissions=["change"])
def mark_removed(
    modeladmin: admin.ModelAdmin,  # type: ignore[type-arg]
    request: HttpRequest,
    queryset: QuerySet[Service],
) -> HttpResponse | None:
    return _confirm_or_apply(modeladmin, request, queryset, MARK_REMOVED)


@admin.action(description=DELETE_RECORD.title, permissions=["delete_record"])
def delete_record(
    modeladmin: admin.ModelAdmin,  # type: ignore[type-arg]
    request: HttpRequest,
    queryset: QuerySet[Service],
) -> HttpResponse | None:
    return _confirm_or_apply(modeladmin, request, queryset, DELETE_RECORD)


admin.site.unregister(Service)


@admin.register(Service)
class StaffServiceAdmin(ServiceAdmin):
    actions = [retry_terminate, mark_removed, delete_record]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_record_permission(self, request: HttpRequest) -> bool:
        """Staff who may delete services may delete a record, through its action and its checks."""
        return super().has_delete_permission(request)
