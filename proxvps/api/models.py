"""API tokens: stored hashed, each with one scope.

A token is shown once, when it is made; the database keeps its first characters (to find the row) and a SHA-256
of the whole (to check it). Tokens are long random strings, so a plain fast hash is the right tool here: there is
nothing to brute-force that a slow password hash would protect.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

TOKEN_PREFIX = "pvx_"
LOOKUP_LENGTH = 8


class TokenScope(models.TextChoices):
    BILLING = "billing", _("Billing system")
    STAFF_READ = "staff_read", _("Staff, read only")
    STAFF_WRITE = "staff_write", _("Staff, read and write")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ApiToken(models.Model):
    name = models.CharField(_("name"), max_length=100)
    scope = models.CharField(_("scope"), max_length=20, choices=TokenScope.choices)
    lookup = models.CharField(max_length=LOOKUP_LENGTH, unique=True, editable=False)
    digest = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked = models.BooleanField(_("revoked"), default=False)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_scope_display()})"

    @classmethod
    def issue(cls, name: str, scope: str) -> tuple[ApiToken, str]:
        """A new token row and the token itself, which is never stored and cannot be shown again."""
        while True:
            lookup = secrets.token_hex(LOOKUP_LENGTH // 2)
            if not cls.objects.filter(lookup=lookup).exists():
                break
        token = f"{TOKEN_PREFIX}{lookup}_{secrets.token_urlsafe(32)}"
        row = cls.objects.create(name=name, scope=scope, lookup=lookup, digest=_digest(token))
        return row, token

    @classmethod
    def authenticate(cls, token: str) -> ApiToken | None:
        """The live token row this string proves, or None."""
        if not token.startswith(TOKEN_PREFIX):
            return None
        lookup = token[len(TOKEN_PREFIX) : len(TOKEN_PREFIX) + LOOKUP_LENGTH]
        row = cls.objects.filter(lookup=lookup, revoked=False).first()
        if row is None or not hmac.compare_digest(row.digest, _digest(token)):
            return None
        cls.objects.filter(pk=row.pk).update(last_used_at=timezone.now())
        return row
