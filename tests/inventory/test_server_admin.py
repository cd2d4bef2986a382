"""The server admin shares the write-only secret form with the DNS zones: the token secret is never rendered and
is kept when the field is left empty (SPEC S21)."""

from __future__ import annotations

import pytest

from proxvps.inventory.models import Server

pytestmark = pytest.mark.django_db

SECRET = "0b6e5a1c-token-secret-8d2f"


def test_the_token_secret_is_write_only_in_the_admin(admin_client) -> None:
    server = Server.objects.create(
        name="pve", url="https://pve.example.com:8006", token_id="root@pam!proxvps", token_secret=SECRET
    )
    url = f"/admin/inventory/server/{server.pk}/change/"
    page = admin_client.get(url).content.decode()
    assert SECRET not in page
    assert 'placeholder="(unchanged - enter new to replace)"' in page
    form = {
        "name": "pve",
        "url": "https://pve2.example.com:8006",
        "token_id": "root@pam!proxvps",
        "token_secret": "",
        "ca_file": "",
        "fingerprint": "",
        "connect_timeout": "5",
        "read_timeout": "30",
        "enabled": "on",
    }
    assert admin_client.post(url, form).status_code == 302
    server.refresh_from_db()
    assert (server.url, server.token_secret) == ("https://pve2.example.com:8006", SECRET)
