"""The staff endpoints: servers, server groups, pools, plans and services; writes validated whole, secrets
write-only, objects in use not deletable."""

from __future__ import annotations

import pytest

from proxvps.inventory.models import Plan, Server, ServerGroup, Service
from proxvps.ipam.models import DnsZone, Pool
from proxvps.lifecycle.orders import order_service
from tests.api.conftest import Api

pytestmark = pytest.mark.django_db

SECRET = "5f0c1a9e-7b7d-4c55-9e3e-2f4b8c1d0a6e"


def _server(**changes: object) -> dict[str, object]:
    return {
        "name": "pve1",
        "url": "https://pve1.example.com:8006",
        "token_id": "root@pam!proxvps",
        "token_secret": SECRET,
        **changes,
    }


def test_a_server_is_registered_and_its_secret_never_comes_back(staff_write: Api, staff_read: Api) -> None:
    status, body = staff_write.post("/api/v1/staff/servers", _server())
    assert status == 201, body
    assert body["has_token_secret"] is True
    assert Server.objects.get().token_secret == SECRET
    for caller in (staff_write, staff_read):
        _status, listed = caller.get("/api/v1/staff/servers")
        _status, one = caller.get(f"/api/v1/staff/servers/{body['id']}")
        assert SECRET not in str(listed) + str(one)


def test_a_server_with_a_plain_http_url_is_refused_and_not_saved(staff_write: Api) -> None:
    status, body = staff_write.post("/api/v1/staff/servers", _server(url="http://pve1.example.com:8006"))
    assert status == 422
    assert set(body["fields"]) == {"url"}
    assert not Server.objects.exists()


def test_an_empty_secret_in_a_change_keeps_the_stored_one(staff_write: Api) -> None:
    _status, body = staff_write.post("/api/v1/staff/servers", _server())
    status, _changed = staff_write.patch(f"/api/v1/staff/servers/{body['id']}", {"token_secret": "", "enabled": False})
    assert status == 200
    server = Server.objects.get()
    assert (server.token_secret, server.enabled) == (SECRET, False)


def test_a_duplicate_server_name_is_refused(staff_write: Api) -> None:
    staff_write.post("/api/v1/staff/servers", _server())
    status, body = staff_write.post("/api/v1/staff/servers", _server())
    assert status == 422
    assert "name" in body["fields"]
    assert Server.objects.count() == 1


def test_a_server_group_naming_a_missing_server_is_refused(staff_write: Api) -> None:
    status, body = staff_write.post("/api/v1/staff/server-groups", {"name": "EU", "servers": [999]})
    assert status == 422
    assert body["fields"] == {"servers": "No such objects: 999."}
    assert not ServerGroup.objects.exists()


def test_a_server_group_gathers_servers(staff_write: Api) -> None:
    _status, server = staff_write.post("/api/v1/staff/servers", _server())
    status, group = staff_write.post("/api/v1/staff/server-groups", {"name": "EU", "servers": [server["id"]]})
    assert status == 201
    assert group["servers"] == [server["id"]]
    status, renamed = staff_write.patch(f"/api/v1/staff/server-groups/{group['id']}", {"name": "Europe"})
    assert (status, renamed["name"], renamed["servers"]) == (200, "Europe", [server["id"]])


def test_a_pool_is_made_with_its_ranges_and_shows_its_usage(staff_write: Api) -> None:
    _status, server = staff_write.post("/api/v1/staff/servers", _server())
    status, pool = staff_write.post(
        "/api/v1/staff/pools",
        {
            "server": server["id"],
            "name": "v4",
            "network": "192.0.2.0/24",
            "gateway": "192.0.2.1",
            "ranges": [{"first": "192.0.2.10", "last": "192.0.2.19"}],
        },
    )
    assert status == 201, pool
    assert (pool["size"], pool["used"], pool["free"]) == (10, 0, 10)


def test_a_pool_with_a_range_outside_its_network_is_not_made(staff_write: Api) -> None:
    _status, server = staff_write.post("/api/v1/staff/servers", _server())
    status, body = staff_write.post(
        "/api/v1/staff/pools",
        {
            "server": server["id"],
            "name": "v4",
            "network": "192.0.2.0/24",
            "ranges": [{"first": "198.51.100.1", "last": "198.51.100.9"}],
        },
    )
    assert status == 422
    assert "inside the pool's network" in str(body)
    assert not Pool.objects.exists()


