"""The billing endpoints that ask for operations: terminate, suspend, unsuspend, password, power, reinstall. Each
answers at once with the service; the worker runs the operation. Repeats are answered as done; bad input and
impossible states are refused and change nothing."""

from __future__ import annotations

import pytest

from proxvps.domain import states
from proxvps.inventory.choices import RequestStatus
from proxvps.inventory.models import OperationRequest, Plan, Server, Service
from tests.api.conftest import Api, order_body
from tests.lifecycle.conftest import drive
from tests.lifecycle.vms import guest_cloudinit, tasks_of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def quick_polls(settings) -> None:
    settings.PROXVPS_TASK_POLL_SECONDS = 0.01


@pytest.fixture
def ordered(billing: Api, small_plan: Plan) -> Service:
    assert billing.post("/api/v1/billing/services", order_body())[0] == 201
    return Service.objects.get()


@pytest.fixture
def ready(billing: Api, cluster: Server, plan: Plan) -> Service:
    assert billing.post("/api/v1/billing/services", order_body(plan_name=plan.name))[0] == 201
    service = Service.objects.get()
    drive(service)
    assert service.state == states.READY
    return service


def status_of_vm(sandbox, service: Service) -> str:
    return str(sandbox.call(lambda pve: pve.vm(service.vmid).status))


def _requests(operation: str) -> list[OperationRequest]:
    return list(OperationRequest.objects.filter(operation=operation))


def test_suspend_and_unsuspend_run_as_operations(billing: Api, ready: Service) -> None:
    status, body = billing.post("/api/v1/billing/services/1001/suspend")
    assert (status, body["state"]) == (200, states.SUSPEND)
    assert _requests("suspend")[0].requested_by == "billing: test billing"
    drive(ready)
    assert ready.state == states.SUSPENDED
    assert billing.post("/api/v1/billing/services/1001/suspend")[1]["state"] == states.SUSPENDED
    status, body = billing.post("/api/v1/billing/services/1001/unsuspend")
    assert (status, body["state"]) == (200, states.UNSUSPEND)
    drive(ready)
    assert ready.state == states.READY


def test_terminate_answers_at_once_and_again_when_asked_twice(billing: Api, ready: Service) -> None:
    status, body = billing.delete("/api/v1/billing/services/1001")
    assert (status, body["state"]) == (200, states.TERMINATE)
    again = billing.delete("/api/v1/billing/services/1001")
    assert again == (200, body)
    assert len(_requests("terminate")) == 1
    drive(ready)
    assert ready.state == states.REMOVE
    assert billing.delete("/api/v1/billing/services/1001")[1]["state"] == states.REMOVE


def test_terminate_after_a_failed_terminate_is_a_conflict(billing: Api, ordered: Service) -> None:
    Service.objects.update(state=states.ERROR_TERMINATE)
    status, body = billing.delete("/api/v1/billing/services/1001")
    assert status == 409
    assert "staff" in body["detail"]
    assert Service.objects.get().state == states.ERROR_TERMINATE


def test_terminate_of_an_unknown_service_is_not_found(billing: Api) -> None:
    assert billing.delete("/api/v1/billing/services/4242")[0] == 404


def test_operations_asked_during_the_deploy_wait_their_turn(billing: Api, ordered: Service) -> None:
    for path, body in (("power", {"action": "reboot"}), ("suspend", None), ("password", {"password": "Longer-1234"})):
        status, answer = billing.post(f"/api/v1/billing/services/1001/{path}", body)
        assert (status, answer["state"]) == (200, states.NEW), path
    assert {r.operation for r in OperationRequest.objects.filter(status=RequestStatus.PENDING)} >= {
        "power",
        "suspend",
        "reset_password",
    }


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("power", {"action": "explode"}, "action"),
        ("password", {"password": "short"}, "password"),
        ("password", {"password": " leading-blank"}, "password"),
        ("reinstall", {"template": 999999}, "template"),
    ],
)
def test_bad_input_is_refused_and_asks_for_nothing(billing: Api, ordered: Service, path, body, field) -> None:
    before = OperationRequest.objects.count()
    status, answer = billing.post(f"/api/v1/billing/services/1001/{path}", body)
    assert status == 422, answer
    assert field in answer["fields"]
    assert OperationRequest.objects.count() == before


def test_a_new_password_reaches_the_vm_and_is_never_answered(billing: Api, ready: Service, sandbox) -> None:
    status, body = billing.post("/api/v1/billing/services/1001/password", {"password": "New-Pa55word-99"})
    assert status == 200
    assert "New-Pa55word-99" not in str(body)
    drive(ready)
    assert (ready.state, ready.password) == (states.READY, "New-Pa55word-99")
    assert guest_cloudinit(sandbox, ready).password == "New-Pa55word-99", "the guest's cloud-init has it"
    assert status_of_vm(sandbox, ready) == "running"


def test_power_actions_reach_the_vm(billing: Api, ready: Service, sandbox) -> None:
    billing.post("/api/v1/billing/services/1001/power", {"action": "stop"})
    drive(ready)
    assert sandbox.call(lambda pve: pve.vm(ready.vmid).status) == "stopped"
    billing.post("/api/v1/billing/services/1001/power", {"action": "start"})
    drive(ready)
    assert sandbox.call(lambda pve: pve.vm(ready.vmid).status) == "running"
    assert ready.state == states.READY
    assert tasks_of(sandbox, "qmreboot", ready.vmid) == []
    assert billing.post("/api/v1/billing/services/1001/power", {"action": "reboot"})[0] == 200
    drive(ready)
    (reboot,) = tasks_of(sandbox, "qmreboot", ready.vmid)
    assert (reboot["status"], reboot["exitstatus"]) == ("stopped", "OK"), "the VM rebooted"
    assert ready.state == states.READY


def test_set_dns_records_runs_as_an_operation(billing: Api, ready: Service) -> None:
    status, body = billing.post("/api/v1/billing/services/1001/dns")
    assert (status, body["state"]) == (200, states.DNS_SYNC)
    drive(ready)
    assert ready.state == states.READY
    assert OperationRequest.objects.get(operation="dns_sync").status == RequestStatus.DONE


def test_a_reinstall_without_a_vm_is_a_conflict(billing: Api, ordered: Service) -> None:
    status, body = billing.post("/api/v1/billing/services/1001/reinstall", {})
    assert status == 409
    assert "no VM" in body["detail"]


@pytest.mark.parametrize(
    ("method", "path", "raw"),
    [
        ("post", "/api/v1/billing/services/{sid}/reinstall", '"please do not"'),
        ("post", "/api/v1/billing/services/{sid}/password", "[]"),
        ("patch", "/api/v1/billing/services/{sid}", "[null, null]"),
        ("post", "/api/v1/billing/services/{sid}/power", "42"),
    ],
)
def test_a_body_that_is_not_a_json_object_is_refused_and_asks_for_nothing(
    billing: Api, ready: Service, method: str, path: str, raw: str
) -> None:
    response = getattr(billing.client, method)(
        path.format(sid=ready.billing_service_id), data=raw, content_type="application/json", headers=billing.headers
    )
    assert response.status_code == 400
    assert response.json()["error"] == "bad_request"
    assert "JSON object" in response.json()["detail"]
    assert not OperationRequest.objects.filter(service=ready).exclude(operation="deploy").exists()
    ready.refresh_from_db()
    assert ready.state == states.READY
