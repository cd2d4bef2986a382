"""The staff console in a real browser (Chromium through Playwright) against a live server and the sandbox, the
worker driven by the test: each role signs in at /staff/sign-in/ and works by clicks and typing alone; every page
is screenshot at 1440 px and 390 px and checked with axe-core."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from proxvps.domain import states
from proxvps.inventory.models import Plan, Server, Service
from proxvps.lifecycle.orders import order_service
from proxvps.lifecycle.terminate import request_terminate
from tests.lifecycle.conftest import drive
from tests.web.browser import WIDE, Looker
from tests.web.staff.conftest import PASSWORD, member

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def _sign_in(page: Any, username: str, role: str) -> None:
    member(username, role)
    page.goto("/staff/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("h1")).to_have_text("Dashboard")


def _state(page: Any, state: str) -> None:
    expect(page.locator("#service-state [data-state]")).to_have_attribute("data-state", state)


def test_a_viewer_reads_the_dashboard_and_a_service_but_no_action_works(browser_page: Any, ready_vm: Service) -> None:
    page = browser_page
    looker = Looker(page, "staff-viewer", desktop=WIDE)
    page.goto("/staff/sign-in/")
    looker.look("sign-in")
    _sign_in(page, "vera", "Viewer")
    expect(page.locator("#clusters[data-loaded='1'] [data-node='pve1']")).to_have_count(1)
    looker.look("dashboard")

    page.get_by_role("link", name="Services").first.click()
    expect(
        page.locator(f"tr[data-service='{ready_vm.billing_service_id}'] [data-power-state='running']")
    ).to_have_count(1)
    looker.look("services")
    page.get_by_role("link", name=ready_vm.hostname).click()
    expect(page.locator("#staff-status [data-power-state='running']")).to_have_count(1)
    expect(page.locator("[data-action]")).to_have_count(0)
    looker.look("service")

    # The server refuses what the page does not offer: the confirmation page, and a post with a valid CSRF token.
    answer = page.goto(f"/staff/services/{ready_vm.pk}/do/power-reboot/")
    assert answer.status == 403
    token = page.locator("meta[name='csrf-token']").get_attribute("content")
    refused = page.request.post(
        f"/staff/services/{ready_vm.pk}/do/power-reboot/", headers={"X-CSRFToken": token}, form={}
    )
    assert refused.status == 403
    assert not ready_vm.requests.filter(operation="power").exists()
    assert not page.script_errors, page.script_errors


def test_an_operator_retries_a_failed_deploy_resets_a_stuck_terminate_and_reboots_a_vm(
    browser_page: Any, sandbox, plan: Plan, ready_vm: Service
) -> None:
    page = browser_page
    looker = Looker(page, "staff-operator", desktop=WIDE)
    _sign_in(page, "otto", "Operator")

    # A deploy whose start the sandbox failed once: the red banner names the step; Retry runs it again.
    sandbox.call(lambda pve: pve.fail("POST", "/status/start", 500, "start failed: no quorum", times=1))
    failing = order_service(billing_service_id="8201", client_ref="9", plan=plan)
    drive(failing)
    assert failing.state == states.SET_CLOUDINIT
    page.goto(f"/staff/services/{failing.pk}/")
    expect(page.locator("#last-error")).to_contain_text("Last error at step “Start VM”")
    expect(page.locator("#last-error")).to_contain_text("no quorum")
    looker.look("service-failed")
    page.locator("[data-action='retry']").click()
    expect(page.locator("#explanation")).to_contain_text("The step that failed runs again now")
    looker.look("confirm-retry")
    page.locator("[data-confirm='retry']").click()
    expect(page.get_by_role("alert").first).to_contain_text("The failed step runs again")
    drive(failing)
    assert failing.state == states.READY
    _state(page, states.READY)
    expect(page.locator("#last-error")).to_have_count(0)

    # A terminate whose VM delete failed: reset to terminate, it runs again and the service is removed.
    path = f"/nodes/{ready_vm.node}/qemu/{ready_vm.vmid}"
    sandbox.call(lambda pve: pve.fail("DELETE", path, error="failed_remove_config_file", times=1))
    request_terminate(ready_vm)
    drive(ready_vm)
    assert ready_vm.state == states.ERROR_TERMINATE
    page.goto(f"/staff/services/{ready_vm.pk}/")
    page.locator("[data-action='reset-status']").click()
    expect(page.get_by_role("table")).to_contain_text("When to use each status")
    page.get_by_label("terminate (retry)").check()
    looker.look("confirm-reset-status")
    page.locator("[data-confirm='reset-status']").click()
    _state(page, states.TERMINATE)
    drive(ready_vm)
    assert ready_vm.state == states.REMOVE
    _state(page, states.REMOVE)

    # Reboot a running VM: confirmed, queued, done by the worker; the log says so.
    page.goto(f"/staff/services/{failing.pk}/")
    page.locator("[data-action='power-reboot']").click()
    expect(page.locator("#explanation")).to_contain_text("asked to restart")
    looker.look("confirm-reboot")
    page.locator("[data-confirm='power-reboot']").click()
    _state(page, states.POWER)
    drive(failing)
    _state(page, states.READY)
    expect(page.locator("[data-operation='power'] [data-result='success']").first).to_be_visible()
    looker.look("service-ready")

    # The same from the list: select the service, choose the action, read what it will do.
    page.get_by_role("link", name="Services").first.click()
    page.get_by_label(f"Select service {failing.billing_service_id}").check()
    page.get_by_label("With the selected services:").select_option("power-reboot")
    page.get_by_role("button", name="Continue…").click()
    expect(page.locator("h1")).to_contain_text("Reboot: 1 service")
    looker.look("bulk-confirm")
    page.get_by_role("button", name="Yes, Reboot").click()
    expect(page.get_by_role("alert").first).to_contain_text("Reboot: asked for 1 service.")
    assert not page.script_errors, page.script_errors


def test_an_administrator_adds_a_server_syncs_it_makes_a_plan_and_sees_the_empty_group_banner(
    browser_page: Any, sandbox
) -> None:
    page = browser_page
    looker = Looker(page, "staff-admin", desktop=WIDE)
    _sign_in(page, "ada", "Administrator")
    info = sandbox.info

    page.get_by_role("link", name="Servers").click()
    page.get_by_role("link", name="Add server").click()
    page.get_by_label("Name").fill("lab")
    page.get_by_label("API URL").fill(info.url)
    page.get_by_label("API token id").fill(info.token_id)
    page.get_by_label("API token secret").fill(info.token_secret)
    page.get_by_label("Pinned certificate fingerprint").fill(info.fingerprint)
    page.get_by_role("button", name="Test connection").click()
    expect(page.locator("#connection-test")).to_contain_text("Connected: Proxmox VE")
    page.get_by_label("API token secret").fill(info.token_secret)
    looker.look("server-form")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("h1")).to_have_text("lab")
    page.locator("[data-action='sync']").click()
    expect(page.get_by_role("alert").first).to_contain_text("Synced: 3 nodes")
    expect(page.locator("#nodes [data-node='pve1']")).to_contain_text("GB")
    looker.look("server")
    server = Server.objects.get(name="lab")
    page.locator("#templates a").first.click()
    page.get_by_label("Name shown to clients").fill("Debian 12")
    page.get_by_label("Description shown to clients").fill("Stable and minimal.")
    looker.look("template-form")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#templates")).to_contain_text("Stable and minimal.")

    page.get_by_role("link", name="Servers").first.click()
    page.get_by_role("link", name="Add group").click()
    page.get_by_label("Name").fill("Empty group")
    looker.look("group-form")
    page.get_by_role("button", name="Save").click()
    looker.look("servers")

    page.get_by_role("link", name="Plans").click()
    page.get_by_role("link", name="Add plan").click()
    page.get_by_label("Name", exact=True).fill("VPS XL")
    page.get_by_label("Server group").select_option(label="Empty group")
    page.get_by_role("button", name="Save plan").click()
    expect(page.locator("#group-problem")).to_contain_text("The server group Empty group has no servers assigned.")
    expect(page.locator("#group-problem")).to_contain_text("Add a server to the group")
    looker.look("plan-empty-group")
    page.get_by_role("link", name="Edit this plan's mails").click()
    page.locator("#id_welcome_subject").fill("Your VPS XL is on its way")
    page.locator("#id_welcome_body").fill("{{ hostname }} is being built.")
    looker.look("plan-mail")
    page.get_by_role("button", name="Save mails").click()
    expect(page.locator("[data-mail='welcome']")).to_contain_text("this plan's own text")
    assert Plan.objects.get(name="VPS XL").server_group is not None
    page.get_by_role("link", name="Plans").first.click()
    looker.look("plans")
    page.get_by_role("link", name="Settings").click()
    looker.look("settings")
    page.get_by_role("link", name="API tokens").click()
    page.get_by_label("Name").fill("whmcs")
    page.get_by_label("Scope").select_option("billing")
    page.get_by_role("button", name="Issue").click()
    expect(page.locator("#issued-token code")).to_contain_text("pvx_")
    looker.look("tokens")
    assert server.templates.exists()
    assert not page.script_errors, page.script_errors
