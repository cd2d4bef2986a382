"""DNS zones (SPEC S12): stored in canonical form with the key encrypted, and edited in the admin without the key
ever going back to the browser."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from proxvps.dns import PROVIDERS
from proxvps.ipam.choices import DnsProvider
from proxvps.ipam.models import DnsZone

pytestmark = pytest.mark.django_db

KEY = "pdns-api-key-5f1c9e2b7a"
ADD_URL = "/admin/ipam/dnszone/add/"


def _zone(**fields: object) -> DnsZone:
    values: dict[str, object] = {
        "name": "Example.TEST.",
        "provider": "powerdns",
        "url": "pdns.example.test",
        "credentials": KEY,
    }
    values.update(fields)
    return DnsZone.objects.create(**values)


def _change_url(zone: DnsZone) -> str:
    return f"/admin/ipam/dnszone/{zone.pk}/change/"


def test_the_provider_choices_are_the_adapter_s_providers() -> None:
    assert tuple(DnsProvider.values) == PROVIDERS


def test_a_zone_is_saved_with_its_name_and_url_in_canonical_form_and_its_key_encrypted() -> None:
    zone = _zone()
    zone.refresh_from_db()
    assert (zone.name, zone.url, zone.credentials) == ("example.test", "http://pdns.example.test:8081/api/v1", KEY)
    with connection.cursor() as cursor:
        cursor.execute("SELECT credentials FROM ipam_dnszone WHERE id = %s", [zone.pk])
        (stored,) = cursor.fetchone()
    assert stored.startswith("fernet:")
    assert KEY not in stored


def test_a_bad_url_or_name_is_refused_naming_the_field_and_nothing_is_saved() -> None:
    with pytest.raises(ValidationError) as raised:
        _zone(url="ftp://pdns.example.test", name="a..b")
    assert raised.value.message_dict == {
        "url": ["Enter a URL such as http://dns.example.com:8081."],
        "name": ["a..b is not a valid DNS name."],
    }
    assert not DnsZone.objects.exists()


def test_the_admin_never_shows_the_key_and_says_it_is_kept(admin_client) -> None:
    zone = _zone()
    for url in (_change_url(zone), "/admin/ipam/dnszone/", f"/admin/ipam/dnszone/{zone.pk}/history/"):
        page = admin_client.get(url)
        assert page.status_code == 200
        assert KEY not in page.content.decode(), url
    change = admin_client.get(_change_url(zone)).content.decode()
    assert 'placeholder="(unchanged - enter new to replace)"' in change
    assert 'type="password"' in change


def _form(zone: DnsZone | None = None, **fields: str) -> dict[str, str]:
    values = {
        "name": "example.test",
        "provider": "powerdns",
        "url": "pdns.example.test",
        "server_id": "",
        "ttl": "3600",
    }
    values["enabled"] = "on"
    values["credentials"] = ""
    values.update(fields)
    return values


def test_an_empty_key_field_keeps_the_stored_key(admin_client) -> None:
    zone = _zone()
    response = admin_client.post(_change_url(zone), _form(ttl="600"))
    assert response.status_code == 302, response.content.decode()
    zone.refresh_from_db()
    assert (zone.ttl, zone.credentials) == (600, KEY)


def test_a_new_key_replaces_the_stored_one(admin_client) -> None:
    zone = _zone()
    response = admin_client.post(_change_url(zone), _form(credentials="a-brand-new-key-123"))
    assert response.status_code == 302
    zone.refresh_from_db()
    assert zone.credentials == "a-brand-new-key-123"


def test_a_new_zone_needs_a_key(admin_client) -> None:
    response = admin_client.post(ADD_URL, _form())
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert not DnsZone.objects.exists()


def test_a_new_zone_is_added_with_its_url_normalised(admin_client) -> None:
    response = admin_client.post(ADD_URL, _form(provider="hestiacp", url="hestia.example.test", credentials=KEY))
    assert response.status_code == 302
    zone = DnsZone.objects.get()
    assert (zone.url, zone.credentials) == ("https://hestia.example.test:8083/api/", KEY)


def test_a_bad_url_in_the_admin_is_one_sentence_and_changes_nothing(admin_client) -> None:
    zone = _zone()
    response = admin_client.post(
        _change_url(zone), _form(url="https://pdns.example.test:99999", credentials="other-key-999")
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Enter a URL such as http://dns.example.com:8081." in page
    assert "other-key-999" not in page
    assert KEY not in page
    zone.refresh_from_db()
    assert (zone.url, zone.credentials) == ("http://pdns.example.test:8081/api/v1", KEY)
