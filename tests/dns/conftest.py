"""Fixtures of the DNS adapter tests: zones on the real PowerDNS server, and the Cloudflare and HestiaCP fakes."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator

import pytest

from proxvps.dns import ZoneSettings
from tests.dns.fakes import FakeCloudflare, FakeHestia
from tests.dns.powerdns_server import PowerDnsServer

HESTIA_ACCESS = "A" * 20
HESTIA_SECRET = "s3cr3t-" + "x" * 33


@pytest.fixture
def pdns_zone(powerdns: PowerDnsServer) -> Iterator[Callable[[str], str]]:
    """Makes zones with a unique name (`<label>-<random>.test`, or a reverse zone as given) on the session's
    server, and deletes them after the test."""
    made: list[str] = []

    def make(name: str) -> str:
        zone = name if name.endswith(".arpa") else f"{name}-{secrets.token_hex(4)}.test"
        powerdns.create_zone(zone)
        made.append(zone)
        return zone

    yield make
    for zone in made:
        powerdns.delete_zone(zone)


def pdns_settings(powerdns: PowerDnsServer, zone: str, **changes: object) -> ZoneSettings:
    from proxvps.dns import normalize_url

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
