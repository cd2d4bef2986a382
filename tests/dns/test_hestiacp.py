"""HestiaCP against a loopback fake of its API: the documented form POST to /api/ (access key pair in the body,
`cmd` and `argN`), records kept by id, and HestiaCP's `Error:` answers turned into one sentence."""

from __future__ import annotations

import pytest

from proxvps.dns import (
    DnsApiError,
    DnsAuthError,
    DnsConnectionError,
    DnsResponseError,
    DnsZoneMissingError,
    RecordSet,
    ZoneSettings,
    connect,
    normalize_url,
    remove,
    sync,
)
from proxvps.domain.reverse import ptr_name
from tests.dns.conftest import HESTIA_ACCESS, HESTIA_SECRET
from tests.dns.fakes import Answer, FakeHestia

ZONE = "example.test"
HOST = "vps1.example.test"
USER = "dnsuser"


def _settings(fake: FakeHestia, **changes: object) -> ZoneSettings:
    values: dict[str, object] = {
        "provider": "hestiacp",
        "zone": ZONE,
        "url": normalize_url("hestiacp", fake.url),
        "credentials": f"{HESTIA_ACCESS}:{HESTIA_SECRET}",
        "account": USER,
        "ttl": 300,
        "timeout": 5.0,
    }
    values.update(changes)
    return ZoneSettings(**values)  # type: ignore[arg-type]


def _run(fake: FakeHestia, wanted: list[RecordSet], *, removing: bool = False, **changes: object):
    provider = connect(_settings(fake, **changes))
    try:
        return remove(provider, wanted) if removing else sync(provider, wanted)
    finally:
        provider.close()


def test_the_url_is_normalised_to_the_api_endpoint_with_its_trailing_slash(hestia_fake: FakeHestia) -> None:
    assert normalize_url("hestiacp", hestia_fake.url) == f"{hestia_fake.url}/api/"
    assert (
        normalize_url("hestiacp", hestia_fake.url.removeprefix("http://").split(":")[0])
        == "https://127.0.0.1:8083/api/"
    )


def test_records_are_added_with_the_documented_commands(hestia_fake: FakeHestia) -> None:
    hestia_fake.add_domain(USER, ZONE)
    result = _run(
        hestia_fake, [RecordSet.of(HOST, "A", ["192.0.2.10"], 300), RecordSet.of(HOST, "AAAA", ["2001:db8::10"], 300)]
    )
    assert result.error == ""
    assert result.failed == {}
    assert {r[:3] for r in hestia_fake.state(USER, ZONE)} >= {
        ("vps1", "A", "192.0.2.10"),
        ("vps1", "AAAA", "2001:db8::10"),
    }

    seen = hestia_fake.seen
    assert all((r.method, r.path) == ("POST", "/api/") for r in seen)
    assert all(r.headers["content-type"] == "application/x-www-form-urlencoded" for r in seen)
    forms = [r.form() for r in seen]
    assert all((f["access_key"], f["secret_key"]) == (HESTIA_ACCESS, HESTIA_SECRET) for f in forms)
    assert all("hash" not in f and HESTIA_SECRET not in r.path for f, r in zip(forms, seen, strict=True))
    commands = [(f["cmd"], *[f[f"arg{n}"] for n in range(1, 10) if f"arg{n}" in f]) for f in forms]
    assert commands == [
        ("v-list-dns-records", USER, ZONE, "json"),
        ("v-add-dns-record", USER, ZONE, "vps1", "A", "192.0.2.10", "", "", "yes", "300"),
        ("v-add-dns-record", USER, ZONE, "vps1", "AAAA", "2001:db8::10", "", "", "yes", "300"),
    ]


def test_a_ptr_goes_in_with_a_relative_name_and_a_fully_qualified_value(hestia_fake: FakeHestia) -> None:
    reverse = "2.0.192.in-addr.arpa"
    hestia_fake.add_domain(USER, reverse)
    result = _run(hestia_fake, [RecordSet.of(ptr_name("192.0.2.10"), "PTR", [HOST], 300)], zone=reverse + ".")
    assert result.failed == {}
    assert ("10", "PTR", f"{HOST}.", "300") in hestia_fake.state(USER, reverse)


def test_a_changed_value_is_rewritten_by_id_and_a_dropped_one_deleted(hestia_fake: FakeHestia) -> None:
    hestia_fake.add_domain(USER, ZONE)
    _run(
        hestia_fake,
        [RecordSet.of(HOST, "A", ["192.0.2.10", "192.0.2.11"], 300), RecordSet.of(HOST, "AAAA", ["2001:db8::10"], 300)],
    )
    ids = {r["VALUE"]: r["ID"] for r in hestia_fake.domains[(USER, ZONE)].values()}
    hestia_fake.seen.clear()
    result = _run(
        hestia_fake, [RecordSet.of(HOST, "A", ["192.0.2.10", "192.0.2.12"], 300), RecordSet.of(HOST, "AAAA", [], 300)]
    )
    assert [c.action for c in result.applied] == ["update", "delete"]
    commands = [(f["cmd"], f["arg3"]) for f in (r.form() for r in hestia_fake.seen[1:])]
    assert commands == [("v-change-dns-record", ids["192.0.2.11"]), ("v-delete-dns-record", ids["2001:db8::10"])]
    change = hestia_fake.seen[1].form()
    assert [change[f"arg{n}"] for n in range(4, 10)] == ["vps1", "A", "192.0.2.12", "", "yes", "300"]
    assert {r[:3] for r in hestia_fake.state(USER, ZONE) if r[0] == "vps1"} == {
        ("vps1", "A", "192.0.2.10"),
        ("vps1", "A", "192.0.2.12"),
    }


