"""Signing a browser into the client area the way a client does: through a billing system's one-time link."""

from __future__ import annotations

from django.conf import settings
from django.test import Client

from proxvps.inventory.models import Plan, Service
from proxvps.lifecycle.orders import order_service
from tests.api.conftest import billing, small_plan, staff_write  # noqa: F401 - fixtures of these tests
from tests.lifecycle.conftest import cluster, plan, ready_vm  # noqa: F401 - fixtures of these tests
from tests.web.browser import browser_page, collected_static, site  # noqa: F401 - fixtures of the browser tests


def order(plan_: Plan, service_id: str, client_id: str) -> Service:
    return order_service(billing_service_id=service_id, client_ref=client_id, plan=plan_, password="Vm-Pa55word-x1")


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


def sso_path(billing_client: Client, headers: dict[str, str], service_id: str) -> str:
    """The path of a fresh one-time sign-in link for `service_id`, as the billing system hands it out."""
    response = billing_client.post(f"/api/v1/billing/services/{service_id}/sso", headers=headers)
    assert response.status_code == 200, response.content
    return str(response.json()["url"]).removeprefix(settings.PUBLIC_URL)
