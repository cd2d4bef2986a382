"""Suspend and unsuspend against the sandbox (SPEC S6): the VM stops (forced off if the guest ignores the
shutdown) and the client area is locked; unsuspend starts it again and unlocks. Billing systems repeat their calls:
a repeat is answered as done, with no call to Proxmox."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from proxvps.domain import states
from proxvps.inventory.choices import RequestStatus
from proxvps.inventory.models import ActionLog, OperationRequest, Plan, Service
from proxvps.lifecycle.advance import advance
from proxvps.lifecycle.orders import order_service
from proxvps.lifecycle.requests import OrderRefused
from proxvps.lifecycle.suspension import request_suspend, request_unsuspend
from tests.lifecycle.conftest import Recorder, drive

pytestmark = pytest.mark.django_db


@pytest.fixture
def ready(plan: Plan) -> Service:
    service = order_service(billing_service_id="5546", client_ref="77", plan=plan)
    drive(service)
    assert service.state == states.READY
    return service


def _status(sandbox, vmid: int | None) -> str:
    return str(sandbox.call(lambda pve: pve.vm(vmid).status))


def _writes(sandbox) -> int:
    return sum(1 for method, _path, _body in sandbox.pve.requests if method != "GET")


def test_a_suspend_stops_the_vm_and_locks_the_client_area_and_an_unsuspend_undoes_both(sandbox, ready: Service) -> None:
    suspend = request_suspend(ready, requested_by="billing")
    assert ready.state == states.SUSPEND
    assert ready.is_locked
    drive(ready)

    assert ready.state == states.SUSPENDED
    assert ready.is_locked
    assert _status(sandbox, ready.vmid) == "stopped"
    assert OperationRequest.objects.get(pk=suspend.pk).status == RequestStatus.DONE

    unsuspend = request_unsuspend(ready, requested_by="billing")
    assert ready.is_locked
    recorder = drive(ready)

    assert ready.state == states.READY
    assert not ready.is_locked
    assert _status(sandbox, ready.vmid) == "running"
    assert [s.label for s in recorder.steps if s.result == "success"] == ["Start VM", "Verify running"]
    assert OperationRequest.objects.get(pk=unsuspend.pk).status == RequestStatus.DONE


def test_repeated_suspends_and_unsuspends_are_answered_as_done_without_calling_proxmox(sandbox, ready: Service) -> None:
    writes = _writes(sandbox)
    again = request_unsuspend(ready)
    assert (again.status, again.message) == (RequestStatus.DONE, "Nothing to do: the service is already Ready.")
    assert ready.state == states.READY
    assert _writes(sandbox) == writes, "an unsuspend of a ready service called Proxmox"

    request_suspend(ready)
    drive(ready)
    writes = _writes(sandbox)
    again = request_suspend(ready)

    assert (again.status, again.message) == (RequestStatus.DONE, "Nothing to do: the service is already Suspended.")
    assert ready.state == states.SUSPENDED
    assert _writes(sandbox) == writes
    logged = ActionLog.objects.filter(service=ready).last()
    assert logged is not None
    assert (logged.step, logged.result) == ("Suspend requested", "skipped")


def test_a_suspend_asked_twice_while_running_is_done_once(sandbox, ready: Service) -> None:
    first = request_suspend(ready)
    second = request_suspend(ready)
    assert second.status == RequestStatus.PENDING

    drive(ready)

    assert ready.state == states.SUSPENDED
    second.refresh_from_db()
    assert (second.status, second.message) == (RequestStatus.DONE, "Nothing to do: the service is already Suspended.")
    assert OperationRequest.objects.get(pk=first.pk).status == RequestStatus.DONE
    assert sum(1 for m, p, _b in sandbox.pve.requests if m == "POST" and p.endswith("/status/shutdown")) == 1


def test_a_guest_that_ignores_shutdown_is_forced_off_when_suspended(sandbox, ready: Service) -> None:
    vmid = ready.vmid
    sandbox.call(lambda pve: setattr(pve.vm(vmid), "acpi", False))
    request_suspend(ready)
    recorder = Recorder()
    drive(ready, recorder)
    assert ready.state == states.SUSPEND
    assert recorder.steps[-1].message == "task shutdown started"

    Service.objects.filter(pk=ready.pk).update(step_started_at=timezone.now() - timedelta(seconds=121))
    drive(ready, recorder)

    assert ready.state == states.SUSPENDED
    assert recorder.step_named("Force stop VM").result == "success"
    assert _status(sandbox, vmid) == "stopped"


def test_a_suspend_ordered_during_the_deploy_runs_after_it(sandbox, plan: Plan) -> None:
    service = order_service(billing_service_id="5547", client_ref="77", plan=plan)
    request = request_suspend(service)
    assert request.status == RequestStatus.PENDING

    drive(service)

    assert service.state == states.SUSPENDED
    assert _status(sandbox, service.vmid) == "stopped"


def test_a_suspend_of_a_service_in_error_is_refused_and_changes_nothing(ready: Service) -> None:
    advance(
        ready,
        owner=None,
        operation="deploy",
        step="test",
        to_state=states.ERROR,
        result="error",
        message="broken",
        started_at=ready.created_at,
        duration=0,
    )
    logged = ActionLog.objects.count()

    with pytest.raises(OrderRefused, match="Suspend is not possible while service 5546 is Error"):
        request_suspend(ready)
    with pytest.raises(OrderRefused, match="Unsuspend is not possible while service 5546 is Error"):
        request_unsuspend(ready)

    ready.refresh_from_db()
    assert ready.state == states.ERROR
    assert ActionLog.objects.count() == logged


def test_the_cron_output_shows_suspend_and_unsuspend_in_the_seed_format(sandbox, ready: Service) -> None:
    Service.objects.filter(pk=ready.pk).update(lease_owner="", lease_expires_at=None)
    request_suspend(ready)
    out = StringIO()
    call_command("cron", "--task", "processVirtualMachines", "--force", stdout=out)
    text = out.getvalue()
    assert f"--- Suspend: service=5546 vm={ready.vmid} status=suspend ---" in text
    assert "[+] 2. Force stop VM (skip - already stopped) success (suspend_shutdown -> suspended)" in text
    assert "--- Suspend complete: service=5546 status=suspended ---" in text

    request_unsuspend(ready)
    out = StringIO()
    call_command("cron", "--task", "processVirtualMachines", "--force", stdout=out)
    text = out.getvalue()
    assert f"--- Unsuspend: service=5546 vm={ready.vmid} status=unsuspend ---" in text
    assert "success (unsuspend_starting -> ready)" in text
    assert "--- Unsuspend complete: service=5546 status=ready ---" in text