def test_a_plan_is_made_changed_and_refused_when_a_value_is_out_of_range(staff_write: Api) -> None:
    status, plan = staff_write.post("/api/v1/staff/plans", {"name": "VPS L", "cpu_cores": 4, "ram_mb": 8192})
    assert status == 201, plan
    assert (plan["cpu_cores"], plan["ram_mb"], plan["ipv4_count"]) == (4, 8192, 1)
    status, body = staff_write.patch(f"/api/v1/staff/plans/{plan['id']}", {"snapshot_lifetime_days": 30})
    assert status == 422
    assert "snapshot_lifetime_days" in body["fields"]
    assert Plan.objects.get().snapshot_lifetime_days == 3
    status, body = staff_write.patch(f"/api/v1/staff/plans/{plan['id']}", {"ram_mb": 4096})
    assert (status, body["ram_mb"], body["cpu_cores"]) == (200, 4096, 4)


def test_a_plan_in_use_cannot_be_deleted(staff_write: Api, small_plan: Plan) -> None:
    order_service(billing_service_id="1", client_ref="2", plan=small_plan)
    status, body = staff_write.delete(f"/api/v1/staff/plans/{small_plan.pk}")
    assert status == 409
    assert body["error"] == "conflict"
    assert Plan.objects.filter(pk=small_plan.pk).exists()


def test_an_unused_plan_is_deleted(staff_write: Api, small_plan: Plan) -> None:
    assert staff_write.delete(f"/api/v1/staff/plans/{small_plan.pk}")[0] == 204
    assert not Plan.objects.exists()


def test_staff_read_services_with_their_client_and_log(staff_read: Api, small_plan: Plan) -> None:
    service = order_service(billing_service_id="1", client_ref="2", plan=small_plan)
    order_service(billing_service_id="3", client_ref="4", plan=small_plan)
    status, listed = staff_read.get("/api/v1/services/", client_id="2")
    assert status == 200
    assert [(s["id"], s["service_id"], s["client_id"]) for s in listed] == [(service.pk, "1", "2")]
    assert staff_read.get("/api/v1/services/", state="nonsense") == (200, [])
    status, one = staff_read.get(f"/api/v1/services/{service.pk}")
    assert (status, one["state"]) == (200, "new")
    assert staff_read.get(f"/api/v1/services/{service.pk}/log") == (200, [])
    assert Service.objects.count() == 2


ZONE_KEY = "pdns-key-7c1f0e2a9b"


def test_a_zone_is_added_normalised_and_its_key_never_comes_back(staff_write: Api, staff_read: Api) -> None:
    status, zone = staff_write.post(
        "/api/v1/staff/zones",
        {
            "name": "Example.COM.",
            "provider": "powerdns",
            "url": "http://dns.example.com:8081/",
            "credentials": ZONE_KEY,
        },
    )
    assert status == 201, zone
    assert (zone["name"], zone["has_credentials"]) == ("example.com", True)
    assert DnsZone.objects.get().credentials == ZONE_KEY
    for caller in (staff_write, staff_read):
        assert ZONE_KEY not in str(caller.get("/api/v1/staff/zones")) + str(
            caller.get(f"/api/v1/staff/zones/{zone['id']}")
        )
    status, changed = staff_write.patch(f"/api/v1/staff/zones/{zone['id']}", {"credentials": "", "ttl": 600})
    assert (status, changed["ttl"]) == (200, 600)
    assert DnsZone.objects.get().credentials == ZONE_KEY


def test_a_zone_of_an_unknown_provider_or_short_ttl_is_refused(staff_write: Api) -> None:
    for body in (
        {"name": "example.com", "provider": "bind", "credentials": "k"},
        {"name": "example.com", "provider": "cloudflare", "credentials": "k", "ttl": 5},
    ):
        status, answer = staff_write.post("/api/v1/staff/zones", body)
        assert status == 422, answer
    assert not DnsZone.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"gateway": "0"}, "gateway"),
        ({"gateway": "2001:db8::1"}, "gateway"),
        ({"ranges": [{"first": "not-an-ip", "last": "192.0.2.9"}]}, "first"),
    ],
)
def test_a_pool_with_an_address_that_is_not_one_is_refused_naming_the_field(
    staff_write: Api, change: dict[str, object], field: str
) -> None:
    _status, server = staff_write.post("/api/v1/staff/servers", _server())
    body = {"server": server["id"], "name": "v4", "network": "192.0.2.0/24", "ranges": [], **change}
    status, answer = staff_write.post("/api/v1/staff/pools", body)
    assert status == 422, answer
    assert field in answer["fields"], answer
    assert not Pool.objects.exists()


def test_a_zone_whose_url_is_not_a_url_is_refused_naming_the_field(staff_write: Api) -> None:
    body = {"name": "example.com", "provider": "powerdns", "url": "http://[::1", "credentials": "k"}
    status, answer = staff_write.post("/api/v1/staff/zones", body)
    assert status == 422, answer
    assert "url" in answer["fields"], answer
    assert not DnsZone.objects.exists()
