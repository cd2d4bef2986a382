"""A service's DNS records through its lifecycle (SPEC S12), against the sandbox and a real PowerDNS server:
set on deploy, kept right on change package, deleted on request; a provider that is down never blocks."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest

from proxvps.dns import RecordSet, connect, sync
from proxvps.domain import states
from proxvps.domain.reverse import ptr_name
from proxvps.inventory.models import ActionLog, Plan, Server, Service
from proxvps.ipam.models import DnsZone
from proxvps.lifecycle import dnsrecords
from proxvps.lifecycle.context import StepContext
from proxvps.lifecycle.orders import order_service, request_change_package
from proxvps.lifecycle.outcomes import Done
from proxvps.lifecycle.passes import PassContext
from proxvps.lifecycle.requests import OrderRefused
from tests.dns.powerdns_server import PowerDnsServer
from tests.lifecycle.conftest import drive

pytestmark = pytest.mark.django_db

V4_REVERSE = "2.0.192.in-addr.arpa"
V6_REVERSE = "0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa"
DNS_STEP = "Set DNS records"


@pytest.fixture
def zones(powerdns: PowerDnsServer, pdns_zone: Callable[[str], str]) -> str:
    """A forward zone and both reverse zones of the cluster's pools on the real server; returns the forward zone."""
    forward = pdns_zone("fwd")
    for name in (forward, V4_REVERSE, V6_REVERSE):
        if name != forward:
            pdns_zone(name)
        DnsZone.objects.create(name=name + ".", provider="powerdns", url=powerdns.url, credentials=powerdns.api_key)
    return forward


def _order(plan: Plan, hostname: str, sid: str = "7001", **options: object) -> Service:
    return order_service(billing_service_id=sid, client_ref="77", plan=plan, hostname=hostname, options=options)


def _dns_note(service: Service) -> str:
    return ActionLog.objects.filter(service=service, step=DNS_STEP).latest("id").message


def test_deploy_sets_a_aaaa_and_ptr_records_that_dns_queries_answer(
    cluster: Server, plan: Plan, powerdns: PowerDnsServer, zones: str
) -> None:
    host = f"vps1.{zones}"
    service = _order(plan, host)
    drive(service)
    assert service.state == states.READY
    assert powerdns.query(host, "A") == {"192.0.2.10"}
    assert powerdns.query(host, "AAAA") == {"2001:db8::10"}
    assert powerdns.query(ptr_name("192.0.2.10"), "PTR") == {f"{host}."}
    assert powerdns.query(ptr_name("2001:0db8:0000::0010"), "PTR") == {f"{host}."}
    note = _dns_note(service)
    assert note.startswith("forward 2 ok / 0 err, reverse 2 ok / 0 err; ")
    assert f"{zones}: 2 record sets changed" in note


def test_a_provider_that_is_down_never_blocks_the_deploy_and_the_log_says_what_failed(
    cluster: Server, plan: Plan, powerdns: PowerDnsServer, pdns_zone, caplog, closed_port: int
) -> None:
    forward = pdns_zone("fwd")
    down = f"http://127.0.0.1:{closed_port}"
    DnsZone.objects.create(name=forward, provider="powerdns", url=powerdns.url, credentials=powerdns.api_key)
    for name in (V4_REVERSE, V6_REVERSE):
        DnsZone.objects.create(name=name, provider="powerdns", url=down, credentials=powerdns.api_key)
    host = f"vps1.{forward}"
    service = _order(plan, host)
    with caplog.at_level(logging.DEBUG):
        drive(service)
    assert service.state == states.READY
    note = _dns_note(service)
    assert note.startswith("forward 2 ok / 0 err, reverse 0 ok / 2 err; ")
    for name in (V4_REVERSE, V6_REVERSE):
        assert f"{name}: Could not reach PowerDNS at {down}/api/v1: " in note
    assert powerdns.query(host, "A") == {"192.0.2.10"}, "the zone that answers got its records"
    assert "reverse 0 ok / 2 err" in caplog.text, "the failure is logged as well"
    assert powerdns.api_key not in caplog.text
    assert not ActionLog.objects.filter(message__contains=powerdns.api_key).exists()


