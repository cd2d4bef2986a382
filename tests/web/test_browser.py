"""The client area in a real browser (Chromium through Playwright), against a live server and the sandbox cluster,
with the worker driven by the test: a client signs in through the billing system's link and, by clicks and typing
alone, runs every self-service feature, each page screenshot at two widths and checked with axe-core."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import expect

from proxvps.domain import states
from proxvps.domain.reverse import ptr_name
from proxvps.inventory.models import Plan, Service, Template
from proxvps.ipam.models import DnsZone
from tests.api.conftest import Api
from tests.dns.powerdns_server import PowerDnsServer
from tests.lifecycle.conftest import drive
from tests.web.browser import Looker
from tests.web.conftest import sso_path

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

V4_REVERSE = "2.0.192.in-addr.arpa"


@pytest.fixture
def full_plan(plan: Plan) -> Plan:
    """The lifecycle tests' plan with every client feature: ISOs on the sandbox's `local` storage, templates named
    for clients."""
    plan.iso_storage = "local"
    plan.snapshots_count = 3
    plan.save()
    for template in Template.objects.all():
        template.client_name = f"{template.os_name or 'Linux'} server edition".strip()
        template.save()
    return plan


def _settled(page: Any, service: Service) -> None:
    """Once the page shows the operation the client asked for, run the worker until it is done, then wait for the
    page to see that."""
    expect(page.locator("#progress[data-busy='1']")).to_have_count(1)
    drive(service)
    assert service.state == states.READY, service.last_error
    expect(page.locator("#progress[data-busy='0']")).to_have_count(1)


def _drag(page: Any, source: Any, target: Any) -> None:
    """Drag `source` onto the upper half of `target` with the mouse, in small moves, as a person does."""
    start, end = source.bounding_box(), target.bounding_box()
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    page.mouse.down()
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + 5, steps=5)
    page.mouse.move(end["x"] + end["width"] / 2, end["y"] + 2, steps=15)
    page.mouse.up()


def _running(page: Any) -> None:
    expect(page.locator("#status-badge [data-power-state]")).to_have_attribute("data-power-state", "running")


def test_a_client_runs_the_vm_from_the_client_area(
    browser_page: Any, billing: Api, full_plan: Plan, ready_vm: Service
) -> None:
    page = browser_page
    looker = Looker(page, "client")
    sid = ready_vm.billing_service_id

    # Signed in through the billing system's one-time link.
    page.goto(sso_path(billing.client, billing.headers, sid))
    expect(page.locator("h1")).to_have_text(ready_vm.hostname)
    _running(page)
    expect(page.locator("#status [data-power-state]")).to_have_attribute("data-power-state", "running")
    looker.look("overview")

    page.get_by_role("button", name="Your services").click()
    page.get_by_role("link", name="All services").click()
    expect(page.locator(f"#status-{sid} [data-power-state]")).to_have_attribute("data-power-state", "running")
    looker.look("services")
    page.get_by_role("link", name=ready_vm.hostname).click()

    # Reboot: confirmed, shown while it runs, then the state comes back to running.
    page.locator("[data-power='reboot']").click()
    expect(page.locator("#progress[data-busy='1']")).to_contain_text("Power action")
    looker.look("power-in-flight")
    _settled(page, ready_vm)
    _running(page)

    assert not page.script_errors, page.script_errors


def test_snapshots_backups_firewall_and_iso_through_the_page(
    browser_page: Any, billing: Api, full_plan: Plan, ready_vm: Service
) -> None:
    page = browser_page
    looker = Looker(page, "client")
    sid = ready_vm.billing_service_id
    page.goto(sso_path(billing.client, billing.headers, sid))
    _running(page)

    # Snapshots: take one with a name and a description, roll back to it, delete it.
    page.get_by_role("link", name="Snapshots").click()
    page.get_by_label("Name").fill("1-bad name")
    page.get_by_role("button", name="Take snapshot").click()
    expect(page.locator("#id_name-error")).to_be_visible()
    page.get_by_label("Name").fill("before-upgrade")
    page.get_by_label("Description").fill("Before the upgrade to PHP 8.3")
    page.get_by_role("button", name="Take snapshot").click()
    expect(page.locator("#progress[data-busy='1']")).to_contain_text("Create snapshot")
    _settled(page, ready_vm)
    row = page.locator("tr[data-snapshot='before-upgrade']")
    expect(row).to_contain_text("Before the upgrade to PHP 8.3")
    looker.look("snapshots")
    row.get_by_role("button", name="Roll back").click()
    expect(page.locator("#progress[data-busy='1']")).to_contain_text("Roll back")
    _settled(page, ready_vm)
    page.locator("tr[data-snapshot='before-upgrade']").get_by_role("button", name="Delete").click()
    _settled(page, ready_vm)
    expect(page.locator("tr[data-snapshot='before-upgrade']")).to_have_count(0)
    expect(page.locator("#tab-body")).to_contain_text("You have no snapshots.")

    # Backups: make one, restore it (the VM must be off: the page says so and offers to shut it down).
    page.get_by_role("link", name="Backups").click()
    page.get_by_role("button", name="Back up now").click()
    expect(page.locator("#progress[data-busy='1']")).to_contain_text("Create backup")
    _settled(page, ready_vm)
    expect(page.locator("tr[data-backup]")).to_have_count(1)
    page.get_by_label("Monday").check()
    page.get_by_label("Thursday").check()
    page.get_by_role("button", name="Save schedule").click()
    expect(page.locator("#tab-body")).to_contain_text("Backups run at")
    looker.look("backups")
    page.locator("tr[data-backup]").get_by_role("button", name="Restore").click()
    expect(page.locator("#tab-body .alert-danger")).to_contain_text("must be off")
    looker.look("backups-restore-refused")
    page.locator("#stop-for-restore").click()
    _settled(page, ready_vm)
    expect(page.locator("#status-badge [data-power-state]")).to_have_attribute("data-power-state", "stopped")
    page.locator("tr[data-backup]").get_by_role("button", name="Restore").click()
    expect(page.locator("#progress[data-busy='1']")).to_contain_text("Restore backup")
    _settled(page, ready_vm)
    _running(page)

    # Firewall: two rules, the second dragged above the first, one deleted; a refused field shown at its input.
    page.get_by_role("link", name="Firewall").click()
    form = page.locator("form[hx-post$='/do/firewall/rules/']")
    form.get_by_label("Protocol").fill("tcp")
    form.get_by_label("Destination port").fill("99999")
    form.get_by_role("button", name="Add rule").click()
    expect(page.locator("#id_dport-error")).to_be_visible()
    for port, comment in (("22", "ssh"), ("443", "https")):
        form = page.locator("form[hx-post$='/do/firewall/rules/']")
        form.get_by_label("Protocol").fill("tcp")
        form.get_by_label("Destination port").fill(port)
        form.get_by_label("Comment").fill(comment)
        form.get_by_role("button", name="Add rule").click()
        expect(page.locator(f"tr[data-rule='{comment}']")).to_have_count(1)
    rows = page.locator("#rules tbody tr")
    expect(rows.first).to_have_attribute("data-rule", "https")  # a new rule goes on top
    looker.look("firewall")
    with page.expect_response(lambda answer: "/do/firewall/move/" in answer.url) as moved:
        _drag(page, rows.nth(1).locator(".drag-handle"), rows.nth(0).locator(".drag-handle"))
    assert moved.value.status == 200
    expect(page.locator("#rules tbody tr").first).to_have_attribute("data-rule", "ssh")
    page.locator("tr[data-rule='https']").get_by_role("button", name="Delete").click()
    expect(page.locator("#rules tbody tr")).to_have_count(1)
    expect(page.locator("#rules tbody tr").first).to_have_attribute("data-rule", "ssh")
    page.locator("tr[data-rule='ssh']").get_by_role("button", name="Edit").click()
    expect(page.locator("#add-rule-title")).to_have_text("Edit rule 1")
    expect(page.get_by_label("Destination port")).to_have_value("22")
    page.get_by_label("Destination port").fill("2222")
    page.get_by_role("button", name="Save rule").click()
    expect(page.locator("tr[data-rule='ssh']")).to_contain_text("2222")
    expect(page.locator("#add-rule-title")).to_have_text("Add a rule")

    # ISO: mount one from the grouped picker, see it in the drive, eject it.
    page.get_by_role("link", name="ISO images").click()
    expect(page.locator("#mounted")).to_contain_text("Empty")
    page.get_by_label("Image", exact=True).select_option(label="Debian-12.5.0-amd64-netinst.iso")
    page.get_by_role("button", name="Insert").click()
    _settled(page, ready_vm)
    expect(page.locator("#mounted")).to_contain_text("Debian-12.5.0-amd64-netinst.iso")
    looker.look("iso")
    page.get_by_role("button", name="Eject").click()
    _settled(page, ready_vm)
    expect(page.locator("#mounted")).to_contain_text("Empty")
    assert not page.script_errors, page.script_errors


def test_reinstall_password_graphs_and_sign_out(
    browser_page: Any, billing: Api, full_plan: Plan, ready_vm: Service
) -> None:
    page = browser_page
    looker = Looker(page, "client")
    sid = ready_vm.billing_service_id
    page.goto(sso_path(billing.client, billing.headers, sid))
    _running(page)

    # Reinstall to another template, confirmed by typing the hostname; the progress runs to ready.
    assert ready_vm.template is not None
    other = next(t for t in full_plan.templates.exclude(pk=ready_vm.template.pk).filter(has_cloudinit=True))
    page.get_by_role("link", name="Reinstall").click()
    looker.look("reinstall")
    page.get_by_label("Operating system").select_option(label=other.shown_name)
    page.get_by_label("Type the hostname to confirm").fill("not-my-host")
    page.get_by_role("button", name="Erase and reinstall").click()
    expect(page.locator("#id_confirm-error")).to_contain_text(ready_vm.hostname)
    page.get_by_label("Type the hostname to confirm").fill(ready_vm.hostname)
    page.get_by_role("button", name="Erase and reinstall").click()
    expect(page.locator("#progress[data-busy='1']")).to_contain_text("Reinstall")
    looker.look("reinstall-in-flight")
    _settled(page, ready_vm)
    _running(page)
    ready_vm.refresh_from_db()
    assert ready_vm.template_id == other.pk
    expect(page.locator("#service-summary")).to_contain_text(other.shown_name)  # the title's line follows

    # Reset the password, then reveal it.
    page.get_by_role("link", name="Password").click()
    old = ready_vm.password
    page.get_by_role("button", name="Set a new password").click()
    expect(page.locator("#progress[data-busy='1']")).to_contain_text("Reset password")
    _settled(page, ready_vm)
    ready_vm.refresh_from_db()
    assert ready_vm.password
    assert ready_vm.password != old
    page.get_by_role("button", name="Show password").click()
    expect(page.locator("#password")).to_have_text(ready_vm.password)

    # Every graph timeframe, each canvas drawn with data points.
    page.get_by_role("link", name="Graphs").click()
    for timeframe in ("Hour", "Day", "Week", "Month"):
        page.get_by_role("link", name=timeframe, exact=True).click()
        for key in ("cpu", "mem", "disk", "net"):
            expect(page.locator(f"#graph-{key}")).to_have_attribute("data-graph-points", "70")
        looker.look(f"graphs-{timeframe.lower()}")

    # Sign out: the old session no longer opens the client area.
    page.get_by_role("button", name="Sign out").click()
    expect(page.locator("h1")).to_have_text("Signed out")
    looker.look("signed-out")
    page.goto(f"/client/services/{sid}/")
    expect(page.locator("h1")).to_have_text("Not signed in")
    assert not page.script_errors, page.script_errors


def test_a_client_sets_a_reverse_name_that_the_dns_provider_answers(
    browser_page: Any,
    billing: Api,
    full_plan: Plan,
    ready_vm: Service,
    powerdns: PowerDnsServer,
    pdns_zone: Callable[[str], str],
) -> None:
    page = browser_page
    looker = Looker(page, "client")
    reverse_zone = pdns_zone(V4_REVERSE)
    DnsZone.objects.create(name=reverse_zone + ".", provider="powerdns", url=powerdns.url, credentials=powerdns.api_key)
    page.goto(sso_path(billing.client, billing.headers, ready_vm.billing_service_id))
    page.get_by_role("link", name="Reverse DNS").click()
    v4 = page.locator("form[data-rdns='192.0.2.10']")
    expect(v4.get_by_role("textbox")).to_have_value(ready_vm.hostname)
    expect(page.locator("form[data-rdns='2001:db8::10']")).to_contain_text("not managed here")

    v4.get_by_role("textbox").fill("mail_server!")
    v4.get_by_role("button", name="Save").click()
    expect(page.locator("form[data-rdns='192.0.2.10'] .invalid-feedback")).to_contain_text("Enter a host name")
    page.locator("form[data-rdns='192.0.2.10']").get_by_role("textbox").fill("mail.example.net")
    page.locator("form[data-rdns='192.0.2.10']").get_by_role("button", name="Save").click()
    _settled(page, ready_vm)
    assert powerdns.query(ptr_name("192.0.2.10"), "PTR") == {"mail.example.net."}
    looker.look("rdns")
    page.get_by_role("link", name="Overview").click()
    expect(page.locator("#main table")).to_contain_text("mail.example.net")
    assert not page.script_errors, page.script_errors
