"""The mails a client gets about a service (SPEC S19), sent through Django's mail framework (SMTP in production).

This adapter knows nothing of our models: callers pass plain values, so the mails can be sent and tested alone.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.core.mail import send_mail
from django.utils.translation import gettext as _


def send_welcome(to: str, *, hostname: str) -> None:
    """At order time: the server is being created."""
    send_mail(
        _("Your server %(hostname)s is being created") % {"hostname": hostname},
        _(
            "We are setting up your server %(hostname)s. You will get its access details in another message "
            "as soon as it is running."
        )
        % {"hostname": hostname},
        settings.DEFAULT_FROM_EMAIL,
        [to],
    )


def send_vm_ready(to: str, *, hostname: str, addresses: Sequence[str], username: str, password: str) -> None:
    """When the VM runs: how to reach it."""
    lines = [
        _("Your server %(hostname)s is ready.") % {"hostname": hostname},
        "",
        _("IP addresses: %(addresses)s") % {"addresses": ", ".join(addresses) or _("assigned by DHCP")},
        _("User: %(user)s") % {"user": username},
        _("Password: %(password)s") % {"password": password},
    ]
    send_mail(
        _("Your server %(hostname)s is ready") % {"hostname": hostname},
        "\n".join(lines),
        settings.DEFAULT_FROM_EMAIL,
        [to],
    )


def send_backup_restored(to: str, *, key: str, hostname: str, backup: str) -> None:
    """After a restore, once the VM runs again (SPEC S9). `key` names the event, so that the mail goes out once.

    Placeholder until the mail app is merged: it replaces this with a once-per-key outbox with this signature."""
    send_mail(
        _("Your server %(hostname)s was restored from a backup") % {"hostname": hostname},
        _("Your server %(hostname)s was restored from the backup %(backup)s and is running again.")
        % {"hostname": hostname, "backup": backup},
        settings.DEFAULT_FROM_EMAIL,
        [to],
    )
