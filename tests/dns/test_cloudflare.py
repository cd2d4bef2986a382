"""Cloudflare through the official SDK against a loopback fake of the API v4: the requests are the documented
ones (method, path, Bearer token, JSON body) and the zone ends up as wanted."""

from __future__ import annotations

import pytest

from proxvps.dns import (
    DnsAuthError,
    DnsConnectionError,
    DnsError,
    DnsZoneMissingError,
    RecordSet,
    ZoneSettings,
    connect,
    normalize_url,
    remove,
    sync,
)
from proxvps.domain.reverse import ptr_name
from tests.dns.fakes import Answer, FakeCloudflare

ZONE = "example.test"
HOST = "vps1.example.test"


def _settings(fake: FakeCloudflare, **changes: object) -> ZoneSettings:
    values: dict[str, object] = {
        "provider": "cloudflare",
        "zone": ZONE,
        "url": normalize_url("cloudflare", fake.url),
        "credentials": fake.token,
        "ttl": 300,
        "timeout": 5.0,
    }
    values.update(changes)
    return ZoneSettings(**values)  # type: ignore[arg-type]


def _sync(fake: FakeCloudflare, wanted: list[RecordSet], **changes: object):
    provider = connect(_settings(fake, **changes))
    try:
        return sync(provider, wanted)
    finally:
        provider.close()


def test_records_are_created_with_the_documented_requests(cloudflare_fake: FakeCloudflare) -> None:
    zone_id = cloudflare_fake.add_zone(ZONE)
    result = _sync(
        cloudflare_fake,
        [RecordSet.of(HOST, "A", ["192.0.2.10"], 300), RecordSet.of(HOST, "AAAA", ["2001:0DB8::10"], 300)],
    )
    assert result.error == ""
    assert result.failed == {}
    assert cloudflare_fake.state(zone_id) == {(HOST, "A", "192.0.2.10", 300), (HOST, "AAAA", "2001:db8::10", 300)}

    seen = cloudflare_fake.seen
    assert all(r.headers["authorization"] == f"Bearer {cloudflare_fake.token}" for r in seen)
    lookup = seen[0]
    assert (lookup.method, lookup.path, lookup.query["name"]) == ("GET", "/client/v4/zones", [ZONE])
    listing = seen[1]
    assert (listing.method, listing.path) == ("GET", f"/client/v4/zones/{zone_id}/dns_records")
    assert (listing.query["name.exact"], listing.query["type"]) == ([HOST], ["A"])
    posts = cloudflare_fake.writes()
    assert [(r.method, r.path, r.headers["content-type"]) for r in posts] == [
        ("POST", f"/client/v4/zones/{zone_id}/dns_records", "application/json")
    ] * 2
    assert [r.json() for r in posts] == [
        {"name": HOST, "type": "A", "content": "192.0.2.10", "ttl": 300, "proxied": False},
        {"name": HOST, "type": "AAAA", "content": "2001:db8::10", "ttl": 300, "proxied": False},
    ]


def test_a_changed_address_is_rewritten_in_place_and_a_dropped_one_deleted(cloudflare_fake: FakeCloudflare) -> None:
    zone_id = cloudflare_fake.add_zone(ZONE)
    kept = cloudflare_fake.add_record(zone_id, HOST, "A", "192.0.2.10", ttl=300)
    moved = cloudflare_fake.add_record(zone_id, HOST, "A", "192.0.2.11", ttl=300)
    gone = cloudflare_fake.add_record(zone_id, HOST, "AAAA", "2001:db8::10", ttl=300)
    result = _sync(
        cloudflare_fake,
        [RecordSet.of(HOST, "A", ["192.0.2.10", "192.0.2.12"], 300), RecordSet.of(HOST, "AAAA", [], 300)],
    )
    assert [c.action for c in result.applied] == ["update", "delete"]
    writes = [(r.method, r.path.rsplit("/", 1)[-1]) for r in cloudflare_fake.writes()]
    assert writes == [("PUT", moved), ("DELETE", gone)]
    assert cloudflare_fake.writes()[0].json() == {
        "name": HOST,
        "type": "A",
        "content": "192.0.2.12",
        "ttl": 300,
        "proxied": False,
    }
    assert cloudflare_fake.state(zone_id) == {(HOST, "A", "192.0.2.10", 300), (HOST, "A", "192.0.2.12", 300)}
    assert kept in cloudflare_fake.records[zone_id]


def test_ptr_records_go_to_a_reverse_zone_without_proxying(cloudflare_fake: FakeCloudflare) -> None:
    zone_id = cloudflare_fake.add_zone("2.0.192.in-addr.arpa")
    result = _sync(
        cloudflare_fake, [RecordSet.of(ptr_name("192.0.2.10"), "PTR", [HOST + "."], 300)], zone="2.0.192.in-addr.arpa."
    )
    assert result.failed == {}
    assert cloudflare_fake.writes()[0].json() == {
        "name": "10.2.0.192.in-addr.arpa",
        "type": "PTR",
        "content": HOST,
        "ttl": 300,
    }
    assert cloudflare_fake.state(zone_id) == {("10.2.0.192.in-addr.arpa", "PTR", HOST, 300)}