def test_every_zone_down_still_reaches_ready(
    cluster: Server, plan: Plan, powerdns: PowerDnsServer, closed_port: int
) -> None:
    down = f"http://127.0.0.1:{closed_port}"
    for name in ("example.test", V4_REVERSE, V6_REVERSE):
        DnsZone.objects.create(name=name, provider="powerdns", url=down, credentials=powerdns.api_key)
    service = _order(plan, "vps1.example.test")
    drive(service)
    assert service.state == states.READY
    note = _dns_note(service)
    assert note.startswith("forward 0 ok / 2 err, reverse 0 ok / 2 err; example.test: Could not reach PowerDNS")


def test_a_refused_key_is_logged_without_the_key(
    cluster: Server, plan: Plan, powerdns: PowerDnsServer, pdns_zone, caplog
) -> None:
    forward = pdns_zone("fwd")
    wrong = "wrong-key-" + powerdns.api_key[::-1]
    DnsZone.objects.create(name=forward, provider="powerdns", url=powerdns.url, credentials=wrong)
    service = _order(plan, f"vps1.{forward}")
    with caplog.at_level(logging.DEBUG):
        drive(service)
    assert service.state == states.READY
    note = _dns_note(service)
    assert "forward 0 ok / 2 err" in note
    assert "refused the API key" in note
    for secret in (wrong, powerdns.api_key):
        assert secret not in caplog.text
        assert not ActionLog.objects.filter(message__contains=secret).exists()


def test_no_zone_configured_is_skipped_as_before(cluster: Server, plan: Plan) -> None:
    service = _order(plan, "vps1.example.test")
    drive(service)
    assert service.state == states.READY
    assert _dns_note(service) == "skip - no DNS zone configured"


def test_a_zone_that_holds_none_of_the_names_is_a_skip(cluster: Server, plan: Plan, powerdns: PowerDnsServer) -> None:
    DnsZone.objects.create(name="elsewhere.test", provider="powerdns", url=powerdns.url, credentials="k" * 10)
    service = _order(plan, "vps1.example.test")
    drive(service)
    assert _dns_note(service) == "skip - no DNS zone configured"


def _step(service: Service, step) -> Done:
    with PassContext() as run:
        outcome = step(StepContext(service, None, run))
    assert isinstance(outcome, Done)
    return outcome


def test_setting_the_records_again_changes_nothing(
    cluster: Server, plan: Plan, powerdns: PowerDnsServer, zones: str
) -> None:
    service = _order(plan, f"vps1.{zones}")
    drive(service)
    serials = [powerdns.serial(zone) for zone in (zones, V4_REVERSE, V6_REVERSE)]
    again = _step(service, dnsrecords.set_records)
    assert again.note == (
        f"forward 2 ok / 0 err, reverse 2 ok / 0 err; {zones}: no change; {V4_REVERSE}: no change; "
        f"{V6_REVERSE}: no change"
    )
    assert [powerdns.serial(zone) for zone in (zones, V4_REVERSE, V6_REVERSE)] == serials


def test_change_package_keeps_the_records_right(
    cluster: Server, plan: Plan, powerdns: PowerDnsServer, zones: str
) -> None:
    host = f"vps1.{zones}"
    service = _order(plan, host)
    drive(service)
    request_change_package(service, options={"IPv4 Addresses": 2, "IPv6 Addresses": 0})
    recorder = drive(service)
    assert service.state == states.READY
    assert powerdns.query(host, "A") == {"192.0.2.10", "192.0.2.11"}
    assert powerdns.query(host, "AAAA") == set()
    assert powerdns.query(ptr_name("192.0.2.11"), "PTR") == {f"{host}."}
    assert powerdns.query(ptr_name("2001:db8::10"), "PTR") == set()
    note = recorder.step_named("Update IP + DNS + Firewall").note
    assert note.startswith("forward 3 ok / 0 err, reverse 3 ok / 0 err; ")


