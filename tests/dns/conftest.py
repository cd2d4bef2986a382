"""Fixtures of the DNS adapter tests: the Cloudflare and HestiaCP fakes, and settings for the real PowerDNS server
(the `powerdns` and `pdns_zone` fixtures are in tests/conftest.py: the lifecycle tests use them too)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest

from proxvps.dns import ZoneSettings, normalize_url
from tests.dns.fakes import FakeCloudflare, FakeHestia
from tests.dns.powerdns_server import PowerDnsServer

HESTIA_ACCESS = "A" * 20
HESTIA_SECRET = "s3cr3t-" + "x" * 33


def pdns_settings(powerdns: PowerDnsServer, zone: str, **changes: object) -> ZoneSettings:
    values: dict[str, object] = {
        "provider": "powerdns",
        "zone": zone,
        "url": normalize_url("powerdns", powerdns.url),
        "credentials": powerdns.api_key,
        "ttl": 300,
        "timeout": 5.0,
    }
    values.update(changes)
    return ZoneSettings(**values)  # type: ignore[arg-type]


@pytest.fixture
def cloudflare_fake() -> Iterator[FakeCloudflare]:
    with FakeCloudflare(token="cf-" + secrets.token_hex(16)) as fake:
        yield fake


@pytest.fixture
def hestia_fake() -> Iterator[FakeHestia]:
    with FakeHestia(HESTIA_ACCESS, HESTIA_SECRET) as fake:
        yield fake
