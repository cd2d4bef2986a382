"""Who may call what, checked over every operation the OpenAPI document lists, so an endpoint added later is
covered without a new test: tokens open only their scope's endpoints, a staff_read token writes nothing and reads
every record (200, on records that exist), and a client reaches its own services only: each of its operations
succeeds on its own deployed service (200, in a state that allows it), another client's service id answers 404, as
an unknown one does."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from proxvps.api.v1 import api
from proxvps.domain import states
from proxvps.inventory.models import Plan, Service
from proxvps.ipam.models import DnsZone, Pool
from tests.api.conftest import Api
from tests.lifecycle.conftest import drive
from tests.web.conftest import order, signed_in

pytestmark = pytest.mark.django_db

PREFIX = "/api/v1/"
STAFF = ("/api/v1/staff/", "/api/v1/services/")


def _operations(prefixes: tuple[str, ...]) -> Iterator[tuple[str, str]]:
    """(method, path template) of every documented operation under the prefixes."""
    for path, methods in api.get_openapi_schema()["paths"].items():
        if path.startswith(prefixes):
            for method in methods:
                yield method.upper(), path


def _fill(path: str, service_id: str = "1001") -> str:
    return re.sub(r"\{[a-z_]+\}", lambda m: service_id if m.group(0) == "{service_id}" else "1", path)


def _call(caller: Api, method: str, path: str) -> tuple[int, object]:
    body: dict[str, object] | None = None if method in ("GET", "DELETE") else {}
    return caller.call(method, _fill(path), body)


def test_the_document_lists_operations_of_every_kind() -> None:
    assert len(list(_operations(STAFF))) >= 20
    assert len(list(_operations(("/api/v1/billing/",)))) >= 8
    assert len(list(_operations(("/api/v1/client/",)))) >= 4


@pytest.mark.parametrize("token", [None, "pvx_00000000_wrong", "not-even-a-token"])
def test_every_token_endpoint_refuses_a_missing_or_wrong_token(db, token) -> None:
    caller = Api(token)
    for method, path in _operations(("/api/v1/billing/", *STAFF)):
        status, body = _call(caller, method, path)
        assert status == 401, (method, path, body)
        assert isinstance(body, dict)
        assert body["error"] == "unauthorised"


def test_a_billing_token_cannot_call_a_staff_endpoint(billing: Api) -> None:
    for method, path in _operations(STAFF):
        status, body = _call(billing, method, path)
        assert status == 403, (method, path, body)


def test_a_staff_token_cannot_call_a_billing_endpoint(staff_write: Api) -> None:
    for method, path in _operations(("/api/v1/billing/",)):
        status, _body = _call(staff_write, method, path)
        assert status == 403, (method, path)


def test_a_staff_read_token_reads_but_cannot_write(staff_read: Api, ready_vm: Service) -> None:
    writes = [(m, p) for m, p in _operations(STAFF) if m != "GET"]
    assert writes
    for method, path in writes:
        status, body = _call(staff_read, method, path)
        assert status == 403, (method, path, body)
    # Every read names a record that exists, so each must answer 200 (a 404 would be no read at all).
    zone = DnsZone.objects.create(name="example.test", provider="powerdns", url="http://127.0.0.1:1", credentials="k")
    assert ready_vm.server is not None
    ids = {
        "{server_id}": ready_vm.server.pk,
        "{group_id}": ready_vm.plan.server_group_id,
        "{pool_id}": Pool.objects.get(server=ready_vm.server, name="v4").pk,
        "{plan_id}": ready_vm.plan_id,
        "{zone_id}": zone.pk,
        "{service_id}": ready_vm.pk,
    }
    reads = [path for method, path in _operations(STAFF) if method == "GET"]
    assert len(reads) >= 15
    for path in reads:
        url = re.sub(r"\{[a-z_]+\}", lambda m: str(ids[m.group(0)]), path)
        status, body = staff_read.call("GET", url, None)
        assert status == 200, (path, status, body)


def test_tokens_never_open_the_client_endpoints(billing: Api, staff_write: Api) -> None:
    for caller in (billing, staff_write):
        for method, path in _operations(("/api/v1/client/",)):
            assert _call(caller, method, path)[0] == 401, path


BODIES = {
    "/power": {"action": "reboot"},
    "/snapshots": {"name": "before-upgrade"},
    "/backups/delete": {"volid": "backup:backup/vzdump-qemu-100.vma.zst"},
    "/backups/restore": {"volid": "backup:backup/vzdump-qemu-100.vma.zst"},
    "/iso": {"volid": "local:iso/debian.iso"},
    "/firewall/rules": {"direction": "in", "action": "ACCEPT"},
    "/firewall/rules/move": {"source": 0, "target": 1},
    "/firewall/policies": {"direction": "in", "policy": "DROP"},
}
"""A valid body for the client operations that need one, so the call gets as far as looking the service up."""


def _client_calls(browser: Client, service_id: str) -> Iterator[tuple[str, str, int]]:
    """Each client operation on `service_id`, called from the signed-in browser with its CSRF token."""
    token = browser.cookies["csrftoken"].value if "csrftoken" in browser.cookies else ""
    for method, path in _operations(("/api/v1/client/",)):
        if "{service_id}" not in path:
            continue
        url = _fill(path, service_id)
        call = getattr(browser, method.lower())
        if method == "GET":
            response = call(url)
        else:
            body = next((b for suffix, b in BODIES.items() if path.endswith(suffix)), {})
            response = call(url, data=body, content_type="application/json", headers={"X-CSRFToken": token})
        yield method, path, response.status_code


def test_every_client_endpoint_answers_404_for_another_clients_service(billing: Api, small_plan: Plan) -> None:
    order(small_plan, "1001", "42")
    order(small_plan, "2002", "43")
    browser = signed_in(billing.client, billing.headers, "1001", csrf=True)
    browser.get("/client/services/1001/")  # sets the CSRF cookie, as the page does
    calls = list(_client_calls(browser, "2002"))
    assert calls
    for method, path, status in calls:
        assert status == 404, (method, path, status)
    unknown = list(_client_calls(browser, "9999"))
    assert {status for *_rest, status in unknown} == {404}
    assert Service.objects.get(billing_service_id="2002").state == "new"


def test_the_client_endpoints_answer_for_the_clients_own_service(billing: Api, ready_vm: Service) -> None:
    """Each client operation, on the client's own deployed service in a state that allows it, gives the exact status
    of success; every operation of the document is called (a new one fails this test until it is added here)."""
    Plan.objects.filter(pk=ready_vm.plan_id).update(iso_storage="local")
    sid = ready_vm.billing_service_id
    browser = signed_in(billing.client, billing.headers, sid, csrf=True)
    browser.get(f"/client/services/{sid}/")  # sets the CSRF cookie, as the page does
    headers = {"X-CSRFToken": browser.cookies["csrftoken"].value}
    base = f"/api/v1/client/services/{sid}"
    called: set[tuple[str, str]] = set()

    def call(method: str, template: str, body: object = None, path: str | None = None) -> Any:
        """Call the operation (template as the document names it; path when it has more parameters) and expect
        200; the answer's JSON. An operation that queued work is run to its end by the worker."""
        kwargs: dict[str, object] = {"headers": headers}
        if body is not None:
            kwargs.update(data=body, content_type="application/json")
        response = getattr(browser, method.lower())(base + (template if path is None else path), **kwargs)
        assert response.status_code == 200, (method, template, response.status_code, response.content)
        called.add((method, "/api/v1/client/services/{service_id}" + template))
        if method != "GET":
            drive(ready_vm)
            assert ready_vm.state == states.READY, (method, template, ready_vm.last_error)
        return response.json()

    call("GET", "")
    call("GET", "/credentials")
    call("POST", "/power", {"action": "reboot"})
    call("POST", "/password", {"password": "Access-Test-1234"})
    call("GET", "/snapshots")
    call("POST", "/snapshots", {"name": "base"})
    call("POST", "/snapshots/{name}/rollback", path="/snapshots/base/rollback")
    call("DELETE", "/snapshots/{name}", path="/snapshots/base")
    call("GET", "/backups")
    call("POST", "/backups")
    (backup,) = call("GET", "/backups")
    call("POST", "/power", {"action": "stop"})
    call("POST", "/backups/restore", {"volid": backup["volid"]})
    call("POST", "/backups/delete", {"volid": backup["volid"]})
    call("PUT", "/backup-schedule", {"weekdays": [1]})
    call("GET", "/backup-schedule")
    call("GET", "/isos")
    call("POST", "/iso", {"volid": "local:iso/Debian-12.5.0-amd64-netinst.iso"})
    call("DELETE", "/iso")
    (template, *_others) = call("GET", "/templates")
    call("POST", "/reinstall", {"template": template["id"]})
    call("POST", "/firewall/rules", {"direction": "in", "action": "ACCEPT", "protocol": "tcp", "dport": "22"})
    call("POST", "/firewall/rules", {"direction": "in", "action": "ACCEPT", "protocol": "tcp", "dport": "80"})
    listed = call("GET", "/firewall/rules")
    moved = call("POST", "/firewall/rules/move", {"source": 0, "target": 1, "digest": listed["digest"]})
    call("DELETE", "/firewall/rules/{position}", path=f"/firewall/rules/0?digest={moved['digest']}")
    call("GET", "/firewall/policies")
    call("PUT", "/firewall/policies", {"direction": "out", "policy": "REJECT"})

    documented = {(m, p) for m, p in _operations(("/api/v1/client/",)) if "{service_id}" in p}
    assert called == documented, f"not called here: {sorted(documented - called)}"


def test_without_a_session_the_client_endpoints_answer_401(small_plan: Plan) -> None:
    order(small_plan, "1001", "42")
    for method, path in _operations(("/api/v1/client/",)):
        status, _body = _call(Api(None), method, path)
        assert status == 401, path
