"""Secrets at rest: Proxmox token secrets, DNS provider keys, VM passwords.

Values are sealed with Fernet (AES-128-CBC + HMAC-SHA256, from `cryptography`) under the installation's keys.
`PROXVPS_ENCRYPTION_KEYS` lists Fernet keys newest first, so a key can be rotated by prepending a new one; when it
is unset the key is derived from the Django secret key with HKDF, so a demo needs no configuration.
"""

from __future__ import annotations

import base64
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from proxvps import redaction

PREFIX = "fernet:"


class DecryptionError(Exception):
    """A stored secret could not be opened with any configured key."""


def derive_key(secret_key: str) -> bytes:
    """A Fernet key derived from the Django secret key (HKDF-SHA256, a fixed context label)."""
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"proxvps secrets at rest").derive(
        secret_key.encode()
    )
    return base64.urlsafe_b64encode(raw)


@lru_cache(maxsize=1)
def _fernet() -> MultiFernet:
    keys = list(settings.ENCRYPTION_KEYS) or [derive_key(settings.SECRET_KEY).decode()]
    return MultiFernet([Fernet(k.encode()) for k in keys])


def encrypt(plaintext: str) -> str:
    """The sealed form stored in the database."""
    return PREFIX + _fernet().encrypt(plaintext.encode()).decode()


def decrypt(stored: str) -> str:
    """The plaintext of a sealed value; remembered by the log redactor."""
    if not stored.startswith(PREFIX):
        raise DecryptionError(str(_("The stored secret is not in the encrypted format.")))
    try:
        value = _fernet().decrypt(stored[len(PREFIX) :].encode()).decode()
    except InvalidToken:
        raise DecryptionError(str(_("The stored secret cannot be decrypted with the configured keys."))) from None
    redaction.remember(value)
    return value


class EncryptedTextField(models.TextField):  # type: ignore[type-arg]
    """A text column whose value is encrypted before it reaches the database.

    The Python value is the plaintext; the column holds `fernet:<token>`. An empty string stays empty so "no
    secret set" is visible without decrypting anything.
    """

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if not value:
            return value
        return decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if not value:
            return value
        return encrypt(str(value))
