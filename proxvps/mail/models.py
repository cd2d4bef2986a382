"""What the mail app keeps: staff's versions of the mail templates, and the outbox.

The outbox is what makes each mail go out exactly once. A caller inserts one row per event under a key it derives
from the event (`vm_ready:<service id>`), in its own transaction; a second insert with the same key does nothing.
Delivery happens after the commit and is claimed row by row with a conditional UPDATE, so neither a step run twice
nor two deliverers at once send a mail twice.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from proxvps.encryption import EncryptedTextField


class MailEvent(models.TextChoices):
    """The events a client gets a mail about."""

    WELCOME = "welcome", _("Welcome (server being created)")
    VM_READY = "vm_ready", _("Server ready")
    BACKUP_RESTORED = "backup_restored", _("Backup restored")
    PASSWORD_RESET = "password_reset", _("Password reset")


class MailTemplate(models.Model):
    """Staff's text for one event's mail, in Django template language: the shared one (no plan), or one plan's own
    (SPEC S19: templates editable per plan). A plan without its own gets the shared one; without that, the default
    in code (translated into the active language). Deleting a row falls back to the next."""

    event = models.CharField(_("event"), max_length=32, choices=MailEvent.choices)
    plan_id = models.PositiveIntegerField(
        _("plan"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("The id of the plan whose clients get this text; empty: every plan without its own."),
    )
    subject = models.CharField(_("subject"), max_length=255)
    body = models.TextField(_("body"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("mail template")
        verbose_name_plural = _("mail templates")
        ordering = ["event", "plan_id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "plan_id"], name="mail_template_one_per_event_and_plan"),
            models.UniqueConstraint(
                fields=["event"], condition=models.Q(plan_id__isnull=True), name="mail_template_one_shared_per_event"
            ),
        ]

    def __str__(self) -> str:
        return str(self.get_event_display())


class OutboxMessage(models.Model):
    """One mail to send, rendered when its event happened. `next_attempt_at` is both the claim and the retry
    delay: a deliverer claims a due row by moving it into the future (None: due now)."""

    key = models.CharField(_("key"), max_length=200, unique=True, help_text=_("One mail per key, ever."))
    event = models.CharField(_("event"), max_length=32, choices=MailEvent.choices)
    recipient = models.EmailField(_("recipient"))
    subject = models.TextField(_("subject"))
    body = EncryptedTextField(_("body"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("delivery attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(
                fields=["next_attempt_at", "created_at"],
                name="mail_outbox_pending",
                condition=models.Q(sent_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return self.key
