"""What staff do to a service the worker cannot finish alone: retry the failed step, reset the status (SPEC S18's
table), each through the one state-change function with a log row naming who did it."""

from __future__ import annotations

import pytest

from proxvps.domain import states
from proxvps.inventory.choices import RequestStatus, StepResult
from proxvps.inventory.models import ActionLog, OperationRequest, Plan, Service
from proxvps.lifecycle.orders import order_service
from proxvps.lifecycle.requests import OrderRefused
from proxvps.lifecycle.staff import reset_status, retry_step
from proxvps.lifecycle.terminate import request_terminate
from tests.lifecycle.conftest import drive

pytestmark = pytest.mark.django_db


def _order(plan: Plan, sid: str = "7001") -> Service:
    return order_service(billing_service_id=sid, client_ref="9", plan=plan, client_email="c@example.com")


def test_a_deploy_paused_by_a_start_that_failed_once_is_retried_at_once_and_reaches_ready(sandbox, plan: Plan) -> None:
    sandbox.call(lambda pve: pve.fail("POST", "/status/start", 500, "start failed: no quorum", times=1))
    service = _order(plan)
    drive(service)
    assert service.state == states.SET_CLOUDINIT
    assert "no quorum" in service.last_error
    assert service.next_attempt_at is not None

    said = retry_step(service, "staff: ops")

    assert said == "The failed step runs again at the worker's next look."
    assert service.next_attempt_at is None
    row = ActionLog.objects.filter(service=service).latest("pk")
    assert (row.step, row.result, row.message) == (
        "Retry requested",
        StepResult.SUCCESS,
        "By staff: ops: the failed step runs again now.",
    )
    drive(service)
    assert service.state == states.READY
    assert service.last_error == ""


def test_a_deploy_stopped_in_error_goes_on_from_its_failed_step_once_the_cause_is_fixed(sandbox, plan: Plan) -> None:
    plan.storage = "nowhere"
    plan.save()
    service = _order(plan)
    drive(service)
    assert service.state == states.ERROR
    failed = ActionLog.objects.get(service=service, result=StepResult.ERROR)
    plan.storage = "local-lvm"
    plan.save()

    said = retry_step(service, "staff: ops")

    assert service.state == failed.from_state == states.DNS_SET
    assert said == "Deploy goes on from Clone from template."
    drive(service)
    assert service.state == states.READY


def test_retry_is_refused_for_a_service_with_nothing_failed(ready_vm: Service) -> None:
    logged = ActionLog.objects.count()
    with pytest.raises(OrderRefused, match="is Ready: there is no failed step to retry"):
        retry_step(ready_vm, "staff: ops")
    assert ActionLog.objects.count() == logged


def test_a_failed_terminate_reset_to_terminate_runs_again_and_removes_the_service(sandbox, ready_vm: Service) -> None:
    path = f"/nodes/{ready_vm.node}/qemu/{ready_vm.vmid}"
    sandbox.call(lambda pve: pve.fail("DELETE", path, error="failed_remove_config_file", times=1))
    request_terminate(ready_vm)
    drive(ready_vm)
    assert ready_vm.state == states.ERROR_TERMINATE

    reset_status(ready_vm, states.TERMINATE, "staff: ops")

    assert ready_vm.state == states.TERMINATE
    drive(ready_vm)
    assert ready_vm.state == states.REMOVE


def test_a_stuck_terminate_reset_to_terminate_starts_again_from_its_first_step(ready_vm: Service) -> None:
    Service.objects.filter(pk=ready_vm.pk).update(state=states.TERMINATE_BACKUPS_REMOVED, task_upid="UPID:stale")
    ready_vm.refresh_from_db()

    reset_status(ready_vm, states.TERMINATE, "staff: ops")

    assert (ready_vm.state, ready_vm.task_upid) == (states.TERMINATE, "")
    row = ActionLog.objects.filter(service=ready_vm).latest("pk")
    assert (row.from_state, row.to_state, row.message) == (
        states.TERMINATE_BACKUPS_REMOVED,
        states.TERMINATE,
        "By staff: ops.",
    )


def test_reset_to_error_stops_a_stuck_operation_and_cancels_its_requests(ready_vm: Service) -> None:
    from proxvps.lifecycle.power_actions import request_power

    request = request_power(ready_vm, "reboot", requested_by="client")
    assert ready_vm.state == states.POWER

    reset_status(ready_vm, states.ERROR, "staff: ops")

    assert ready_vm.state == states.ERROR
    request.refresh_from_db()
    assert request.status == RequestStatus.CANCELLED
    assert OperationRequest.objects.filter(service=ready_vm, status=RequestStatus.STARTED).count() == 0


@pytest.mark.parametrize(
    ("state", "target", "refusal"),
    [
        (states.READY, "bogus", "bogus is not a state a service can be reset to."),
        (states.READY, states.NEW, "A service that is Ready cannot be reset to new (redeploy)."),
        (states.READY, states.READY, "Service 5546 is ready already."),
    ],
    ids=["unknown-state", "not-from-here", "same-state"],
)
def test_a_reset_the_table_does_not_allow_is_refused_and_changes_nothing(
    ready_vm: Service, state: str, target: str, refusal: str
) -> None:
    logged = ActionLog.objects.count()
    with pytest.raises(OrderRefused) as refused:
        reset_status(ready_vm, target, "staff: ops")
    assert str(refused.value) == refusal
    ready_vm.refresh_from_db()
    assert ready_vm.state == state
    assert ActionLog.objects.count() == logged


def test_a_running_vm_migrates_live_to_the_node_staff_chose(sandbox, ready_vm: Service) -> None:
    from proxvps.lifecycle.node_migration import migration_targets, request_migrate

    source = ready_vm.node
    target = migration_targets(ready_vm)[0]
    assert target != source

    request_migrate(ready_vm, target, requested_by="staff: ops")
    assert ready_vm.state == states.MIGRATE_NODE
    drive(ready_vm)

    assert (ready_vm.state, ready_vm.node) == (states.READY, target)
    assert sandbox.call(lambda pve: (pve.vm(ready_vm.vmid).node, pve.vm(ready_vm.vmid).status)) == (target, "running")
    row = ActionLog.objects.filter(service=ready_vm, operation="migrate_node", result=StepResult.SUCCESS).latest("pk")
    assert row.message == f"moved from {source} to {target}"


def test_a_migration_to_the_vms_own_node_or_an_unknown_one_is_refused(ready_vm: Service) -> None:
    from proxvps.lifecycle.node_migration import request_migrate

    for node in (ready_vm.node, "pve99"):
        with pytest.raises(OrderRefused, match="is not an online node of this cluster other than the VM's own"):
            request_migrate(ready_vm, node)
    assert ready_vm.state == states.READY


def test_a_service_staff_reset_to_error_has_no_failed_step_to_retry(sandbox, plan: Plan) -> None:
    plan.storage = "nowhere"
    plan.save()
    service = _order(plan)
    drive(service)
    plan.storage = "local-lvm"
    plan.save()
    retry_step(service, "staff: ops")
    reset_status(service, states.ERROR, "staff: ops")  # an older failure is in the log; this reset is newer

    with pytest.raises(OrderRefused, match="names no failed step to retry; reset its status instead"):
        retry_step(service, "staff: ops")
    assert service.state == states.ERROR