def test_applying_the_same_records_twice_sends_no_command_the_second_time(hestia_fake: FakeHestia) -> None:
    hestia_fake.add_domain(USER, ZONE)
    wanted = [RecordSet.of(HOST, "A", ["192.0.2.10"], 300), RecordSet.of(f"{ZONE}.", "NS", ["ns1.example.net"], 3600)]
    first = _run(hestia_fake, wanted)
    hestia_fake.seen.clear()
    second = _run(hestia_fake, wanted)
    assert first.plan is not None
    assert len(first.plan.changes) == 1, "the apex NS was already as wanted"
    assert second.plan is not None
    assert second.plan.empty
    assert [r.form()["cmd"] for r in hestia_fake.seen] == ["v-list-dns-records"]


def test_removal_deletes_only_our_ptr(hestia_fake: FakeHestia) -> None:
    reverse = "2.0.192.in-addr.arpa"
    hestia_fake.add_domain(USER, reverse)
    _run(hestia_fake, [RecordSet.of(ptr_name("192.0.2.10"), "PTR", [HOST], 300)], zone=reverse)
    _run(hestia_fake, [RecordSet.of(ptr_name("192.0.2.11"), "PTR", ["other.example.test"], 300)], zone=reverse)
    result = _run(
        hestia_fake,
        [
            RecordSet.of(ptr_name("192.0.2.10"), "PTR", [HOST], 300),
            RecordSet.of(ptr_name("192.0.2.11"), "PTR", [HOST], 300),
        ],
        removing=True,
        zone=reverse,
    )
    assert [c.action for c in result.applied] == ["delete"]
    assert {r[:3] for r in hestia_fake.state(USER, reverse) if r[1] == "PTR"} == {("11", "PTR", "other.example.test.")}


def test_a_refused_key_is_an_auth_error_without_the_key(hestia_fake: FakeHestia) -> None:
    hestia_fake.add_domain(USER, ZONE)
    wrong = f"{HESTIA_ACCESS}:wrong-secret-0123456789"
    provider = connect(_settings(hestia_fake, credentials=wrong))
    try:
        with pytest.raises(DnsAuthError) as raised:
            provider.existing({(HOST, "A")})
    finally:
        provider.close()
    assert "refused the access key (authentication failed)" in str(raised.value)
    assert "wrong-secret-0123456789" not in str(raised.value)
    assert HESTIA_ACCESS not in str(raised.value)


def test_a_zone_the_user_does_not_hold_is_named(hestia_fake: FakeHestia) -> None:
    provider = connect(_settings(hestia_fake))
    try:
        with pytest.raises(DnsZoneMissingError, match=f"Zone example.test of user {USER} does not exist on HestiaCP"):
            provider.existing({(HOST, "A")})
    finally:
        provider.close()


def test_an_answer_that_is_not_json_is_one_clear_error(hestia_fake: FakeHestia, monkeypatch) -> None:
    hestia_fake.add_domain(USER, ZONE)
    monkeypatch.setattr(hestia_fake, "answer", lambda request: Answer(200, b"<html>maintenance</html>"))
    provider = connect(_settings(hestia_fake))
    try:
        with pytest.raises(DnsResponseError, match=r"answered the record list of zone example\.test with something"):
            provider.existing({(HOST, "A")})
    finally:
        provider.close()


def test_a_legacy_api_key_goes_as_hash(hestia_fake: FakeHestia) -> None:
    hestia_fake.add_domain(USER, ZONE)
    hestia_fake.legacy_hash = "legacy-key-0123456789abcdef"
    result = _run(hestia_fake, [RecordSet.of(HOST, "A", ["192.0.2.10"], 300)], credentials=hestia_fake.legacy_hash)
    assert result.failed == {}
    assert result.error == ""
    form = hestia_fake.seen[0].form()
    assert form["hash"] == hestia_fake.legacy_hash
    assert "access_key" not in form
    assert "secret_key" not in form


def test_a_provider_that_echoes_the_key_gets_it_masked(hestia_fake: FakeHestia, monkeypatch) -> None:
    hestia_fake.add_domain(USER, ZONE)
    echo = f"Error: key {HESTIA_ACCESS}:{HESTIA_SECRET} is not allowed to run v-list-dns-records"
    monkeypatch.setattr(hestia_fake, "answer", lambda request: Answer(422, echo.encode(), {"Hestia-Exit-Code": "2"}))
    provider = connect(_settings(hestia_fake))
    try:
        with pytest.raises(DnsApiError) as raised:
            provider.existing({(HOST, "A")})
    finally:
        provider.close()
    message = str(raised.value)
    assert message == (
        "HestiaCP refused v-list-dns-records for zone example.test (422: key *** is not allowed to run "
        "v-list-dns-records)."
    )
    assert HESTIA_SECRET not in message


def test_a_closed_port_is_a_connection_error_with_the_url(closed_port: int) -> None:
    url = normalize_url("hestiacp", f"http://127.0.0.1:{closed_port}")
    provider = connect(ZoneSettings("hestiacp", ZONE, url, f"{HESTIA_ACCESS}:{HESTIA_SECRET}", timeout=5))
    try:
        with pytest.raises(DnsConnectionError, match=r"^Could not reach HestiaCP at http://127\.0\.0\.1:\d+/api/: "):
            provider.existing({(HOST, "A")})
    finally:
        provider.close()
