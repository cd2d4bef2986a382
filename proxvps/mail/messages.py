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


def _access_lines(addresses: Sequence[str], username: str, password: str) -> list[str]:
    return [
        _("IP addresses: %(addresses)s") % {"addresses": ", ".join(addresses) or _("assigned by DHCP")},
        _("User: %(user)s") % {"user": username},
        _("Password: %(password)s") % {"password": password},
    ]


def send_vm_ready(to: str, *, key: str, hostname: str, addresses: Sequence[str], username: str, password: str) -> None:
    """When the VM runs (after a deploy or a reinstall): how to reach it.

    Placeholder until the mail engineer's version is merged: that one sends once per `key`; this one ignores it."""
    lines = [
        _("Your server %(hostname)s is ready.") % {"hostname": hostname},
        "",
        *_access_lines(addresses, username, password),
    ]
    send_mail(
        _("Your server %(hostname)s is ready") % {"hostname": hostname},
        "\n".join(lines),
        settings.DEFAULT_FROM_EMAIL,
        [to],
    )


def send_password_reset(
    to: str, *, key: str, hostname: str, addresses: Sequence[str], username: str, password: str
) -> None:
    """After a password reset, once the VM runs again with the new password (SPEC S10).

    Placeholder until the mail engineer's version is merged: that one sends once per `key`; this one ignores it."""
    lines = [
        _("The password of your server %(hostname)s was reset.") % {"hostname": hostname},
        "",
        *_access_lines(addresses, username, password),
    ]
    send_mail(
        _("New password for your server %(hostname)s") % {"hostname": hostname},
        "\n".join(lines),
        settings.DEFAULT_FROM_EMAIL,
        [to],
    )
