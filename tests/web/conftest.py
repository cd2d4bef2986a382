"""Signing a browser into the client area the way a client does: through a billing system's one-time link."""

from __future__ import annotations

from django.conf import settings
from django.test import Client

from proxvps.inventory.models import Plan, Service
from proxvps.lifecycle.orders import order_service
from tests.api.conftest import billing, small_plan  # noqa: F401 - fixtures of the client area tests


def order(plan: Plan, service_id: str, client_id: str) -> Service:
    return order_service(billing_service_id=service_id, client_ref=client_id, plan=plan, password="Vm-Pa55word-x1")


def signed_in(billing_client: Client, headers: dict[str, str], service_id: str, *, csrf: bool = False) -> Client:
    """A browser signed in through the SSO link the billing endpoint hands out for `service_id`."""
    response = billing_client.post(f"/api/v1/billing/services/{service_id}/sso", headers=headers)
    assert response.status_code == 200, response.content
    url = response.json()["url"]
    assert url.startswith(settings.PUBLIC_URL + "/client/sign-in/")
    browser = Client(enforce_csrf_checks=csrf)
    landing = browser.get(url.removeprefix(settings.PUBLIC_URL))
    assert landing.status_code == 302, landing.content
    assert landing["Location"] == f"/client/services/{service_id}/"
    return browser
