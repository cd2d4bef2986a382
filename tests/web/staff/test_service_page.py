"""One service in the console against the sandbox: the red banner names the failed step, each action confirms and
says what it will do before it runs, and the lifecycle's refusals are shown with nothing changed."""

from __future__ import annotations

import pytest
from django.test import Client

from proxvps.domain import states
from proxvps.inventory.choices import RequestStatus
from proxvps.inventory.models import ActionLog, OperationRequest, Plan, Service
from proxvps.lifecycle.orders import order_service
from proxvps.web.staff.service_page import LOG_PAGE
from tests.lifecycle.conftest import drive

pytestmark = pytest.mark.django_db


def test_a_failed_deploy_shows_the_red_banner_with_its_step_and_the_retry_runs_it_again(
    sandbox, plan: Plan, operator: Client
) -> None:
    sandbox.call(lambda pve: pve.fail("POST", "/status/start", 500, "start failed: no quorum", times=1))
    service = order_service(billing_service_id="8101", client_ref="9", plan=plan)
    drive(service)
    page = operator.get(f"/staff/services/{service.pk}/").content.decode()
    assert 'id="last-error"' in page
    assert "Last error at step “Start VM”" in page
    assert "no quorum" in page
    assert 'data-action="retry"' in page

    asked = operator.get(f"/staff/services/{service.pk}/do/retry/").content.decode()
    assert "The step that failed runs again now" in asked
    assert service.next_attempt_at is not None

    done = operator.post(f"/staff/services/{service.pk}/do/retry/", follow=True)
    assert "The failed step runs again at the worker&#x27;s next look." in done.content.decode()
    service.refresh_from_db()
    assert service.next_attempt_at is None
    drive(service)
    assert service.state == states.READY
    assert 'id="last-error"' not in operator.get(f"/staff/services/{service.pk}/").content.decode()


def test_an_operator_reboots_a_vm_after_confirming(sandbox, ready_vm: Service, operator: Client) -> None:
    asked = operator.get(f"/staff/services/{ready_vm.pk}/do/power-reboot/").content.decode()
    assert "The guest operating system is asked to restart." in asked
    assert not OperationRequest.objects.filter(service=ready_vm, operation="power").exists()

    operator.post(f"/staff/services/{ready_vm.pk}/do/power-reboot/")

    request = OperationRequest.objects.get(service=ready_vm, operation="power")
    assert (request.params, request.requested_by) == ({"action": "reboot"}, "staff: otto")
    drive(ready_vm)
    request.refresh_from_db()
    assert request.status == RequestStatus.DONE
    assert ready_vm.state == states.READY


def test_reset_status_shows_the_table_and_refuses_what_it_does_not_allow(ready_vm: Service, operator: Client) -> None:
    page = operator.get(f"/staff/services/{ready_vm.pk}/do/reset-status/").content.decode()
    assert "When to use each status" in page
    assert "The VM was deleted by hand, or will be." in page
    logged = ActionLog.objects.count()

    refused = operator.post(f"/staff/services/{ready_vm.pk}/do/reset-status/", {"state": states.NEW})

    assert refused.status_code == 200  # the form refuses a state not offered from here
    assert "Select a valid choice" in refused.content.decode()
    ready_vm.refresh_from_db()
    assert ready_vm.state == states.READY
    assert ActionLog.objects.count() == logged


def test_a_refusal_of_the_lifecycle_is_shown_and_changes_nothing(ready_vm: Service, operator: Client) -> None:
    nothing = operator.post(f"/staff/services/{ready_vm.pk}/do/unsuspend/", follow=True)
    assert "Nothing to do: the service is already Ready." in nothing.content.decode()
    response = operator.post(f"/staff/services/{ready_vm.pk}/do/delete-record/")
    assert response.status_code == 409
    assert "Only the record of a removed service" in response.content.decode()
    assert Service.objects.filter(pk=ready_vm.pk).exists()


def test_the_live_status_and_graphs_read_the_vm(sandbox, ready_vm: Service, viewer: Client) -> None:
    status = viewer.get(f"/staff/services/{ready_vm.pk}/live/status/").content.decode()
    assert 'data-power-state="running"' in status
    graph = viewer.get(f"/staff/services/{ready_vm.pk}/live/graphs/hour/")
    assert graph.status_code == 200
    assert set(graph.json()["series"]) >= {"cpu", "mem", "netin", "netout"}
    assert viewer.get(f"/staff/services/{ready_vm.pk}/live/graphs/year/").status_code == 404


def test_the_action_log_is_grouped_by_operation_newest_first_and_paged(ready_vm: Service, viewer: Client) -> None:
    page = viewer.get(f"/staff/services/{ready_vm.pk}/").content.decode()
    assert page.index('data-operation="deploy"') > 0
    rows = ActionLog.objects.filter(service=ready_vm).count()
    assert rows > 15
    for n in range(60):
        ActionLog.objects.create(
            service=ready_vm,
            operation="power",
            step=f"Power action {n}",
            from_state=states.POWER,
            to_state=states.READY,
            started_at=ready_vm.created_at.replace(year=2099),
            result="success",
        )
    pages = -(-(rows + 60) // LOG_PAGE)
    first = viewer.get(f"/staff/services/{ready_vm.pk}/").content.decode()
    assert first.count('data-step="Power action') == LOG_PAGE
    assert 'data-operation="deploy"' not in first
    assert f"Page 1 of {pages}" in first
    oldest = viewer.get(f"/staff/services/{ready_vm.pk}/", {"log": pages}).content.decode()
    assert 'data-operation="deploy"' in oldest
    assert oldest.index('data-step="Allocate IP"') > oldest.index('data-step="Verify running + Email"')


def test_an_operator_migrates_a_vm_to_a_node_the_form_offers(sandbox, ready_vm: Service, operator: Client) -> None:
    source = ready_vm.node
    form = operator.get(f"/staff/services/{ready_vm.pk}/do/migrate/").content.decode()
    assert f'<option value="{source}"' not in form
    target = "pve1" if source != "pve1" else "pve2"
    assert f'<option value="{target}"' in form

    operator.post(f"/staff/services/{ready_vm.pk}/do/migrate/", {"target": target})
    drive(ready_vm)

    assert (ready_vm.state, ready_vm.node) == (states.READY, target)