def test_applying_the_same_records_twice_sends_no_write_the_second_time(cloudflare_fake: FakeCloudflare) -> None:
    cloudflare_fake.add_zone(ZONE)
    wanted = [RecordSet.of(HOST, "A", ["192.0.2.10"], 300), RecordSet.of(HOST, "AAAA", [], 300)]
    first = _sync(cloudflare_fake, wanted)
    writes = len(cloudflare_fake.writes())
    second = _sync(cloudflare_fake, wanted)
    assert first.plan is not None
    assert len(first.plan.changes) == 1
    assert second.plan is not None
    assert second.plan.empty
    assert len(cloudflare_fake.writes()) == writes == 1


def test_removal_deletes_only_our_record(cloudflare_fake: FakeCloudflare) -> None:
    zone_id = cloudflare_fake.add_zone(ZONE)
    ours = cloudflare_fake.add_record(zone_id, HOST, "A", "192.0.2.10", ttl=300)
    cloudflare_fake.add_record(zone_id, HOST, "A", "198.51.100.7", ttl=300)
    provider = connect(_settings(cloudflare_fake))
    try:
        result = remove(provider, [RecordSet.of(HOST, "A", ["192.0.2.10"], 300)])
    finally:
        provider.close()
    assert result.failed == {}
    assert [(r.method, r.path) for r in cloudflare_fake.writes()] == [
        ("DELETE", f"/client/v4/zones/{zone_id}/dns_records/{ours}")
    ]
    assert cloudflare_fake.state(zone_id) == {(HOST, "A", "198.51.100.7", 300)}


def test_a_refused_token_is_an_auth_error_that_does_not_show_the_token(cloudflare_fake: FakeCloudflare) -> None:
    cloudflare_fake.add_zone(ZONE)
    wrong = "cf-wrong-token-1234567890"
    provider = connect(_settings(cloudflare_fake, credentials=wrong))
    try:
        with pytest.raises(DnsAuthError) as raised:
            provider.existing({(HOST, "A")})
    finally:
        provider.close()
    assert str(raised.value) == "Cloudflare refused the API token for zone example.test."
    assert cloudflare_fake.seen[0].headers["authorization"] == f"Bearer {wrong}"


def test_a_zone_the_token_cannot_see_is_named(cloudflare_fake: FakeCloudflare) -> None:
    provider = connect(_settings(cloudflare_fake))
    try:
        with pytest.raises(DnsZoneMissingError, match=r"Zone example\.test does not exist at Cloudflare"):
            provider.existing({(HOST, "A")})
    finally:
        provider.close()


def test_a_record_cloudflare_refuses_carries_cloudflare_s_message_and_the_others_apply(
    cloudflare_fake: FakeCloudflare,
) -> None:
    zone_id = cloudflare_fake.add_zone(ZONE)
    result = _sync(
        cloudflare_fake,
        [RecordSet.of("vps.elsewhere.test", "A", ["192.0.2.10"], 300), RecordSet.of(HOST, "A", ["192.0.2.11"], 300)],
    )
    assert result.failed == {
        ("vps.elsewhere.test", "A"): "Cloudflare refused the request for zone example.test (400: DNS name is invalid)."
    }
    assert cloudflare_fake.state(zone_id) == {(HOST, "A", "192.0.2.11", 300)}


def test_pages_of_records_are_all_read(cloudflare_fake: FakeCloudflare) -> None:
    zone_id = cloudflare_fake.add_zone(ZONE)
    for n in range(1, 151):
        cloudflare_fake.add_record(zone_id, HOST, "A", f"10.0.{n // 250}.{n % 250}", ttl=300)
    provider = connect(_settings(cloudflare_fake))
    try:
        (found,) = provider.existing({(HOST, "A")})
    finally:
        provider.close()
    assert len(found.values) == 150


def test_a_closed_port_is_a_connection_error_with_the_url(closed_port: int) -> None:
    url = normalize_url("cloudflare", f"http://127.0.0.1:{closed_port}")
    provider = connect(ZoneSettings("cloudflare", ZONE, url, "cf-token-0123456789", timeout=5))
    try:
        with pytest.raises(DnsConnectionError) as raised:
            provider.existing({(HOST, "A")})
    finally:
        provider.close()
    assert str(raised.value) == f"Could not reach Cloudflare at {url}: [Errno 111] Connection refused."


@pytest.mark.parametrize(
    "answer",
    [Answer(200, b"<html>maintenance</html>", {"Content-Type": "text/html"}), Answer(200, b""), Answer(502, b"")],
    ids=["html", "empty", "bad-gateway"],
)
def test_an_answer_that_is_not_the_api_s_json_is_one_clear_error(
    cloudflare_fake: FakeCloudflare, monkeypatch, answer: Answer
) -> None:
    monkeypatch.setattr(cloudflare_fake, "answer", lambda request: answer)
    provider = connect(_settings(cloudflare_fake))
    try:
        with pytest.raises(DnsError) as raised:
            provider.existing({(HOST, "A")})
    finally:
        provider.close()
    assert str(raised.value) in (
        "Cloudflare answered with something its API does not describe for zone example.test.",
        "Cloudflare refused the request for zone example.test (502: no message).",
    )
