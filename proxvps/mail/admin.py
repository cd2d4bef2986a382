"""The Django admin for mail: staff edit each event's template, and read the outbox.

A template is checked before it is saved: one that does not compile, or does not render with an example of the
event's values, is refused with the template engine's reason. The outbox is read-only and never shows a body:
bodies carry VM passwords.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from proxvps.mail.defaults import DEFAULTS
from proxvps.mail.models import MailEvent, MailTemplate, OutboxMessage
from proxvps.mail.rendering import template_error


class MailTemplateForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = MailTemplate
        fields = ("event", "subject", "body")
        widgets = {"body": forms.Textarea(attrs={"rows": 14, "cols": 100})}

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        event = cleaned.get("event")
        if isinstance(event, str) and event in DEFAULTS:
            for name in ("subject", "body"):
                text = cleaned.get(name)
                error = template_error(event, text) if text else None
                if error:
                    self.add_error(name, error)
        return cleaned


@admin.register(MailTemplate)
class MailTemplateAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    form = MailTemplateForm
    list_display = ("event", "plan_id", "subject", "updated_at")
    readonly_fields = ("variables",)
    actions = ("reset_to_default",)

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        """A new template starts as the default text of its event: the one named by `?event=`, else the first
        event that has no template yet."""
        taken = set(MailTemplate.objects.filter(plan_id__isnull=True).values_list("event", flat=True))
        wanted = request.GET.get("event", "")
        event = wanted if wanted in DEFAULTS else next((e for e in MailEvent.values if e not in taken), None)
        if event is None:
            return {}
        default = DEFAULTS[event]
        return {"event": event, "subject": str(default.subject), "body": str(default.body)}

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is None:
            taken = set(MailTemplate.objects.filter(plan_id__isnull=True).values_list("event", flat=True))
            links = format_html_join(
                ", ", '<a href="?event={}">{}</a>', ((e.value, e.label) for e in MailEvent if e.value not in taken)
            )
            if links:
                form.base_fields["event"].help_text = format_html("{} {}", _("Start from the default text of:"), links)
        return form

    @admin.display(description=gettext_lazy("variables"))
    def variables(self, obj: MailTemplate | None) -> str:
        """The variables each event's template gets, as an example of their values."""
        events = [obj.event] if obj is not None and obj.event else list(MailEvent.values)
        return format_html_join(
            "",
            "<p><strong>{}</strong>: {}</p>",
            (
                (
                    MailEvent(e).label,
                    ", ".join(f"{{{{ {name} }}}} = {value!r}" for name, value in DEFAULTS[e].example.items()),
                )
                for e in events
            ),
        )

    @admin.action(description=gettext_lazy("Reset to the default text"))
    def reset_to_default(self, request: HttpRequest, queryset: QuerySet[MailTemplate]) -> None:
        """Deleting an event's template is what resets it: without a row the default (translated) applies."""
        count, _deleted = queryset.delete()
        self.message_user(
            request, _("%(count)d template(s) reset to the default text.") % {"count": count}, messages.SUCCESS
        )


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """The outbox, read-only: what was sent, what waits and why. The body is never shown."""

    list_display = ("key", "event", "recipient", "subject", "created_at", "sent_at", "attempts", "last_error")
    list_filter = ("event", ("sent_at", admin.EmptyFieldListFilter))
    search_fields = ("key", "recipient")
    fields = ("key", "event", "recipient", "subject", "created_at", "sent_at", "attempts", "last_error")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
