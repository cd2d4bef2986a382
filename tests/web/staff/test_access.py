"""Who may do what in the staff console (SPEC S18, S21): roles are groups with the console's permissions; every
view checks them on the server, whatever the page showed; staff sign in with a lock-out after repeated failures
and a session that expires."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.test import Client

from proxvps.domain import states
from proxvps.inventory.models import ActionLog, Plan, Service
from tests.web.staff.conftest import PASSWORD, member

pytestmark = pytest.mark.django_db

PAGES = ["/staff/", "/staff/services/", "/staff/servers/", "/staff/plans/"]


def _service(state: str = states.ERROR) -> Service:
    plan, _created = Plan.objects.get_or_create(name="VPS S")
    return Service.objects.create(
        billing_service_id="61", client_ref="7", plan=plan, state=state, last_error="Clone failed: no space"
    )


def test_the_three_roles_are_groups_holding_what_each_may_do() -> None:
    held = {
        group.name: sorted(p.codename for p in group.permissions.all())
        for group in Group.objects.filter(name__in=["Viewer", "Operator", "Administrator"])
    }
    assert held == {
        "Viewer": ["view_console"],
        "Operator": ["run_operations", "view_console"],
        "Administrator": ["administer", "run_operations", "view_console"],
    }


@pytest.mark.parametrize("path", [*PAGES, "/staff/settings/"])
def test_a_signed_out_browser_is_sent_to_the_sign_in_page(client: Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/staff/sign-in/?next=")


def test_a_change_without_a_session_is_refused_with_401_and_changes_nothing(client: Client) -> None:
    service = _service()
    response = client.post(f"/staff/services/{service.pk}/do/reset-status/", {"state": states.READY})
    assert response.status_code == 401
    service.refresh_from_db()
    assert service.state == states.ERROR


@pytest.mark.parametrize("path", PAGES)
def test_a_viewer_reads_every_page(viewer: Client, path: str) -> None:
    response = viewer.get(path)
    assert response.status_code == 200
    assert 'data-staff-role="viewer"' in response.content.decode()


@pytest.mark.parametrize(
    ("slug", "data"),
    [
        ("retry", {}),
        ("reset-status", {"state": states.READY}),
        ("power-reboot", {}),
        ("suspend", {}),
        ("delete-record", {}),
    ],
)
def test_a_viewer_sees_no_action_button_and_the_server_refuses_each_action(
    viewer: Client, slug: str, data: dict[str, str]
) -> None:
    service = _service()
    logged = ActionLog.objects.count()
    page = viewer.get(f"/staff/services/{service.pk}/").content.decode()
    assert 'id="service-actions"' not in page
    assert "data-action=" not in page

    for method in (viewer.get, viewer.post):
        response = method(f"/staff/services/{service.pk}/do/{slug}/", data)
        assert response.status_code == 403
        assert "Your role does not allow this" in response.content.decode()
    service.refresh_from_db()
    assert service.state == states.ERROR
    assert ActionLog.objects.count() == logged


def test_an_operator_may_not_change_servers_plans_or_settings(operator: Client) -> None:
    assert operator.get("/staff/settings/").status_code == 403
    assert operator.post("/staff/servers/add/", {"name": "x"}).status_code == 403
    assert operator.post("/staff/plans/add/", {"name": "x"}).status_code == 403
    assert "/staff/settings/" not in operator.get("/staff/").content.decode()


def test_an_account_without_a_role_cannot_sign_in(client: Client) -> None:
    member("nobody", None)
    response = client.post("/staff/sign-in/", {"username": "nobody", "password": PASSWORD})
    assert response.status_code == 200
    assert "This account has no staff role" in response.content.decode()
    assert client.get("/staff/").status_code == 302


def test_sign_in_is_locked_after_five_failures_even_with_the_right_password(client: Client) -> None:
    member("mallory", "Administrator")
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        wrong = client.post("/staff/sign-in/", {"username": "mallory", "password": "guess"})
        assert "The username or the password is wrong" in wrong.content.decode() or wrong.status_code == 429

    locked = client.post("/staff/sign-in/", {"username": "mallory", "password": PASSWORD})

    assert locked.status_code == 429
    assert "Signing in is locked" in locked.content.decode()
    assert client.get("/staff/").status_code == 302


def test_a_staff_session_expires_after_the_configured_idle_time(client: Client) -> None:
    member("sam", "Viewer")
    client.post("/staff/sign-in/", {"username": "sam", "password": PASSWORD})
    assert client.session.get_expiry_age() == settings.PROXVPS_STAFF_SESSION_SECONDS
    assert client.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == settings.PROXVPS_STAFF_SESSION_SECONDS


def test_an_idle_staff_session_ends_and_a_used_one_goes_on(client: Client) -> None:
    from datetime import timedelta

    from django.contrib.sessions.models import Session
    from django.utils import timezone

    member("sid", "Viewer")
    client.post("/staff/sign-in/", {"username": "sid", "password": PASSWORD})
    key = client.session.session_key
    Session.objects.filter(pk=key).update(expire_date=timezone.now() + timedelta(seconds=5))
    assert client.get("/staff/").status_code == 200
    refreshed = Session.objects.get(pk=key).expire_date
    assert refreshed > timezone.now() + timedelta(seconds=settings.PROXVPS_STAFF_SESSION_SECONDS - 60)

    Session.objects.filter(pk=key).update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get("/staff/")
    assert response.status_code == 302
    assert response["Location"].startswith("/staff/sign-in/")
