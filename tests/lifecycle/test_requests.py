"""Operation requests: one operation at a time per service. A request made while another operation runs waits its
turn and then runs; one made in a state it cannot start from is refused and changes nothing."""

from __future__ import annotations

import pytest

from proxvps.domain import states
from proxvps.inventory.choices import RequestStatus
from proxvps.inventory.connect import client_for
from proxvps.inventory.models import ActionLog, OperationRequest, Plan, Server
from proxvps.lifecycle.advance import advance
from proxvps.lifecycle.orders import order_service, request_change_package
from proxvps.lifecycle.requests import OrderRefused
from tests.lifecycle.conftest import drive

pytestmark = pytest.mark.django_db


def test_a_change_requested_during_the_deploy_waits_then_runs_after_it(cluster: Server, plan: Plan) -> None:
    service = order_service(billing_service_id="41", client_ref="7", plan=plan)
    change = request_change_package(service, options={"RAM": 4096})

    assert change.status == RequestStatus.PENDING
    assert service.state == states.NEW
    waiting = ActionLog.objects.filter(service=service, operation="change_package").get()
    assert waiting.message == "Waiting for Deploy to finish."

    recorder = drive(service)

    operations = [h.operation for h in recorder.headers]
    assert operations.index("change_package") == operations.count("deploy")
    assert service.state == states.READY
    with client_for(cluster) as client:
        assert client.vm_config(service.node, service.vmid or 0)["memory"] == "4096"
    statuses = list(OperationRequest.objects.filter(service=service).values_list("operation", "status"))
    assert statuses == [("deploy", RequestStatus.DONE), ("change_package", RequestStatus.DONE)]


def test_requests_made_while_busy_run_in_the_order_they_came(cluster: Server, plan: Plan) -> None:
    service = order_service(billing_service_id="42", client_ref="7", plan=plan)
    request_change_package(service, options={"RAM": 4096})
    request_change_package(service, options={"RAM": 3072, "CPU Cores": 3})

    drive(service)

    assert service.state == states.READY
    assert service.options == {"RAM": 3072, "CPU Cores": 3}
    with client_for(cluster) as client:
        config = client.vm_config(service.node, service.vmid or 0)
    assert (config["memory"], config["cores"]) == ("3072", "3")
    assert not OperationRequest.objects.filter(service=service).exclude(status=RequestStatus.DONE).exists()


def test_a_change_of_a_service_in_error_is_refused_and_changes_nothing(cluster: Server, plan: Plan) -> None:
    service = order_service(billing_service_id="43", client_ref="7", plan=plan)
    advance(
        service,
        owner=None,
        operation="deploy",
        step="test",
        to_state=states.ERROR,
        result="error",
        message="broken",
        started_at=service.created_at,
        duration=0,
    )
    logged = ActionLog.objects.count()

    with pytest.raises(OrderRefused, match="Change package is not possible while service 43 is Error"):
        request_change_package(service, options={"RAM": 4096})

    service.refresh_from_db()
    assert (service.state, service.options) == (states.ERROR, {})
    assert list(OperationRequest.objects.filter(service=service).values_list("operation", flat=True)) == ["deploy"]
    assert ActionLog.objects.count() == logged


def test_a_failure_that_stops_the_operation_fails_its_request(cluster: Server, plan: Plan) -> None:
    plan.template = None
    plan.save()
    service = order_service(billing_service_id="44", client_ref="7", plan=plan)

    drive(service)

    assert service.state == states.ERROR
    deploy = OperationRequest.objects.get(service=service)
    assert deploy.status == RequestStatus.FAILED
    assert deploy.message == service.last_error
