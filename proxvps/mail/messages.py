"""The mails a client gets about a service (SPEC S19), each sent exactly once per key.

This adapter knows nothing of the other apps' models: callers pass plain values and a key that names the event
(`vm_ready:<service id>`) and the id of the service's plan, whose own template wins over the shared one. Each
function renders the event's template (staff's, or the default) and puts the mail
in the outbox in the caller's transaction; calling it again with the same key does nothing. The mail goes out
once that transaction commits (see outbox).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from proxvps.mail import outbox, rendering
from proxvps.mail.models import MailEvent


def _queue(event: MailEvent, to: str, key: str, context: Mapping[str, object], plan: int | None) -> None:
    subject, body = rendering.render(event, context, plan)
    outbox.enqueue(key=key, event=event, recipient=to, subject=subject, body=body)


def send_welcome(to: str, *, key: str, hostname: str, plan: int | None = None) -> None:
    """At order time: the server is being created."""
    _queue(MailEvent.WELCOME, to, key, {"hostname": hostname}, plan)


def send_vm_ready(
    to: str,
    *,
    key: str,
    hostname: str,
    addresses: Sequence[str],
    username: str,
    password: str,
    plan: int | None = None,
) -> None:
    """When the VM runs: how to reach it."""
    context = {"hostname": hostname, "addresses": list(addresses), "username": username, "password": password}
    _queue(MailEvent.VM_READY, to, key, context, plan)


def send_backup_restored(to: str, *, key: str, hostname: str, backup: str, plan: int | None = None) -> None:
    """After a restore, once the VM runs again (SPEC S9)."""
    _queue(MailEvent.BACKUP_RESTORED, to, key, {"hostname": hostname, "backup": backup}, plan)


def send_password_reset(
    to: str,
    *,
    key: str,
    hostname: str,
    addresses: Sequence[str],
    username: str,
    password: str,
    plan: int | None = None,
) -> None:
    """After a password reset, once the VM runs again with the new password (SPEC S10)."""
    context = {"hostname": hostname, "addresses": list(addresses), "username": username, "password": password}
    _queue(MailEvent.PASSWORD_RESET, to, key, context, plan)
