"""A server's connection settings are checked before they are saved."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from proxvps.inventory.models import Server

PIN = ":".join(["AB"] * 32)


def _server(**changes: object) -> Server:
    fields: dict[str, object] = {
        "name": "pve",
        "url": "https://pve.example.com:8006/",
        "token_id": "root@pam!proxvps",
        "token_secret": "s",
    }
    fields.update(changes)
    return Server(**fields)


def test_a_good_server_is_normalised() -> None:
    server = _server(fingerprint=PIN.lower().replace(":", ""))
    server.clean()
    assert server.url == "https://pve.example.com:8006"
    assert server.fingerprint == PIN


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"url": "http://pve.example.com:8006"}, "url"),
        ({"token_id": "root@pam"}, "token_id"),
        ({"fingerprint": "AB:CD"}, "fingerprint"),
        ({"fingerprint": PIN, "ca_file": "/etc/pve/pve-root-ca.pem"}, "fingerprint"),
    ],
    ids=["plain-http", "token-without-name", "short-fingerprint", "both-ca-and-pin"],
)
def test_a_bad_server_is_refused_naming_the_field(changes: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        _server(**changes).clean()
    assert field in caught.value.message_dict
