"""The client area's pages and fragments without a browser: what the plan grants (hidden and refused), which
requests reach Proxmox (none while a page renders; one rrddata per timeframe for any number of graph viewers),
who may see what (another client's service is 404, no session 401 or a clear page), and the progress card."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from proxvps.inventory.choices import ClientFeature, RequestStatus
from proxvps.inventory.models import OperationRequest, Plan, Service
from tests.api.conftest import Api
from tests.web.conftest import order, signed_in

pytestmark = pytest.mark.django_db

TABS = ("graphs", "snapshots", "backups", "firewall", "iso", "reinstall", "password", "rdns")
PAGES = ("", *(f"{tab}/" for tab in TABS))
FRAGMENTS = (
    "live/status/",
    "live/progress/",
    "live/summary/",
    "live/graphs/hour/",
    "live/snapshots/",
    "live/backups/",
    "live/firewall/",
    "live/iso/",
)
CHANGES = (
    "do/power/",
    "do/snapshots/",
    "do/snapshots/base/rollback/",
    "do/snapshots/base/delete/",
    "do/backups/",
    "do/backups/schedule/",
    "do/backups/restore/",
    "do/backups/delete/",
    "do/firewall/rules/",
    "do/firewall/move/",
    "do/firewall/policy/",
    "do/firewall/rules/0/delete/",
    "do/iso/mount/",
    "do/iso/unmount/",
    "do/reinstall/",
    "do/password/",
    "do/rdns/",
)


def _proxmox_requests(sandbox: Any) -> list[tuple[str, str]]:
    return [(method, path) for method, path, _body in sandbox.pve.requests]


# ------------------------------------------------------------------------------------------------- permissions


def test_a_plan_without_snapshots_shows_no_snapshot_tab_and_the_api_refuses_them(
    billing: Api, small_plan: Plan
) -> None:
    small_plan.client_snapshots = False
    small_plan.save()
    order(small_plan, "1001", "42")
    browser = signed_in(billing.client, billing.headers, "1001")

    page = browser.get("/client/services/1001/").content.decode()
    assert "/client/services/1001/snapshots/" not in page
    assert "/client/services/1001/backups/" in page  # the other tabs stay
    assert browser.get("/client/services/1001/snapshots/").status_code == 404

    refused = browser.post("/api/v1/client/services/1001/snapshots", {"name": "base"}, content_type="application/json")
    assert refused.status_code == 403
    assert refused.json() == {"error": "not_in_plan", "detail": "Your plan does not include snapshots.", "fields": {}}
    web = browser.post("/client/services/1001/do/snapshots/", {"name": "base"})
    assert web.status_code == 403
    assert web.content.decode() == "Your plan does not include snapshots."


@pytest.mark.parametrize(
    ("feature", "method", "path", "body"),
    [
        (ClientFeature.POWER, "post", "/power", {"action": "start"}),
        (ClientFeature.PASSWORD, "post", "/password", None),
        (ClientFeature.BACKUPS, "get", "/backups", None),
        (ClientFeature.FIREWALL, "get", "/firewall/rules", None),
        (ClientFeature.ISO, "get", "/isos", None),
        (ClientFeature.REINSTALL, "post", "/reinstall", {}),
    ],
)
def test_each_feature_the_plan_withholds_is_refused_by_the_client_api(
    billing: Api, small_plan: Plan, feature: ClientFeature, method: str, path: str, body: Any
) -> None:
    setattr(small_plan, f"client_{feature.value}", False)
    small_plan.save()
    order(small_plan, "1001", "42")
    browser = signed_in(billing.client, billing.headers, "1001")
    kwargs: dict[str, Any] = {} if body is None else {"data": body, "content_type": "application/json"}
    answer = getattr(browser, method)(f"/api/v1/client/services/1001{path}", **kwargs)
    assert answer.status_code == 403
    assert answer.json()["detail"] == f"Your plan does not include {feature.label}."
    tabs = browser.get("/client/services/1001/").content.decode()
    assert f"Your plan does not include {feature.label}." not in tabs


def test_the_plan_api_sets_client_permissions(staff_write: Api, small_plan: Plan) -> None:
    status, body = staff_write.patch(f"/api/v1/staff/plans/{small_plan.pk}", {"client_firewall": False})
    assert status == 200, body
    assert body["client_firewall"] is False
    assert body["client_snapshots"] is True
    small_plan.refresh_from_db()
    assert small_plan.client_features() == frozenset(f.value for f in ClientFeature) - {"firewall"}


# ------------------------------------------------------------------------------------------- Proxmox requests


def test_no_proxmox_request_while_a_page_renders(billing: Api, ready_vm: Service, sandbox: Any) -> None:
    ready_vm.plan.iso_storage = "local"
    ready_vm.plan.save()
    browser = signed_in(billing.client, billing.headers, ready_vm.billing_service_id)
    base = f"/client/services/{ready_vm.billing_service_id}/"
    before = len(sandbox.pve.requests)
    for page in ("/client/", *(base + path for path in PAGES)):
        answer = browser.get(page)
        assert answer.status_code == 200, page
    assert _proxmox_requests(sandbox)[before:] == []

    # The live parts are where Proxmox is asked: the status fragment reads the VM's status.
    cache.clear()
    assert browser.get(base + "live/status/").status_code == 200
    assert ("GET", f"/api2/json/nodes/{ready_vm.node}/qemu/{ready_vm.vmid}/status/current") in _proxmox_requests(
        sandbox
    )[before:]


def test_fifty_graph_viewers_cost_one_rrddata_request_per_timeframe(
    billing: Api, ready_vm: Service, sandbox: Any
) -> None:
    cache.clear()
    viewers = [signed_in(billing.client, billing.headers, ready_vm.billing_service_id) for _ in range(5)]
    before = len(sandbox.pve.requests)
    for timeframe in ("hour", "day", "week", "month"):
        for n in range(50):
            answer = viewers[n % len(viewers)].get(
                f"/client/services/{ready_vm.billing_service_id}/live/graphs/{timeframe}/"
            )
            assert answer.status_code == 200
            data = answer.json()
            assert len(data["time"]) == 70
            assert any(value for value in data["series"]["cpu"])
    rrd = [path for method, path in _proxmox_requests(sandbox)[before:] if path.endswith("/rrddata")]
    assert len(rrd) == 4


def test_the_status_is_cached_thirty_seconds_and_read_fresh_while_an_operation_runs(
    billing: Api, ready_vm: Service, sandbox: Any
) -> None:
    cache.clear()
    browser = signed_in(billing.client, billing.headers, ready_vm.billing_service_id)
    url = f"/client/services/{ready_vm.billing_service_id}/live/status/"
    before = len(sandbox.pve.requests)
    for _ in range(5):
        page = browser.get(url).content.decode()
        assert 'hx-trigger="every 30s' in page
    status_reads = [p for _m, p in _proxmox_requests(sandbox)[before:] if p.endswith("/status/current")]
    assert len(status_reads) == 1

    browser.post(
        f"/client/services/{ready_vm.billing_service_id}/do/power/", {"action": "reboot"}, HTTP_HX_REQUEST="true"
    )
    for _ in range(3):
        page = browser.get(url).content.decode()
        assert 'hx-trigger="every 1s' in page
    status_reads = [p for _m, p in _proxmox_requests(sandbox)[before:] if p.endswith("/status/current")]
    assert len(status_reads) == 4


def test_a_queued_change_brings_the_busy_progress_card_out_of_band(billing: Api, ready_vm: Service) -> None:
    """The card must not depend on the queued event alone: a form replaced while its request ran (the tab reloading
    as the last operation ended) fires that event where no one listens, and the page would never show the work."""
    browser = signed_in(billing.client, billing.headers, ready_vm.billing_service_id)
    answer = browser.post(f"/client/services/{ready_vm.billing_service_id}/do/backups/", HTTP_HX_REQUEST="true")
    assert answer["HX-Trigger"] == "proxvps-queued"
    card = answer.content.decode().split('<div id="progress"', 1)[1].split(">", 1)[0]
    assert 'hx-swap-oob="true"' in card
    assert 'data-busy="1"' in card

    power = browser.post(
        f"/client/services/{ready_vm.billing_service_id}/do/power/", {"action": "reboot"}, HTTP_HX_REQUEST="true"
    )
    assert power.status_code == 200
    assert "hx-swap-oob" not in power.content.decode()


# ----------------------------------------------------------------------------------------------------- access


def test_every_page_fragment_and_change_refuses_another_clients_service(billing: Api, small_plan: Plan) -> None:
    order(small_plan, "1001", "42")
    order(small_plan, "2002", "43")
    browser = signed_in(billing.client, billing.headers, "1001")
    for path in (*PAGES, *FRAGMENTS):
        assert browser.get(f"/client/services/2002/{path}").status_code == 404, path
    for path in CHANGES:
        assert browser.post(f"/client/services/2002/{path}", {}).status_code == 404, path


def test_without_a_session_fragments_and_changes_answer_401_and_pages_say_how_to_sign_in(small_plan: Plan) -> None:
    order(small_plan, "1001", "42")
    anonymous = Client()
    for path in PAGES:
        page = anonymous.get(f"/client/services/1001/{path}")
        assert page.status_code == 403, path
        assert "Open the client area from your billing account." in page.content.decode()
    for path in FRAGMENTS:
        answer = anonymous.get(f"/client/services/1001/{path}", HTTP_HX_REQUEST="true")
        assert answer.status_code == 401, path
        assert answer["HX-Refresh"] == "true", path  # the polling page reloads and says how to sign in
    for path in CHANGES:
        assert anonymous.post(f"/client/services/1001/{path}", {}).status_code == 401, path


def test_changes_need_the_csrf_token(billing: Api, small_plan: Plan) -> None:
    order(small_plan, "1001", "42")
    browser = signed_in(billing.client, billing.headers, "1001", csrf=True)
    for path in CHANGES:
        assert browser.post(f"/client/services/1001/{path}", {}).status_code == 403, path


# --------------------------------------------------------------------------------------------------- progress


def test_a_failed_operation_says_so_in_one_sentence_without_the_error(billing: Api, small_plan: Plan) -> None:
    service = order(small_plan, "1001", "42")
    service.state = "ready"
    service.save()
    OperationRequest.objects.create(
        service=service,
        operation="snapshot_create",
        status=RequestStatus.FAILED,
        message="HTTP 500: storage 'local-lvm' timed out (internal detail)",
        started_at=timezone.now(),
        finished_at=timezone.now(),
    )
    browser = signed_in(billing.client, billing.headers, "1001")
    card = browser.get("/client/services/1001/live/progress/").content.decode()
    assert "Create snapshot could not be completed. Our staff have been told." in " ".join(card.split())
    assert "internal detail" not in card
    assert "every 1s" not in card


def test_an_operation_in_flight_shows_its_step_and_keeps_polling(billing: Api, small_plan: Plan) -> None:
    order(small_plan, "1001", "42")  # a new order: the deploy is in flight, at its first step
    browser = signed_in(billing.client, billing.headers, "1001")
    card = " ".join(browser.get("/client/services/1001/live/progress/").content.decode().split())
    assert "Deploy" in card
    assert "Reserving your IP addresses" in card
    assert "every 1s" in card


# ------------------------------------------------------------------------------------------------ the layout


def test_the_language_switch_changes_the_page_language_and_direction(billing: Api, small_plan: Plan) -> None:
    order(small_plan, "1001", "42")
    browser = signed_in(billing.client, billing.headers, "1001", csrf=True)
    page = browser.get("/client/services/1001/")
    html = page.content.decode()
    assert '<html lang="en" dir="ltr">' in html
    assert "bootstrap.min.css" in html
    switched = browser.post(
        "/i18n/setlang/",
        {"language": "ar", "next": "/client/services/1001/", "csrfmiddlewaretoken": page.context["csrf_token"]},
    )
    assert switched.status_code == 302
    assert switched["Location"] == "/client/services/1001/"
    arabic = browser.get("/client/services/1001/").content.decode()
    assert '<html lang="ar" dir="rtl">' in arabic
    assert "bootstrap.rtl.min.css" in arabic


def test_pages_carry_no_inline_script_and_a_same_origin_referrer_policy(billing: Api, small_plan: Plan) -> None:
    order(small_plan, "1001", "42")
    browser = signed_in(billing.client, billing.headers, "1001")
    for path in ("/client/", *(f"/client/services/1001/{p}" for p in PAGES)):
        answer = browser.get(path)
        html = answer.content.decode()
        assert answer["Referrer-Policy"] == "same-origin", path
        assert '<meta name="referrer" content="same-origin">' in html, path
        scripts = html.split("<script")[1:]
        assert scripts, path
        assert all(' src="' in tag.split(">", 1)[0] for tag in scripts), path
        # Nothing is loaded from another site (the CSRF token in the page is random: no word search here).
        assert not re.search(r'(?:src|href)="(?:https?:)?//', html), path


def test_the_provider_name_and_logo_come_from_the_settings(billing: Api, small_plan: Plan, settings: Any) -> None:
    settings.PROXVPS_PROVIDER_NAME = "Example Hosting"
    settings.PROXVPS_PROVIDER_LOGO = "https://example.com/logo.svg"
    order(small_plan, "1001", "42")
    browser = signed_in(billing.client, billing.headers, "1001")
    html = browser.get("/client/").content.decode()
    assert "Example Hosting" in html
    assert '<img src="https://example.com/logo.svg" alt="">' in html