def test_an_unchanged_package_skips_the_address_and_dns_step(
    cluster: Server, plan: Plan, powerdns: PowerDnsServer, zones: str
) -> None:
    service = _order(plan, f"vps1.{zones}")
    drive(service)
    request_change_package(service, options={"CPU Cores": 4})
    recorder = drive(service)
    assert recorder.step_named("Update IP + DNS + Firewall").note == "skip - no change"


def test_delete_records_removes_the_service_s_records_and_keeps_foreign_values(
    cluster: Server, plan: Plan, powerdns: PowerDnsServer, zones: str
) -> None:
    host = f"vps1.{zones}"
    service = _order(plan, host)
    drive(service)
    forward = connect(DnsZone.objects.get(name=zones).zone_settings())
    try:
        sync(forward, [RecordSet.of(host, "A", ["192.0.2.10", "198.51.100.9"], 3600)])
    finally:
        forward.close()
    outcome = _step(service, dnsrecords.delete_records)
    assert outcome.note.startswith("forward 2 ok / 0 err, reverse 2 ok / 0 err; ")
    assert powerdns.query(host, "A") == {"198.51.100.9"}
    assert powerdns.query(host, "AAAA") == set()
    assert powerdns.query(ptr_name("192.0.2.10"), "PTR") == set()
    assert powerdns.query(ptr_name("2001:db8::10"), "PTR") == set()


def test_delete_records_with_the_provider_down_is_done_with_the_errors(
    cluster: Server, plan: Plan, powerdns: PowerDnsServer, closed_port: int
) -> None:
    service = _order(plan, "vps1.example.test")
    drive(service)
    down = f"http://127.0.0.1:{closed_port}"
    DnsZone.objects.create(name="example.test", provider="powerdns", url=down, credentials=powerdns.api_key)
    outcome = _step(service, dnsrecords.delete_records)
    assert outcome.note.startswith("forward 0 ok / 2 err, reverse 0 ok / 0 err; example.test: Could not reach")
    assert f"no zone holds {ptr_name('192.0.2.10')}" in outcome.note


def test_set_dns_records_on_demand_is_queued_and_run_by_the_worker(
    cluster: Server, plan: Plan, powerdns: PowerDnsServer, pdns_zone: Callable[[str], str]
) -> None:
    forward = pdns_zone("fwd")
    host = f"vps1.{forward}"
    service = _order(plan, host)
    drive(service)
    assert _dns_note(service) == "skip - no DNS zone configured"
    DnsZone.objects.create(name=forward, provider="powerdns", url=powerdns.url, credentials=powerdns.api_key)

    request = dnsrecords.request_dns_sync(service, requested_by="staff:admin")
    assert service.state == states.DNS_SYNC
    assert powerdns.query(host, "A") == set(), "nothing happens in the request itself"
    recorder = drive(service)
    assert service.state == states.READY
    assert [step.label for step in recorder.steps] == ["Set DNS records"]
    assert powerdns.query(host, "A") == {"192.0.2.10"}
    request.refresh_from_db()
    assert request.status == "done"


def test_set_dns_records_waits_for_the_operation_in_flight(cluster: Server, plan: Plan) -> None:
    service = _order(plan, "vps1.example.test")
    drive(service)
    request_change_package(service, options={"CPU Cores": 4})
    queued = dnsrecords.request_dns_sync(service)
    assert service.state == states.CHANGE_PACKAGE
    assert queued.status == "pending"
    drive(service)
    assert service.state == states.READY
    queued.refresh_from_db()
    assert queued.status == "done"


def test_set_dns_records_is_refused_while_the_service_is_in_error(cluster: Server, plan: Plan) -> None:
    service = _order(plan, "vps1.example.test")
    Service.objects.filter(pk=service.pk).update(state=states.ERROR)
    service.refresh_from_db()
    with pytest.raises(OrderRefused, match="Set DNS records is not possible while service 7001 is Error"):
        dnsrecords.request_dns_sync(service)
    service.refresh_from_db()
    assert service.state == states.ERROR
    assert not service.requests.filter(operation="dns_sync").exists()
