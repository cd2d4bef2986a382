"""The four client mails of SPEC S19 go out exactly once per key, after the caller's transaction commits, with the
values they were given; the outbox keeps the body encrypted."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import connection, transaction

from proxvps.mail.messages import send_backup_restored, send_password_reset, send_vm_ready, send_welcome
from proxvps.mail.models import OutboxMessage
from proxvps.mail.outbox import deliver_pending

pytestmark = pytest.mark.django_db

TO = "client@example.com"
HOSTNAME = "vps-77-5546.example.com"
ADDRESSES = ["192.0.2.10", "2001:db8::10"]
PASSWORD = "Xq7&<pw>9Lm2"
"""A password with characters HTML would escape: mails are plain text and must carry it as it is."""


def _welcome(key: str) -> None:
    send_welcome(TO, key=key, hostname=HOSTNAME)


def _vm_ready(key: str) -> None:
    send_vm_ready(TO, key=key, hostname=HOSTNAME, addresses=ADDRESSES, username="root", password=PASSWORD)


def _backup_restored(key: str) -> None:
    send_backup_restored(TO, key=key, hostname=HOSTNAME, backup="vzdump-qemu-101-2025_01_31-03_00_00.vma.zst")


def _password_reset(key: str) -> None:
    send_password_reset(TO, key=key, hostname=HOSTNAME, addresses=ADDRESSES, username="admin", password=PASSWORD)


MAILS = {
    "welcome": (_welcome, f"Your server {HOSTNAME} is being created", ["We are setting up"]),
    "vm_ready": (
        _vm_ready,
        f"Your server {HOSTNAME} is ready",
        ["IP addresses: 192.0.2.10, 2001:db8::10", "User: root", f"Password: {PASSWORD}"],
    ),
    "backup_restored": (
        _backup_restored,
        f"Your server {HOSTNAME} was restored from a backup",
        ["from the backup vzdump-qemu-101-2025_01_31-03_00_00.vma.zst"],
    ),
    "password_reset": (
        _password_reset,
        f"The password of your server {HOSTNAME} was reset",
        ["IP addresses: 192.0.2.10, 2001:db8::10", "User: admin", f"Password: {PASSWORD}"],
    ),
}


@pytest.mark.parametrize("event", list(MAILS))
def test_each_mail_goes_out_once_per_key_with_its_values(event: str, django_capture_on_commit_callbacks) -> None:
    send, subject, lines = MAILS[event]
    with django_capture_on_commit_callbacks(execute=True):
        send(f"{event}:1")
        send(f"{event}:1")
    with django_capture_on_commit_callbacks(execute=True):
        send(f"{event}:1")

    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == [TO]
    assert sent.subject == subject
    assert HOSTNAME in sent.body
    for line in lines:
        assert line in sent.body
    row = OutboxMessage.objects.get()
    assert (row.key, row.event, row.recipient, row.attempts, row.last_error) == (f"{event}:1", event, TO, 1, "")
    assert row.sent_at is not None
    assert deliver_pending() == 0
    assert len(mail.outbox) == 1


def test_the_same_event_under_another_key_is_another_mail(django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _vm_ready("vm_ready:1")
        _vm_ready("vm_ready:2")
    assert len(mail.outbox) == 2
    assert OutboxMessage.objects.count() == 2


def test_a_vm_without_static_addresses_is_told_they_come_from_dhcp(django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        send_vm_ready(TO, key="vm_ready:1", hostname=HOSTNAME, addresses=[], username="root", password=PASSWORD)
    assert "IP addresses: assigned by DHCP" in mail.outbox[0].body


def test_nothing_is_sent_before_the_transaction_commits(django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _welcome("welcome:1")
        assert mail.outbox == []
    assert mail.outbox == []
    assert len(callbacks) == 1
    callbacks[0]()
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_sends_nothing_and_keeps_nothing() -> None:
    def order_that_fails_after_queueing_its_mail() -> None:
        with transaction.atomic():
            _vm_ready("vm_ready:1")
            raise RuntimeError("the order failed after the mail was queued")

    with pytest.raises(RuntimeError):
        order_that_fails_after_queueing_its_mail()
    assert mail.outbox == []
    assert not OutboxMessage.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_mail_goes_out_at_once() -> None:
    _vm_ready("vm_ready:1")
    _vm_ready("vm_ready:1")
    assert len(mail.outbox) == 1


def test_the_body_is_encrypted_at_rest(django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _vm_ready("vm_ready:1")
    with connection.cursor() as cursor:
        cursor.execute("SELECT body FROM mail_outboxmessage")
        (stored,) = cursor.fetchone()
    assert stored.startswith("fernet:")
    assert PASSWORD not in stored
    assert PASSWORD in OutboxMessage.objects.get().body
