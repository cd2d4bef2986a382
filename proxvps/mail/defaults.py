"""The default text of each event's mail, and the variables its template gets.

The defaults are gettext strings in Django template language, so they are translated like every other text and
rendered like staff's own versions (see rendering). They apply while an event has no MailTemplate row.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from proxvps.mail.models import MailEvent


@dataclass(frozen=True)
class EventMail:
    """An event's default subject and body, and an example of every variable its template gets (the admin form
    renders a template with them to find its errors before it is saved)."""

    subject: Promise
    body: Promise
    example: Mapping[str, object]


ACCESS_EXAMPLE: Mapping[str, object] = {
    "hostname": "vps-77-5546.example.com",
    "addresses": ["192.0.2.10", "2001:db8::10"],
    "username": "root",
    "password": "s3cret-example",
}

DEFAULTS: Mapping[str, EventMail] = {
    MailEvent.WELCOME: EventMail(
        subject=_("Your server {{ hostname }} is being created"),
        body=_(
            "We are setting up your server {{ hostname }}. You will get its access details in another message as "
            "soon as it is running.\n"
        ),
        example={"hostname": ACCESS_EXAMPLE["hostname"]},
    ),
    MailEvent.VM_READY: EventMail(
        subject=_("Your server {{ hostname }} is ready"),
        body=_(
            "Your server {{ hostname }} is ready.\n"
            "\n"
            'IP addresses: {{ addresses|join:", "|default:"assigned by DHCP" }}\n'
            "User: {{ username }}\n"
            "Password: {{ password }}\n"
        ),
        example=ACCESS_EXAMPLE,
    ),
    MailEvent.BACKUP_RESTORED: EventMail(
        subject=_("Your server {{ hostname }} was restored from a backup"),
        body=_("Your server {{ hostname }} was restored from the backup {{ backup }} and is running again.\n"),
        example={"hostname": ACCESS_EXAMPLE["hostname"], "backup": "vzdump-qemu-101-2025_01_31-03_00_00.vma.zst"},
    ),
    MailEvent.PASSWORD_RESET: EventMail(
        subject=_("The password of your server {{ hostname }} was reset"),
        body=_(
            "The password of your server {{ hostname }} was reset and the server is running again.\n"
            "\n"
            'IP addresses: {{ addresses|join:", "|default:"assigned by DHCP" }}\n'
            "User: {{ username }}\n"
            "Password: {{ password }}\n"
        ),
        example=ACCESS_EXAMPLE,
    ),
}
