"""The client endpoints: the signed-in client's own services, its VM credentials, CSRF on every write."""

from __future__ import annotations

import pytest

from proxvps.domain import states
from proxvps.inventory.models import OperationRequest, Plan, Service
from tests.api.conftest import Api
from tests.web.conftest import order, signed_in

pytestmark = pytest.mark.django_db


def test_a_client_lists_its_own_services_only(billing: Api, small_plan: Plan) -> None:
    order(small_plan, "1001", "42")
    order(small_plan, "1002", "42")
    order(small_plan, "2002", "43")
    browser = signed_in(billing.client, billing.headers, "1001")
    response = browser.get("/api/v1/client/services")
    assert response.status_code == 200
    assert sorted(s["service_id"] for s in response.json()) == ["1001", "1002"]
    assert "last_error" not in response.json()[0]
    assert "client_id" not in response.json()[0]


def test_the_owner_gets_the_vm_credentials_uncached(billing: Api, small_plan: Plan) -> None:
    order(small_plan, "1001", "42")
    browser = signed_in(billing.client, billing.headers, "1001")
    response = browser.get("/api/v1/client/services/1001/credentials")
    assert response.status_code == 200
    assert response.json() == {"username": "root", "password": "Vm-Pa55word-x1"}
    assert response["Cache-Control"] == "no-store"


def test_a_write_without_the_csrf_token_is_refused(billing: Api, small_plan: Plan) -> None:
    order(small_plan, "1001", "42")
    browser = signed_in(billing.client, billing.headers, "1001", csrf=True)
    refused = browser.post("/api/v1/client/logout")
    assert refused.status_code == 403
    assert refused.json()["error"] == "forbidden"
    assert browser.get("/api/v1/client/services").status_code == 200

    browser.get("/client/services/1001/")
    token = browser.cookies["csrftoken"].value
    assert browser.post("/api/v1/client/logout", headers={"X-CSRFToken": token}).status_code == 204
    assert browser.get("/api/v1/client/services").status_code == 401


def _csrf(browser) -> dict[str, str]:
    browser.get("/client/")
    return {"X-CSRFToken": browser.cookies["csrftoken"].value}


def test_a_client_asks_for_a_power_action_and_a_new_password(billing: Api, small_plan: Plan) -> None:
    order(small_plan, "1001", "42")
    browser = signed_in(billing.client, billing.headers, "1001", csrf=True)
    headers = _csrf(browser)
    answer = browser.post(
        "/api/v1/client/services/1001/power", {"action": "reboot"}, content_type="application/json", headers=headers
    )
    assert answer.status_code == 200
    assert browser.post("/api/v1/client/services/1001/password", headers=headers).status_code == 200
    requests = OperationRequest.objects.filter(requested_by="client: 42")
    assert sorted(r.operation for r in requests) == ["power", "reset_password"]
    assert requests.get(operation="power").params == {"action": "reboot"}
    assert browser.post("/api/v1/client/services/1001/password").status_code == 403  # no CSRF token


def test_a_suspended_service_locks_the_client_out(billing: Api, small_plan: Plan) -> None:
    order(small_plan, "1001", "42")
    Service.objects.update(state=states.SUSPENDED)
    browser = signed_in(billing.client, billing.headers, "1001", csrf=True)
    page = browser.get("/client/services/1001/")
    assert page.status_code == 403
    assert "Suspended" in page.content.decode()
    assert "Vm-Pa55word-x1" not in page.content.decode()
    assert browser.get("/api/v1/client/services/1001").json()["state"] == states.SUSPENDED
    refused = browser.get("/api/v1/client/services/1001/credentials")
    assert (refused.status_code, refused.json()["error"]) == (403, "locked")
    power = browser.post(
        "/api/v1/client/services/1001/power",
        {"action": "start"},
        content_type="application/json",
        headers=_csrf(browser),
    )
    assert power.status_code == 403
    assert not OperationRequest.objects.filter(operation="power").exists()
