"""The client endpoints: the signed-in client's own services, its VM credentials, CSRF on every write."""

from __future__ import annotations

import pytest

from proxvps.inventory.models import Plan
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
