"""Power actions against the sandbox: each one read back, pointless ones skipped, an unknown one refused, a failing
one retried and then given up, and a status that changes after the task waited for."""

from __future__ import annotations

import time

import pytest

from proxvps.domain import states
from proxvps.inventory.choices import RequestStatus
from proxvps.inventory.models import Plan, Server, Service
from proxvps.lifecycle.power_actions import ATTEMPTS, request_power
from proxvps.lifecycle.requests import OrderRefused
from tests.lifecycle.conftest import Recorder, drive
from tests.lifecycle.vms import database_state, deployed, status_of, tasks_of, writes

pytestmark = pytest.mark.django_db


@pytest.fixture
def ready(cluster: Server, plan: Plan) -> Service:
    return deployed(plan)


def _power(service: Service, action: str) -> Recorder:
    request_power(service, action)
    recorder = drive(service)
    assert service.state == states.READY, service.last_error
    return recorder


@pytest.mark.parametrize(
    ("before", "action", "status", "task"),
    [
        pytest.param("running", "stop", "stopped", "qmstop", id="stop"),
        pytest.param("running", "shutdown", "stopped", "qmshutdown", id="shutdown"),
        pytest.param("stopped", "start", "running", "qmstart", id="start"),
        pytest.param("running", "reboot", "running", "qmreboot", id="reboot"),
        pytest.param("running", "reset", "running", "qmreset", id="reset"),
    ],
)
def test_each_power_action_is_read_back(
    sandbox, cluster: Server, ready: Service, before: str, action: str, status: str, task: str
) -> None:
    if before == "stopped":
        _power(ready, "stop")
    assert status_of(cluster, ready) == before
    done_before = len(tasks_of(sandbox, task, ready.vmid))

    recorder = _power(ready, action)

    assert status_of(cluster, ready) == status
    made = tasks_of(sandbox, task, ready.vmid)
    assert len(made) == done_before + 1
    assert made[-1]["exitstatus"] == "OK"
    step = recorder.step_named("Power action")
    assert (step.result, step.note) == ("success", action)
    assert (step.from_state, step.to_state) == (states.POWER, states.READY)


@pytest.mark.parametrize(
    ("before", "action", "note"),
    [
        pytest.param("running", "start", "skip - the VM is running", id="start-running"),
        pytest.param("stopped", "stop", "skip - the VM is stopped", id="stop-stopped"),
        pytest.param("stopped", "shutdown", "skip - the VM is stopped", id="shutdown-stopped"),
        pytest.param("stopped", "reboot", "skip - the VM is stopped", id="reboot-stopped"),
        pytest.param("stopped", "reset", "skip - the VM is stopped", id="reset-stopped"),
    ],
)
def test_a_pointless_action_is_skipped_without_a_request_to_proxmox(
    sandbox, cluster: Server, ready: Service, before: str, action: str, note: str
) -> None:
    if before == "stopped":
        _power(ready, "stop")
    sent = len(writes(sandbox))

    recorder = _power(ready, action)

    assert recorder.step_named("Power action").note == note
    assert len(writes(sandbox)) == sent
    assert status_of(cluster, ready) == before


def test_an_unknown_action_is_refused_naming_it_and_nothing_changes(sandbox, ready: Service) -> None:
    before, sent = database_state(ready), len(writes(sandbox))

    with pytest.raises(OrderRefused, match='"hibernate" is not a power action; use start, stop, shutdown'):
        request_power(ready, "hibernate")

    assert database_state(ready) == before
    assert len(writes(sandbox)) == sent


def test_a_failing_start_is_retried_and_runs_once_the_fault_clears(sandbox, cluster: Server, ready: Service) -> None:
    _power(ready, "stop")
    vmid = ready.vmid
    sandbox.call(lambda pve: setattr(pve.vm(vmid), "start_error", "start failed: QEMU exited with code 1"))
    request_power(ready, "start")

    recorder = drive(ready)

    failed = recorder.steps[-1]
    assert (failed.label, failed.result) == ("Power action", "error")
    assert failed.message == "start failed: start failed: QEMU exited with code 1. Will retry."
    assert recorder.reports[-1].outcome == "paused"
    assert ready.state == states.POWER

    sandbox.call(lambda pve: setattr(pve.vm(vmid), "start_error", None))
    drive(ready, Recorder())
    assert ready.state == states.READY
    assert status_of(cluster, ready) == "running"


def test_a_guest_that_ignores_shutdown_is_given_up_on_after_the_last_attempt(
    sandbox, cluster: Server, ready: Service
) -> None:
    vmid = ready.vmid
    sandbox.call(lambda pve: setattr(pve.vm(vmid), "acpi", False))
    request = request_power(ready, "shutdown")

    recorder = Recorder()
    for _attempt in range(ATTEMPTS):
        drive(ready, recorder)

    assert ready.state == states.READY
    last = recorder.step_named("Power action")
    assert last.result == "skipped"
    assert last.note == f"skip - shutdown failed {ATTEMPTS} times: VM quit/powerdown failed - got timeout"
    assert len(tasks_of(sandbox, "qmshutdown", vmid)) == ATTEMPTS
    assert status_of(cluster, ready) == "running"
    request.refresh_from_db()
    assert (request.status, request.message) == (RequestStatus.DONE, "VM quit/powerdown failed - got timeout")


def test_a_stop_waits_for_the_status_when_it_changes_after_the_task(sandbox, cluster: Server, ready: Service) -> None:
    """An HA-managed VM: the task only asks the HA manager, which stops the VM later (here: when the test says)."""
    vmid = ready.vmid
    sandbox.call(lambda pve: setattr(pve.vm(vmid), "ha_state", "started"))
    sandbox.call(lambda pve: setattr(pve, "time_scale", 1.0))
    sandbox.call(lambda pve: setattr(pve, "ha_delay", 3600))
    request_power(ready, "stop")

    recorder = Recorder()
    for _look in range(500):
        drive(ready, recorder, runs=1)
        if recorder.reports[-1].message == "waiting for the VM to be stopped":
            break
        time.sleep(0.01)
    assert ready.state == states.POWER
    assert status_of(cluster, ready) == "running"

    sandbox.call(lambda pve: setattr(pve.vm(vmid), "status", "stopped"))
    drive(ready, recorder)

    assert ready.state == states.READY
    assert recorder.step_named("Power action").note == "stop"
    assert status_of(cluster, ready) == "stopped"
