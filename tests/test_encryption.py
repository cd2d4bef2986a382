"""Secrets at rest are sealed in the database and come back as plaintext only in Python."""

from __future__ import annotations

import logging

import pytest
from cryptography.fernet import Fernet
from django.db import connection

from proxvps import encryption, redaction
from proxvps.inventory.models import Server

SECRET = "3f1c2d4e-5b6a-4c7d-8e9f-0a1b2c3d4e5f"


def _raw_column(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])
        return str(cursor.fetchone()[0])


@pytest.mark.django_db
def test_token_secret_is_stored_encrypted_and_read_back_as_plaintext() -> None:
    server = Server.objects.create(
        name="pve", url="https://pve.example.com:8006", token_id="root@pam!proxvps", token_secret=SECRET
    )
    stored = _raw_column("inventory_server", "token_secret", server.pk)
    assert SECRET not in stored
    assert stored.startswith(encryption.PREFIX)
    assert Server.objects.get(pk=server.pk).token_secret == SECRET


def test_a_value_sealed_under_an_old_key_opens_after_rotation(settings) -> None:
    old_key = Fernet.generate_key().decode()
    new_key = Fernet.generate_key().decode()
    settings.ENCRYPTION_KEYS = [old_key]
    encryption._fernet.cache_clear()
    sealed = encryption.encrypt("rotate me please")
    settings.ENCRYPTION_KEYS = [new_key, old_key]
    encryption._fernet.cache_clear()
    try:
        assert encryption.decrypt(sealed) == "rotate me please"
    finally:
        encryption._fernet.cache_clear()


def test_a_value_sealed_under_an_unknown_key_is_refused_with_a_sentence(settings) -> None:
    settings.ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    encryption._fernet.cache_clear()
    sealed = encryption.encrypt("lost")
    settings.ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    encryption._fernet.cache_clear()
    try:
        with pytest.raises(encryption.DecryptionError, match="cannot be decrypted"):
            encryption.decrypt(sealed)
    finally:
        encryption._fernet.cache_clear()


def test_a_decrypted_secret_is_masked_in_any_later_log_line(caplog) -> None:
    plaintext = encryption.decrypt(encryption.encrypt("hunter2-but-longer"))
    logger = logging.getLogger("proxvps.test")
    logger.addFilter(redaction.RedactSecretsFilter())
    try:
        with caplog.at_level(logging.INFO, logger="proxvps.test"):
            logger.info("connecting with %s", plaintext)
    finally:
        logger.filters.clear()
    assert "hunter2-but-longer" not in caplog.text
    assert redaction.MASK in caplog.text


@pytest.mark.parametrize(
    ("line", "secret"),
    [
        ("Authorization: PVEAPIToken=root@pam!ci=aaaa-bbbb-cccc", "aaaa-bbbb-cccc"),
        ("POST /access password=Sup3rS3cret&user=x", "Sup3rS3cret"),
        ("Authorization: Bearer pvx_abcd1234_xyz", "pvx_abcd1234_xyz"),
        ('{"api_key": "k-123456"}', "k-123456"),
    ],
)
def test_secret_shaped_pairs_are_masked(line: str, secret: str) -> None:
    assert secret not in redaction.redact(line)
