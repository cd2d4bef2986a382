"""Staff's mail templates: an edited template is what the client gets, a broken one is refused by the admin form and
nothing is saved, the admin starts a new template from the event's default, and a reset brings the default back.
The outbox admin never shows a body."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from proxvps.mail.messages import send_vm_ready, send_welcome
from proxvps.mail.models import MailTemplate, OutboxMessage

pytestmark = pytest.mark.django_db

PASSWORD = "Kd83nfQp20xZ"


def _vm_ready(key: str = "vm_ready:1") -> None:
    send_vm_ready(
        "client@example.com",
        key=key,
        hostname="vps1.example.com",
        addresses=["192.0.2.10"],
        username="root",
        password=PASSWORD,
    )


def test_a_template_edited_in_the_database_is_used(django_capture_on_commit_callbacks) -> None:
    MailTemplate.objects.create(
        event="vm_ready",
        subject="{{ hostname }}\n is up",
        body="Log in to {{ addresses|first }} as {{ username }} with {{ password }}.",
    )
    with django_capture_on_commit_callbacks(execute=True):
        _vm_ready()
        send_welcome("client@example.com", key="welcome:1", hostname="vps1.example.com")
    ready, welcome = mail.outbox
    assert ready.subject == "vps1.example.com is up", "a subject is one line"
    assert ready.body == f"Log in to 192.0.2.10 as root with {PASSWORD}."
    assert welcome.subject == "Your server vps1.example.com is being created", "other events keep their default"


def test_a_stored_template_that_does_not_render_falls_back_to_the_default(
    django_capture_on_commit_callbacks, caplog: pytest.LogCaptureFixture
) -> None:
    MailTemplate.objects.create(event="vm_ready", subject="{% if %}", body="{{ password }}")
    with django_capture_on_commit_callbacks(execute=True):
        _vm_ready()
    assert mail.outbox[0].subject == "Your server vps1.example.com is ready"
    assert f"Password: {PASSWORD}" in mail.outbox[0].body
    assert "vm_ready does not render" in caplog.text
    assert PASSWORD not in caplog.text


def _form(
    event: str = "vm_ready", subject: str = "Ready: {{ hostname }}", body: str = "{{ password }}"
) -> dict[str, str]:
    return {"event": event, "subject": subject, "body": body}


@pytest.mark.parametrize(
    ("field", "text", "reason"),
    [
        ("body", "Hello {% if password %}{{ password }}", "Unclosed tag on line 1: 'if'"),
        ("subject", "Ready: {{ hostname|nosuchfilter }}", "Invalid filter: 'nosuchfilter'"),
        ("body", "{% include 'secrets.txt' %}", "secrets.txt"),
    ],
    ids=["unclosed-tag", "unknown-filter", "include"],
)
def test_a_broken_template_is_refused_by_the_admin_form_and_nothing_is_saved(
    admin_client, field: str, text: str, reason: str
) -> None:
    answer = admin_client.post(reverse("admin:mail_mailtemplate_add"), _form(**{field: text}))
    assert answer.status_code == 200
    errors = answer.context["adminform"].form.errors
    assert list(errors) == [field]
    assert errors[field][0].startswith("This template cannot be used: ")
    assert reason in errors[field][0]
    assert not MailTemplate.objects.exists()


def test_a_broken_edit_leaves_the_stored_template_as_it_was(admin_client) -> None:
    row = MailTemplate.objects.create(event="welcome", subject="Hi {{ hostname }}", body="Soon.")
    url = reverse("admin:mail_mailtemplate_change", args=[row.pk])
    answer = admin_client.post(url, _form(event="welcome", subject="Hi {% endif %}", body="Later."))
    assert answer.status_code == 200
    assert "subject" in answer.context["adminform"].form.errors
    row.refresh_from_db()
    assert (row.subject, row.body) == ("Hi {{ hostname }}", "Soon.")


def test_a_good_template_is_saved_through_the_admin(admin_client) -> None:
    answer = admin_client.post(reverse("admin:mail_mailtemplate_add"), _form())
    assert answer.status_code == 302
    assert MailTemplate.objects.get().subject == "Ready: {{ hostname }}"


def test_a_new_template_starts_from_the_default_of_its_event(admin_client) -> None:
    MailTemplate.objects.create(event="welcome", subject="s", body="b")
    first_free = admin_client.get(reverse("admin:mail_mailtemplate_add"))
    form = first_free.context["adminform"].form
    assert form.initial["event"] == "vm_ready", "the first event without a template"
    assert form.initial["subject"] == "Your server {{ hostname }} is ready"
    assert "Password: {{ password }}" in form.initial["body"]
    assert 'href="?event=password_reset"' in first_free.content.decode()

    chosen = admin_client.get(reverse("admin:mail_mailtemplate_add") + "?event=backup_restored")
    assert "{{ backup }}" in chosen.context["adminform"].form.initial["body"]


def test_resetting_a_template_brings_the_default_back(admin_client, django_capture_on_commit_callbacks) -> None:
    row = MailTemplate.objects.create(event="vm_ready", subject="Custom", body="Custom body")
    answer = admin_client.post(
        reverse("admin:mail_mailtemplate_changelist"), {"action": "reset_to_default", "_selected_action": [row.pk]}
    )
    assert answer.status_code == 302
    assert not MailTemplate.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        _vm_ready()
    assert mail.outbox[0].subject == "Your server vps1.example.com is ready"


def test_the_outbox_admin_lists_messages_without_their_body(admin_client, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _vm_ready()
    message = OutboxMessage.objects.get()
    listing = admin_client.get(reverse("admin:mail_outboxmessage_changelist"))
    assert listing.status_code == 200
    assert "vm_ready:1" in listing.content.decode()
    assert PASSWORD not in listing.content.decode()
    detail = admin_client.get(reverse("admin:mail_outboxmessage_change", args=[message.pk]))
    assert detail.status_code == 200
    assert "client@example.com" in detail.content.decode()
    assert PASSWORD not in detail.content.decode()
    assert admin_client.get(reverse("admin:mail_outboxmessage_add")).status_code == 403
    assert admin_client.post(reverse("admin:mail_outboxmessage_delete", args=[message.pk])).status_code == 403
    assert OutboxMessage.objects.filter(pk=message.pk).exists()
