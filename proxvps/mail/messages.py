"""The mails a client gets about a service (SPEC S19), each sent exactly once per key.

This adapter knows nothing of the other apps' models: callers pass plain values and a key that names the event
(`vm_ready:<service id>`). Each function renders the event's template (staff's, or the default) and puts the mail
in the outbox in the caller's transaction; calling it again with the same key does nothing. The mail goes out
once that transaction commits (see outbox).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from proxvps.mail import outbox, rendering
from proxvps.mail.models import MailEvent


def _queue(event: MailEvent, to: str, key: str, context: Mapping[str, object]) -> None:
    subject, body = rendering.render(event, context)
    outbox.enqueue(key=key, event=event, recipient=to, subject=subject, body=body)


def send_welcome(to: str, *, key: str, hostname: str) -> None:
    """At order time: the server is being created."""
    _queue(MailEvent.WELCOME, to, key, {"hostname": hostname})


def send_vm_ready(to: str, *, key: str, hostname: str, addresses: Sequence[str], username: str, password: str) -> None:
    """When the VM runs: how to reach it."""
    context = {"hostname": hostname, "addresses": list(addresses), "username": username, "password": password}
    _queue(MailEvent.VM_READY, to, key, context)


def send_backup_restored(to: str, *, key: str, hostname: str, backup: str) -> None:
    """After a restore, once the VM runs again (SPEC S9)."""
    _queue(MailEvent.BACKUP_RESTORED, to, key, {"hostname": hostname, "backup": backup})


def send_password_reset(
    to: str, *, key: str, hostname: str, addresses: Sequence[str], username: str, password: str
) -> None:
    """After a password reset, once the VM runs again with the new password (SPEC S10)."""
    context = {"hostname": hostname, "addresses": list(addresses), "username": username, "password": password}
    _queue(MailEvent.PASSWORD_RESET, to, key, context)
