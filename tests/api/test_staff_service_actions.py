"""The staff API's operations on a service, as the console has them (SPEC S18): power, suspend, unsuspend, a new
password, retry the failed step, reset the status; a staff_write token only."""

from __future__ import annotations

import pytest

from proxvps.domain import states
from proxvps.inventory.models import ActionLog, OperationRequest, Service
from tests.api.conftest import Api

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("power", {"action": "reboot"}),
        ("suspend", {}),
        ("unsuspend", {}),
        ("password", {"password": ""}),
        ("retry", {}),
        ("reset-status", {"state": "error"}),
        ("migrate", {"target": "pve2"}),
    ],
)
def test_a_staff_read_token_may_not_run_an_operation(
    staff_read: Api, ready_vm: Service, path: str, body: dict[str, str]
) -> None:
    logged = ActionLog.objects.count()
    status, answer = staff_read.post(f"/api/v1/services/{ready_vm.pk}/{path}", body)
    assert status == 403, answer
    assert ActionLog.objects.count() == logged


def test_power_and_suspend_are_queued_as_operations(staff_write: Api, ready_vm: Service) -> None:
    status, answer = staff_write.post(f"/api/v1/services/{ready_vm.pk}/power", {"action": "reboot"})
    assert status == 200, answer
    assert answer["state"] == states.POWER
    status, answer = staff_write.post(f"/api/v1/services/{ready_vm.pk}/suspend")
    assert status == 200
    assert [r.operation for r in OperationRequest.objects.filter(service=ready_vm).exclude(operation="deploy")] == [
        "power",
        "suspend",
    ]


def test_retry_with_nothing_failed_is_a_409_that_says_why(staff_write: Api, ready_vm: Service) -> None:
    status, answer = staff_write.post(f"/api/v1/services/{ready_vm.pk}/retry")
    assert status == 409
    assert "there is no failed step to retry" in answer["detail"]


def test_reset_status_moves_the_service_with_a_log_row_naming_the_token(staff_write: Api, ready_vm: Service) -> None:
    status, answer = staff_write.post(f"/api/v1/services/{ready_vm.pk}/reset-status", {"state": "error"})
    assert status == 200, answer
    assert answer["state"] == states.ERROR
    row = ActionLog.objects.filter(service=ready_vm).latest("pk")
    assert row.message == f"By staff: {staff_write_name(staff_write)}."
    status, answer = staff_write.post(f"/api/v1/services/{ready_vm.pk}/reset-status", {"state": "bogus"})
    assert status == 422


def staff_write_name(api: Api) -> str:
    from proxvps.api.models import ApiToken

    return ApiToken.objects.get(scope="staff_write").name


def test_migrate_queues_the_move_and_refuses_the_vms_own_node(staff_write: Api, ready_vm: Service) -> None:
    status, answer = staff_write.post(f"/api/v1/services/{ready_vm.pk}/migrate", {"target": ready_vm.node})
    assert status == 409
    assert "is not an online node of this cluster other than the VM's own" in answer["detail"]
    other = "pve1" if ready_vm.node != "pve1" else "pve2"
    status, answer = staff_write.post(f"/api/v1/services/{ready_vm.pk}/migrate", {"target": other})
    assert status == 200, answer
    assert answer["state"] == states.MIGRATE_NODE
