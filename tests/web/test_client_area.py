"""The client area's sign-in: a billing system's one-time link opens a session bound to the client, once, for two
minutes at most; the pages show that client's services and nobody else's."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from proxvps.inventory.models import ClientLoginLink, Plan
from tests.api.conftest import Api
from tests.web.conftest import order, signed_in

pytestmark = pytest.mark.django_db


def _link(billing: Api, service_id: str) -> str:
    status, body = billing.post(f"/api/v1/billing/services/{service_id}/sso")
    assert status == 200, body
    return str(body["url"]).removeprefix(settings.PUBLIC_URL)


def test_the_link_signs_the_client_in_and_shows_the_service(billing: Api, small_plan: Plan) -> None:
    service = order(small_plan, "1001", "42")
    browser = signed_in(billing.client, billing.headers, "1001")
    page = browser.get("/client/services/1001/")
    assert page.status_code == 200
    text = page.content.decode()
    assert service.hostname in text
    assert "VPS S" in text
    assert browser.session["proxvps_client"] == "42"
    assert "Vm-Pa55word-x1" not in text
    assert 'data-reveal-url="/api/v1/client/services/1001/credentials"' in text


def test_a_link_works_once(billing: Api, small_plan: Plan) -> None:
    order(small_plan, "1001", "42")
    path = _link(billing, "1001")
    assert Client().get(path).status_code == 302
    second = Client()
    refused = second.get(path)
    assert refused.status_code == 403
    assert "expired or was already used" in refused.content.decode()
    assert second.get("/client/services/1001/").status_code == 403


def test_a_link_older_than_two_minutes_is_refused(billing: Api, small_plan: Plan) -> None:
    order(small_plan, "1001", "42")
    path = _link(billing, "1001")
    link = ClientLoginLink.objects.get()
    assert link.expires_at - link.created_at <= timedelta(minutes=2)
    ClientLoginLink.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert Client().get(path).status_code == 403


def test_only_a_hash_of_the_token_is_stored(billing: Api, small_plan: Plan) -> None:
    order(small_plan, "1001", "42")
    token = _link(billing, "1001").rstrip("/").rsplit("/", 1)[-1]
    link = ClientLoginLink.objects.get()
    assert token not in (link.digest, str(link))
    assert len(link.digest) == 64


def test_another_clients_service_page_is_not_found(billing: Api, small_plan: Plan) -> None:
    order(small_plan, "1001", "42")
    order(small_plan, "2002", "43")
    browser = signed_in(billing.client, billing.headers, "1001")
    assert browser.get("/client/services/2002/").status_code == 404
    home = browser.get("/client/").content.decode()
    assert "1001" in home or "vps-42-1001" in home
    assert "2002" not in home


def test_without_a_session_the_pages_ask_to_sign_in_through_billing(small_plan: Plan) -> None:
    order(small_plan, "1001", "42")
    response = Client().get("/client/services/1001/")
    assert response.status_code == 403
    assert "billing account" in response.content.decode()


def test_signing_out_needs_the_csrf_token_and_ends_the_session(billing: Api, small_plan: Plan) -> None:
    order(small_plan, "1001", "42")
    browser = signed_in(billing.client, billing.headers, "1001", csrf=True)
    assert browser.post("/client/sign-out/").status_code == 403
    page = browser.get("/client/services/1001/")
    token = page.context["csrf_token"]
    signed_out = browser.post("/client/sign-out/", {"csrfmiddlewaretoken": token})
    assert signed_out.status_code == 200
    assert "You have signed out." in signed_out.content.decode()
    assert browser.get("/client/services/1001/").status_code == 403


def test_no_link_for_a_terminated_service(billing: Api, small_plan: Plan) -> None:
    service = order(small_plan, "1001", "42")
    service.state = "remove"
    service.save()
    status, _body = billing.post("/api/v1/billing/services/1001/sso")
    assert status == 409
    assert not ClientLoginLink.objects.exists()
