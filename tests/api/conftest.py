"""Tokens of each scope, a client to call the API with them, and the sandbox cluster and plan of the lifecycle
tests (for the tests that drive a service to a real VM)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from proxvps.api.models import ApiToken, TokenScope
from proxvps.inventory.models import Plan
from tests.lifecycle.conftest import cluster, plan, ready_vm  # noqa: F401 - fixtures used by the API tests


class Api:
    """A test client that sends one bearer token and JSON bodies, and hands back (status, decoded body)."""

    def __init__(self, token: str | None) -> None:
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def call(self, method: str, path: str, body: Any = None, **params: Any) -> tuple[int, Any]:
        kwargs: dict[str, Any] = {"headers": self.headers}
        if body is not None:
            kwargs.update(data=body, content_type="application/json")
        elif params:
            kwargs["data"] = params
        response = getattr(self.client, method.lower())(path, **kwargs)
        return response.status_code, (response.json() if response.content else None)

    def get(self, path: str, **params: Any) -> tuple[int, Any]:
        return self.call("GET", path, **params)

    def post(self, path: str, body: Any = None) -> tuple[int, Any]:
        return self.call("POST", path, body if body is not None else {})

    def patch(self, path: str, body: Any) -> tuple[int, Any]:
        return self.call("PATCH", path, body)

    def delete(self, path: str) -> tuple[int, Any]:
        return self.call("DELETE", path)


def _token(scope: str) -> str:
    return ApiToken.issue(f"test {scope}", scope)[1]


@pytest.fixture
def billing(db) -> Api:
    return Api(_token(TokenScope.BILLING))


@pytest.fixture
def staff_read(db) -> Api:
    return Api(_token(TokenScope.STAFF_READ))


@pytest.fixture
def staff_write(db) -> Api:
    return Api(_token(TokenScope.STAFF_WRITE))


@pytest.fixture
def small_plan(db) -> Plan:
    """A plan with no cluster behind it: enough for orders, which answer before any Proxmox call."""
    return Plan.objects.create(name="VPS S", cpu_cores=1, ram_mb=1024, system_disk_gb=10, ipv4_count=1)


def order_body(
    service_id: str = "1001", client_id: str = "42", plan_name: str = "VPS S", **extra: Any
) -> dict[str, Any]:
    """A billing system's order as WHMCS's bridge sends it."""
    return {
        "service_id": service_id,
        "client": {"id": client_id, "email": "ann@example.com", "first_name": "Ann", "last_name": "Lee"},
        "plan": plan_name,
        "options": {},
        **extra,
    }
