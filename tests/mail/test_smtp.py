"""Delivery through a real SMTP server on loopback: a mail arrives once; with the server down it stays in the outbox
with the reason, and goes out once when the server is back and the worker delivers again."""

from __future__ import annotations

import logging

import pytest

from proxvps.mail.messages import send_password_reset, send_vm_ready
from proxvps.mail.models import OutboxMessage
from proxvps.mail.outbox import deliver_pending
from tests.mail.conftest import SmtpServer

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "Kd83nfQp20xZ"


def _vm_ready(key: str = "vm_ready:1") -> None:
    send_vm_ready(
        "client@example.com",
        key=key,
        hostname="vps-77-5546.example.com",
        addresses=["192.0.2.10"],
        username="root",
        password=PASSWORD,
    )


def test_a_mail_arrives_once_at_a_real_smtp_server(smtp_server: SmtpServer, settings) -> None:
    settings.DEFAULT_FROM_EMAIL = "billing@provider.example"
    _vm_ready()
    _vm_ready()
    assert deliver_pending() == 0

    assert len(smtp_server.inbox.received) == 1
    received = smtp_server.inbox.received[0]
    assert received.recipients == ["client@example.com"]
    assert received.message["From"] == "billing@provider.example"
    assert received.subject == "Your server vps-77-5546.example.com is ready"
    assert "IP addresses: 192.0.2.10" in received.body
    assert f"Password: {PASSWORD}" in received.body
    assert OutboxMessage.objects.get().sent_at is not None


def test_a_mail_waits_while_the_server_is_down_and_goes_out_once_when_it_is_back(
    smtp_down: SmtpServer, settings, caplog: pytest.LogCaptureFixture
) -> None:
    settings.PROXVPS_RETRY_SECONDS = 0
    with caplog.at_level(logging.WARNING, logger="proxvps.mail"):
        _vm_ready()
    pending = OutboxMessage.objects.get()
    assert pending.sent_at is None
    assert pending.attempts == 1
    assert "refused" in pending.last_error.lower()
    assert PASSWORD not in caplog.text, "a body is never logged"
    assert "vm_ready:1" in caplog.text

    assert deliver_pending() == 0, "still down"
    assert OutboxMessage.objects.get().attempts == 2

    smtp_down.start()
    assert deliver_pending() == 1
    assert deliver_pending() == 0
    assert len(smtp_down.inbox.received) == 1
    assert f"Password: {PASSWORD}" in smtp_down.inbox.received[0].body
    sent = OutboxMessage.objects.get()
    assert sent.sent_at is not None
    assert (sent.attempts, sent.last_error) == (3, "")


def test_a_failed_mail_is_not_tried_again_before_the_retry_delay(smtp_down: SmtpServer, settings) -> None:
    settings.PROXVPS_RETRY_SECONDS = 3600
    _vm_ready()
    smtp_down.start()
    assert deliver_pending() == 0
    assert smtp_down.inbox.received == []
    assert OutboxMessage.objects.get().attempts == 1


def test_messages_queued_while_the_server_was_down_all_go_out_in_one_pass(smtp_down: SmtpServer, settings) -> None:
    settings.PROXVPS_RETRY_SECONDS = 0
    for n in range(3):
        _vm_ready(f"vm_ready:{n}")
    send_password_reset(
        "other@example.com", key="password_reset:9", hostname="h", addresses=[], username="root", password="x" * 12
    )
    assert OutboxMessage.objects.filter(sent_at__isnull=True).count() == 4

    smtp_down.start()
    assert deliver_pending() == 4
    assert sorted(r.recipients[0] for r in smtp_down.inbox.received) == ["client@example.com"] * 3 + [
        "other@example.com"
    ]
    assert not OutboxMessage.objects.filter(sent_at__isnull=True).exists()


def test_a_mail_the_server_refuses_does_not_hold_the_others_back(smtp_down: SmtpServer, settings) -> None:
    settings.PROXVPS_RETRY_SECONDS = 0
    smtp_down.inbox.refused.add("gone@example.com")
    send_password_reset(
        "gone@example.com", key="password_reset:1", hostname="h", addresses=[], username="root", password="x" * 12
    )
    _vm_ready("vm_ready:2")
    smtp_down.start()

    assert deliver_pending() == 0, "the refusal ends the pass: the server may be failing"
    assert "No such mailbox" in OutboxMessage.objects.get(key="password_reset:1").last_error
    assert deliver_pending() == 1, "the next pass tries the others first"
    assert [r.recipients for r in smtp_down.inbox.received] == [["client@example.com"]]
    refused = OutboxMessage.objects.get(key="password_reset:1")
    assert refused.sent_at is None
    assert refused.attempts == 3
