"""Servers, plans and settings in the console: an administrator adds a server after testing its connection, syncs
it, edits a template's client-facing name; a plan shows which of the four server-group problems it has (seed
v3.1); worker settings live in the database over the environment's defaults."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client

from proxvps.inventory import tunables
from proxvps.inventory.groups import GroupProblemKind, group_problem
from proxvps.inventory.models import Plan, Server, ServerGroup, Template
from proxvps.worker.models import TaskSchedule

pytestmark = pytest.mark.django_db


def _server_form(sandbox, **changes: str) -> dict[str, str]:
    info = sandbox.info
    return {
        "name": "lab",
        "url": info.url,
        "token_id": info.token_id,
        "token_secret": info.token_secret,
        "fingerprint": info.fingerprint,
        "connect_timeout": "5",
        "read_timeout": "30",
        "enabled": "on",
        **changes,
    }


def test_an_administrator_tests_the_connection_then_adds_and_syncs_a_server(sandbox, administrator: Client) -> None:
    bad = administrator.post("/staff/servers/add/", {**_server_form(sandbox, token_secret="wrong"), "test": "1"})
    assert "The connection failed" in bad.content.decode()
    tested = administrator.post("/staff/servers/add/", {**_server_form(sandbox), "test": "1"})
    page = tested.content.decode()
    assert "Connected: Proxmox VE" in page
    assert "pve1 (online)" in page
    assert not Server.objects.exists()
    assert sandbox.info.token_secret not in page

    saved = administrator.post("/staff/servers/add/", {**_server_form(sandbox), "save": "1"})
    server = Server.objects.get(name="lab")
    assert saved["Location"] == f"/staff/servers/{server.pk}/"
    synced = administrator.post(f"/staff/servers/{server.pk}/sync/", follow=True).content.decode()
    assert "Synced: 3 nodes" in synced
    assert 'data-node="pve2"' in synced
    assert "64.0" in synced
    assert "GB" in synced

    template = Template.objects.filter(server=server).first()
    assert template is not None
    administrator.post(
        f"/staff/templates/{template.pk}/", {"client_name": "Debian 13", "client_description": "Stable, minimal."}
    )
    template.refresh_from_db()
    assert (template.client_name, template.client_description) == ("Debian 13", "Stable, minimal.")


def test_the_four_server_group_problems_are_told_apart() -> None:
    plan = Plan.objects.create(name="VPS S")
    problem = group_problem(plan)
    assert problem is not None
    assert problem.kind == GroupProblemKind.NOT_SELECTED

    group = ServerGroup.objects.create(name="EU")
    plan.server_group = group
    plan.save()
    problem = group_problem(plan)
    assert problem is not None
    assert problem.kind == GroupProblemKind.EMPTY
    assert problem.message == "The server group EU has no servers assigned."

    server = Server.objects.create(name="gone", url="https://gone.invalid:8006", token_id="a@pam!b", token_secret="s")
    group.set_servers([server])
    assert group_problem(plan) is None
    server.delete()
    problem = group_problem(plan)
    assert problem is not None
    assert problem.kind == GroupProblemKind.MISSING_SERVER
    assert "gone" in problem.message

    group.delete()
    plan.refresh_from_db()
    problem = group_problem(plan)
    assert problem is not None
    assert problem.kind == GroupProblemKind.DELETED
    assert problem.message == "The server group EU no longer exists."


def test_a_plan_whose_group_is_empty_shows_the_banner_with_the_fix(administrator: Client) -> None:
    plan = Plan.objects.create(name="VPS S", server_group=ServerGroup.objects.create(name="Empty"))
    page = administrator.get(f"/staff/plans/{plan.pk}/").content.decode()
    assert 'data-problem="empty"' in page
    assert "Add a server to the group" in page


def test_a_viewer_reads_a_plan_but_cannot_save_it(viewer: Client) -> None:
    plan = Plan.objects.create(name="VPS S")
    assert viewer.get(f"/staff/plans/{plan.pk}/").status_code == 200
    assert viewer.post(f"/staff/plans/{plan.pk}/", {"name": "Renamed"}).status_code == 403
    plan.refresh_from_db()
    assert plan.name == "VPS S"


def test_settings_are_stored_over_the_environment_defaults(administrator: Client) -> None:
    assert tunables.value("PROXVPS_RETRY_SECONDS") == settings.PROXVPS_RETRY_SECONDS
    data = {f"task_{t.name}": str(t.interval) for t in TaskSchedule.objects.all()}
    data["task_removeOldSnapshots"] = "0"
    data["PROXVPS_RETRY_SECONDS"] = "90"
    data["PROXVPS_MIGRATE_ATTEMPTS"] = ""
    data["PROXVPS_MIGRATE_TIMEOUT_SECONDS"] = ""

    response = administrator.post("/staff/settings/", data)

    assert response.status_code == 302
    assert tunables.value("PROXVPS_RETRY_SECONDS") == 90
    assert tunables.value("PROXVPS_MIGRATE_ATTEMPTS") == settings.PROXVPS_MIGRATE_ATTEMPTS
    assert TaskSchedule.objects.get(name="removeOldSnapshots").interval == 0

    refused = administrator.post("/staff/settings/", {**data, "PROXVPS_MIGRATE_ATTEMPTS": "0"})
    assert refused.status_code == 200
    assert "Ensure this value is greater than or equal to 1" in refused.content.decode()
    assert tunables.value("PROXVPS_MIGRATE_ATTEMPTS") == settings.PROXVPS_MIGRATE_ATTEMPTS


def test_a_plan_gets_its_own_mail_text_and_falls_back_to_the_shared_one(administrator: Client) -> None:
    from proxvps.mail.models import MailTemplate
    from proxvps.mail.rendering import render

    own, other = Plan.objects.create(name="VPS S"), Plan.objects.create(name="VPS L")
    MailTemplate.objects.create(event="welcome", subject="Shared welcome", body="Hello {{ hostname }}")
    data = {
        f"{e}_{part}": ""
        for e in ("welcome", "vm_ready", "backup_restored", "password_reset")
        for part in ("subject", "body")
    }

    refused = administrator.post(f"/staff/plans/{own.pk}/mail/", {**data, "welcome_subject": "Only a subject"})
    assert "Give both a subject and a body, or neither." in refused.content.decode()
    broken = administrator.post(
        f"/staff/plans/{own.pk}/mail/", {**data, "welcome_subject": "Hi", "welcome_body": "{% if %}"}
    )
    assert "This template cannot be used" in broken.content.decode()
    assert not MailTemplate.objects.filter(plan_id=own.pk).exists()

    saved = administrator.post(
        f"/staff/plans/{own.pk}/mail/",
        {**data, "welcome_subject": "Welcome to S", "welcome_body": "{{ hostname }} is on its way"},
    )
    assert saved.status_code == 302
    assert render("welcome", {"hostname": "a.example.com"}, own.pk) == ("Welcome to S", "a.example.com is on its way")
    assert render("welcome", {"hostname": "b.example.com"}, other.pk) == ("Shared welcome", "Hello b.example.com")
    page = administrator.get(f"/staff/plans/{own.pk}/").content.decode()
    assert "Welcome (server being created): this plan's own text" in page

    administrator.post(f"/staff/plans/{own.pk}/mail/", data)
    assert render("welcome", {"hostname": "a.example.com"}, own.pk).subject == "Shared welcome"


def test_an_administrator_issues_a_token_shown_once_and_revokes_it(administrator: Client, operator: Client) -> None:
    from proxvps.api.models import ApiToken

    assert operator.get("/staff/tokens/").status_code == 403
    issued = administrator.post("/staff/tokens/", {"name": "backup-bot", "scope": "staff_read"}).content.decode()
    found = re.search(r'user-select-all[^"]*">(pvx_[^<]+)</code>', issued)
    assert found, issued
    token = found.group(1)
    assert token not in administrator.get("/staff/tokens/").content.decode()
    api = Client(headers={"Authorization": f"Bearer {token}"})
    assert api.get("/api/v1/staff/servers").status_code == 200

    row = ApiToken.objects.get(name="backup-bot")
    administrator.post(f"/staff/tokens/{row.pk}/revoke/")
    assert api.get("/api/v1/staff/servers").status_code == 401


def test_a_template_description_staff_wrote_shows_to_the_client_choosing_a_reinstall(
    administrator: Client, billing, ready_vm
) -> None:
    from tests.web.conftest import signed_in as client_signed_in

    template = ready_vm.template
    administrator.post(
        f"/staff/templates/{template.pk}/", {"client_name": "Debian 12", "client_description": "Stable, minimal."}
    )
    browser = client_signed_in(billing.client, billing.headers, ready_vm.billing_service_id)
    page = browser.get(f"/client/services/{ready_vm.billing_service_id}/reinstall/").content.decode()
    assert '<strong>Debian 12</strong>: <span class="text-body-secondary">Stable, minimal.</span>' in page
