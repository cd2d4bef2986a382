"""The mail app: the client mails' templates and the outbox that sends each of them exactly once (SPEC S19)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MailConfig(AppConfig):
    name = "proxvps.mail"
    verbose_name = _("Mail")
