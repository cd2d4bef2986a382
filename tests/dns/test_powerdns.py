"""PowerDNS against a real PowerDNS Authoritative server: what we write is what the server answers over DNS."""

from __future__ import annotations

import pytest

from proxvps.dns import (
    DnsAuthError,
    DnsConnectionError,
    DnsZoneMissingError,
    RecordSet,
    connect,
    remove,
    sync,
)
from proxvps.domain.reverse import ptr_name
from tests.dns import powerdns_server
from tests.dns.conftest import pdns_settings


def test_records_are_created_changed_and_deleted_as_dns_queries_then_answer(powerdns, pdns_zone) -> None:
    zone = pdns_zone("fwd")
    host = f"vps1.{zone}"
    provider = connect(pdns_settings(powerdns, zone))
    try:
        created = sync(
            provider,
            [RecordSet.of(host, "A", ["192.0.2.10"], 300), RecordSet.of(host, "AAAA", ["2001:0db8::0010"], 300)],
        )
        assert [c.action for c in created.applied] == ["create", "create"], created
        assert powerdns.query(host, "A") == {"192.0.2.10"}
        assert powerdns.query(host, "AAAA") == {"2001:db8::10"}

        changed = sync(provider, [RecordSet.of(host, "A", ["192.0.2.11", "192.0.2.12"], 300)])
        assert [c.action for c in changed.applied] == ["update"]
        assert powerdns.query(host, "A") == {"192.0.2.11", "192.0.2.12"}

        deleted = sync(provider, [RecordSet.of(host, "A", [], 300), RecordSet.of(host, "AAAA", [], 300)])
        assert [c.action for c in deleted.applied] == ["delete", "delete"]
        assert powerdns.query(host, "A") == set()
        assert powerdns.query(host, "AAAA") == set()
    finally:
        provider.close()


def test_ptr_content_is_written_with_its_trailing_dot_and_answers_for_every_spelling(powerdns, pdns_zone) -> None:
    """PowerDNS refuses PTR content without the final dot ("not in expected format"): the seed's first bug."""
    zone = pdns_zone("8.b.d.0.1.0.0.2.ip6.arpa")
    forward = pdns_zone("fwd")
    host = f"vps1.{forward}"
    provider = connect(pdns_settings(powerdns, zone + "."))
    try:
        result = sync(provider, [RecordSet.of(ptr_name("2001:0db8:0000::0001"), "PTR", [host], 300)])
    finally:
        provider.close()
    assert result.failed == {}
    assert result.error == ""
    for spelling in ("2001:db8::1", "2001:0DB8:0:0:0:0:0:1"):
        assert powerdns.query(ptr_name(spelling), "PTR") == {f"{host}."}


def test_applying_the_same_records_twice_changes_nothing_the_second_time(powerdns, pdns_zone) -> None:
    zone = pdns_zone("idem")
    host = f"vps1.{zone}"
    wanted = [RecordSet.of(host, "A", ["192.0.2.10"], 300), RecordSet.of(host, "AAAA", [], 300)]
    provider = connect(pdns_settings(powerdns, zone))
    try:
        first = sync(provider, wanted)
        serial = powerdns.serial(zone)
        second = sync(provider, wanted)
    finally:
        provider.close()
    assert first.plan is not None
    assert not first.plan.empty
    assert second.plan is not None
    assert second.plan.empty
    assert powerdns.serial(zone) == serial, "the zone was not written again"


def test_removal_takes_only_our_values_and_keeps_the_others(powerdns, pdns_zone) -> None:
    zone = pdns_zone("rm")
    host = f"shared.{zone}"
    provider = connect(pdns_settings(powerdns, zone))
    try:
        sync(provider, [RecordSet.of(host, "A", ["192.0.2.10", "192.0.2.99"], 300)])
        result = remove(provider, [RecordSet.of(host, "A", ["192.0.2.10"], 300)])
    finally:
        provider.close()
    assert [c.action for c in result.applied] == ["update"]
    assert powerdns.query(host, "A") == {"192.0.2.99"}


def test_a_wrong_key_is_an_auth_error_that_does_not_show_the_key(powerdns, pdns_zone) -> None:
    zone = pdns_zone("auth")
    wrong = "not-the-key-" + powerdns.api_key[:8]
    provider = connect(pdns_settings(powerdns, zone, credentials=wrong))
    try:
        result = sync(provider, [RecordSet.of(f"vps.{zone}", "A", ["192.0.2.10"], 300)])
        with pytest.raises(DnsAuthError) as raised:
            provider.existing({(f"vps.{zone}", "A")})
    finally:
        provider.close()
    assert "refused the API key" in result.error
    assert wrong not in str(raised.value)
    assert powerdns.api_key not in str(raised.value)


def test_a_zone_the_server_does_not_hold_is_named_in_the_error(powerdns) -> None:
    provider = connect(pdns_settings(powerdns, "nowhere.test"))
    try:
        with pytest.raises(DnsZoneMissingError, match=r"Zone nowhere\.test does not exist on PowerDNS"):
            provider.existing({("vps.nowhere.test", "A")})
    finally:
        provider.close()


def test_a_closed_port_is_a_connection_error_with_the_url(powerdns, closed_port: int) -> None:
    url = f"http://127.0.0.1:{closed_port}/api/v1"
    provider = connect(pdns_settings(powerdns, "example.test", url=url))
    try:
        with pytest.raises(DnsConnectionError) as raised:
            provider.existing({("vps.example.test", "A")})
    finally:
        provider.close()
    assert str(raised.value).startswith(f"Could not reach PowerDNS at {url}: ")
    assert powerdns.api_key not in str(raised.value)


def test_a_record_the_server_refuses_fails_alone_and_the_others_are_applied(powerdns, pdns_zone) -> None:
    zone = pdns_zone("partial")
    provider = connect(pdns_settings(powerdns, zone))
    try:
        result = sync(
            provider,
            [
                RecordSet(f"bad.{zone}", "A", 300, frozenset({"not-an-address"})),
                RecordSet.of(f"good.{zone}", "A", ["192.0.2.20"], 300),
            ],
        )
    finally:
        provider.close()
    assert list(result.failed) == [(f"bad.{zone}", "A")]
    assert "PowerDNS refused the change" in result.failed[(f"bad.{zone}", "A")]
    assert powerdns.query(f"good.{zone}", "A") == {"192.0.2.20"}


def test_a_missing_pdns_server_skips_with_the_reason_and_fails_in_ci(monkeypatch, tmp_path) -> None:
    monkeypatch.setattr(powerdns_server, "pdns_binary", lambda: None)
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="pdns_server is not installed: install pdns-server"):
        powerdns_server.running_powerdns(tmp_path).__enter__()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match=r"pdns_server is not installed \(CI installs pdns-server"):
        powerdns_server.running_powerdns(tmp_path).__enter__()
