"""API tokens are stored hashed and open only the endpoints of their scope."""

from __future__ import annotations

import pytest
from django.test import Client

from proxvps.api.models import ApiToken, TokenScope

pytestmark = pytest.mark.django_db


def _get(path: str, token: str | None) -> tuple[int, dict[str, object] | list[object]]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = Client().get(path, headers=headers)
    return response.status_code, response.json()


def test_a_token_is_stored_only_as_a_digest() -> None:
    row, token = ApiToken.issue("whmcs", TokenScope.BILLING)
    assert token not in (row.lookup, row.digest)
    assert ApiToken.authenticate(token) == row
    assert ApiToken.authenticate(token + "x") is None


def test_a_billing_token_reads_billing_endpoints() -> None:
    _row, token = ApiToken.issue("whmcs", TokenScope.BILLING)
    status, body = _get("/api/v1/billing/plans", token)
    assert status == 200
    assert body == []


def test_a_billing_token_cannot_call_a_staff_endpoint() -> None:
    _row, token = ApiToken.issue("whmcs", TokenScope.BILLING)
    status, body = _get("/api/v1/staff/servers", token)
    assert status == 403
    assert isinstance(body, dict)
    assert body["error"] == "forbidden"


def test_a_revoked_token_is_refused() -> None:
    row, token = ApiToken.issue("old", TokenScope.STAFF_READ)
    row.revoked = True
    row.save()
    status, _body = _get("/api/v1/staff/servers", token)
    assert status == 401


def test_no_token_is_refused_with_the_error_shape() -> None:
    status, body = _get("/api/v1/billing/templates", None)
    assert status == 401
    assert isinstance(body, dict)
    assert set(body) == {"error", "detail", "fields"}


def test_the_openapi_document_is_served() -> None:
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert "/api/v1/billing/plans" in response.json()["paths"]
