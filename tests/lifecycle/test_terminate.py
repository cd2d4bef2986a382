"""Terminate against the sandbox (SPEC S6): the request sends a stop request and returns; the worker stops the VM
(forcing it off after the graceful window, with heartbeats), removes its backups and snapshots, deletes it and
frees its addresses and VMID for the next order. A failure ends in error_terminate, never retried, addresses kept;
staff retry it, force-mark it removed, or delete its record only."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from proxvps.domain import states
from proxvps.inventory.choices import RequestStatus, StepResult
from proxvps.inventory.connect import client_for
from proxvps.inventory.models import ActionLog, OperationRequest, Plan, Server, Service
from proxvps.ipam.allocation import addresses_of
from proxvps.ipam.models import Address
from proxvps.lifecycle.orders import order_service
from proxvps.lifecycle.requests import OrderRefused
from proxvps.lifecycle.staff import delete_record, mark_removed, retry_terminate
from proxvps.lifecycle.terminate import request_terminate
from proxvps.proxmox import Volume
from tests.lifecycle.conftest import Recorder, drive

pytestmark = pytest.mark.django_db


@pytest.fixture
def backup_plan(plan: Plan) -> Plan:
    plan.backup_storage = "backup"
    plan.save()
    return plan


def _deployed(plan: Plan, sid: str) -> Service:
    service = order_service(billing_service_id=sid, client_ref="77", plan=plan)
    drive(service)
    assert service.state == states.READY
    return service


@pytest.fixture
def ready(backup_plan: Plan) -> Service:
    return _deployed(backup_plan, "5546")


def _exists(sandbox, vmid: int | None) -> bool:
    return bool(sandbox.call(lambda pve: pve.vm(vmid) is not None))


def _status(sandbox, vmid: int | None) -> str:
    return str(sandbox.call(lambda pve: pve.vm(vmid).status))


def _backups(cluster: Server, node: str, vmid: int) -> list[Volume]:
    with client_for(cluster) as client:
        return [v for v in client.storage_content(node, "backup", content="backup", vmid=vmid) if v.vmid == vmid]


def _power_posts(sandbox, vmid: int | None, action: str) -> int:
    suffix = f"/qemu/{vmid}/status/{action}"
    return sum(1 for method, path, _body in sandbox.pve.requests if method == "POST" and path.endswith(suffix))


def _backup_and_snapshot(sandbox, cluster: Server, service: Service) -> None:
    assert service.vmid is not None
    with client_for(cluster) as client:
        for ref in (
            client.vzdump(service.node, service.vmid, "backup"),
            client.create_snapshot(service.node, service.vmid, "before-upgrade"),
        ):
            result = client.task_result(ref)
            assert result is not None
            assert result.ok, result
    assert len(_backups(cluster, service.node, service.vmid)) == 1


def _cron() -> str:
    out = StringIO()
    call_command("cron", "--task", "processVirtualMachines", "--force", stdout=out)
    return out.getvalue()


def _waited(service: Service, seconds: int) -> None:
    """As if the current window had been open `seconds` (the clock is the service's, never a sleep)."""
    Service.objects.filter(pk=service.pk).update(step_started_at=timezone.now() - timedelta(seconds=seconds))


def test_a_graceful_terminate_removes_vm_backups_snapshots_and_frees_ips_and_vmid_for_the_next_order(
    sandbox, cluster: Server, backup_plan: Plan, ready: Service, settings
) -> None:
    settings.PROXVPS_TASK_POLL_SECONDS = 0.01
    _backup_and_snapshot(sandbox, cluster, ready)
    vmid, node = ready.vmid, ready.node
    assert vmid is not None
    ips = sorted(a.ip for a in addresses_of(ready))
    Service.objects.filter(pk=ready.pk).update(lease_owner="", lease_expires_at=None)

    request = request_terminate(ready, requested_by="billing")

    assert request.status == RequestStatus.STARTED
    assert ready.state == states.TERMINATE
    assert _power_posts(sandbox, vmid, "shutdown") == 1
    assert ActionLog.objects.filter(service=ready).latest("id").message == "stop request sent"

    out = _cron()

    assert f"--- Terminate: service=5546 vm={vmid} status=terminate ---" in out
    for line in (
        "Shut down VM",
        "success (terminate -> terminate_shutdown)",
        "[+] 2. Force stop VM (skip - already stopped) success",
        "Remove backups",
        "success (terminate_stopped -> terminate_backups_removed)",
        "success (terminate_backups_removed -> terminate_snapshots_removed)",
        "[+] 5. Delete DNS records (skip - no DNS zone configured)",
        "success (terminate_firewall_removed -> terminate_vm_deleted)",
        "[+] 8. Free IPs and VMID (2 addresses freed) success (terminate_vm_deleted -> remove)",
        "--- Terminate complete: service=5546 status=remove ---",
    ):
        assert line in out, out
    ready.refresh_from_db()
    assert (ready.state, ready.vmid, ready.node) == (states.REMOVE, None, "")
    assert not _exists(sandbox, vmid)
    assert _backups(cluster, node, vmid) == []
    assert ("DELETE", f"/api2/json/nodes/{node}/qemu/{vmid}/snapshot/before-upgrade") in {
        (method, path) for method, path, _body in sandbox.pve.requests
    }
    assert addresses_of(ready) == []
    assert OperationRequest.objects.get(pk=request.pk).status == RequestStatus.DONE
    assert _power_posts(sandbox, vmid, "stop") == 0

    successor = _deployed(backup_plan, "5547")
    assert successor.vmid == vmid
    assert sorted(a.ip for a in addresses_of(successor)) == ips


def test_a_guest_that_ignores_shutdown_is_force_stopped_after_the_graceful_window_with_heartbeats(
    sandbox, ready: Service
) -> None:
    vmid = ready.vmid
    sandbox.call(lambda pve: setattr(pve.vm(vmid), "acpi", False))
    request_terminate(ready)
    recorder = Recorder()

    drive(ready, recorder)

    assert ready.state == states.TERMINATE
    assert _status(sandbox, vmid) == "running"
    assert [s.message for s in recorder.steps] == ["stop request sent; waiting up to 120s for the guest to shut down"]

    for seconds in (16, 20, 47):
        _waited(ready, seconds)
        drive(ready, recorder)
    assert ready.state == states.TERMINATE
    assert [s.message for s in recorder.steps[1:]] == [
        "still running, waited 16s / 120s",
        "still running, waited 47s / 120s",
    ]
    heartbeats = ActionLog.objects.filter(service=ready, result=StepResult.WAITING, message__startswith="still")
    assert heartbeats.count() == 2
    assert _power_posts(sandbox, vmid, "stop") == 0

    _waited(ready, 121)
    drive(ready, recorder)

    assert ready.state == states.REMOVE
    assert recorder.step_named("Shut down VM").note == "still running after 121s; forcing a stop"
    assert recorder.step_named("Force stop VM").result == "success"
    assert _power_posts(sandbox, vmid, "stop") == 1
    assert not _exists(sandbox, vmid)


def _shutdown_exits(sandbox, vmid: int | None) -> list[str | None]:
    tasks = sandbox.call(lambda pve: [t for t in pve.tasklog if (t["type"], t["id"]) == ("qmshutdown", str(vmid))])
    return [task.get("exitstatus") for task in tasks]


def test_a_forced_stop_that_does_not_stop_the_vm_in_time_ends_in_error_terminate(sandbox, ready: Service) -> None:
    """The stop overrules the shutdown task still running (it would hold the VM's lock), then takes too long."""
    vmid = ready.vmid
    sandbox.call(lambda pve: setattr(pve.vm(vmid), "acpi", False))
    sandbox.call(lambda pve: setattr(pve.vm(vmid), "stop_secs", 100000))
    sandbox.call(lambda pve: setattr(pve, "time_scale", 0.1))
    request_terminate(ready)
    drive(ready)
    assert _shutdown_exits(sandbox, vmid) == [None]
    _waited(ready, 121)
    recorder = drive(ready)
    assert ready.state == states.TERMINATE_SHUTDOWN
    assert recorder.steps[-1].message == "task stop started"
    assert _shutdown_exits(sandbox, vmid) == ["received interrupt"]

    _waited(ready, 61)
    drive(ready)

    assert ready.state == states.ERROR_TERMINATE
    assert ready.last_error == "VM still running 61s after a forced stop."
    assert len(addresses_of(ready)) == 2


def test_a_vm_locked_by_a_backup_makes_terminate_wait_and_the_log_says_so(sandbox, ready: Service) -> None:
    vmid = ready.vmid
    sandbox.call(lambda pve: pve.snapshot_lock(vmid, "backup"))

    request_terminate(ready)
    recorder = drive(ready, runs=3)

    assert _power_posts(sandbox, vmid, "shutdown") == 0
    assert ready.state == states.TERMINATE
    assert recorder.steps[-1].message == f"VM {vmid} is locked (backup); waiting for that to finish"
    assert _exists(sandbox, vmid)

    sandbox.call(lambda pve: pve.unlock(vmid))
    drive(ready)

    assert ready.state == states.REMOVE
    assert _power_posts(sandbox, vmid, "shutdown") == 1
    assert not _exists(sandbox, vmid)


def test_terminate_of_a_service_whose_vm_is_already_gone_succeeds(sandbox, cluster: Server, ready: Service) -> None:
    vmid = ready.vmid
    assert vmid is not None
    with client_for(cluster) as client:
        client.task_result(client.stop(ready.node, vmid))
        client.task_result(client.delete_vm(ready.node, vmid))
    assert not _exists(sandbox, vmid)
    requests_before = len(sandbox.pve.requests)

    request_terminate(ready)
    recorder = drive(ready)

    assert ready.state == states.REMOVE
    assert (
        ActionLog.objects.filter(service=ready, operation="terminate").earliest("id").message == "the VM does not exist"
    )
    assert not [r for r in sandbox.pve.requests[requests_before:] if r[0] != "GET"]
    assert recorder.step_named("Delete VM").note == "skip - the VM does not exist"
    assert addresses_of(ready) == []


def test_a_service_that_never_got_a_vm_is_terminated_without_calling_proxmox(sandbox, plan: Plan) -> None:
    service = order_service(billing_service_id="5550", client_ref="77", plan=plan)
    deploy = service.request
    assert deploy is not None
    requests_before = len(sandbox.pve.requests)

    request_terminate(service)
    drive(service)

    assert service.state == states.REMOVE
    assert len(sandbox.pve.requests) == requests_before
    assert OperationRequest.objects.get(pk=deploy.pk).status == RequestStatus.CANCELLED


def test_terminate_during_a_deploy_preempts_it(sandbox, plan: Plan) -> None:
    service = order_service(billing_service_id="5551", client_ref="77", plan=plan)
    drive(service, runs=1)
    assert service.state == states.DNS_SET
    assert service.task_upid  # the clone task started
    vmid = service.vmid
    assert _exists(sandbox, vmid)

    request_terminate(service)
    recorder = drive(service)

    assert service.state == states.REMOVE
    assert {h.operation for h in recorder.headers} == {"terminate"}
    assert not _exists(sandbox, vmid)
    statuses = list(OperationRequest.objects.filter(service=service).values_list("operation", "status"))
    assert statuses == [("deploy", RequestStatus.CANCELLED), ("terminate", RequestStatus.DONE)]


def test_asking_again_changes_nothing_and_a_removed_service_is_answered_as_done(sandbox, ready: Service) -> None:
    first = request_terminate(ready)
    again = request_terminate(ready)
    assert again.pk == first.pk
    assert _power_posts(sandbox, ready.vmid, "shutdown") == 1

    drive(ready)
    assert ready.state == states.REMOVE
    calls = len(sandbox.pve.requests)

    done = request_terminate(ready)

    assert (done.status, done.message) == (RequestStatus.DONE, "Nothing to do: the service is already Removed.")
    assert ready.state == states.REMOVE
    assert len(sandbox.pve.requests) == calls


@pytest.fixture
def failed(sandbox, ready: Service) -> Service:
    """A service whose VM delete failed: error_terminate, the VM still on the sandbox."""
    path = f"/nodes/{ready.node}/qemu/{ready.vmid}"
    sandbox.call(lambda pve: pve.fail("DELETE", path, error="failed_remove_config_file"))
    request_terminate(ready)
    drive(ready)
    assert ready.state == states.ERROR_TERMINATE
    return ready


def test_a_failing_vm_delete_ends_in_error_terminate_keeping_its_ips_from_new_orders(
    sandbox, backup_plan: Plan, failed: Service
) -> None:
    kept = sorted(a.ip for a in addresses_of(failed))
    assert len(kept) == 2
    assert _exists(sandbox, failed.vmid)
    assert "failed to remove config file" in failed.last_error
    error = ActionLog.objects.filter(service=failed, result=StepResult.ERROR).get()
    assert (error.step, error.to_state) == ("Delete VM", states.ERROR_TERMINATE)
    assert OperationRequest.objects.get(service=failed, operation="terminate").status == RequestStatus.FAILED
    Service.objects.filter(pk=failed.pk).update(lease_owner="", lease_expires_at=None, next_attempt_at=None)

    out = _cron()

    assert "--- Terminate" not in out
    failed.refresh_from_db()
    assert failed.state == states.ERROR_TERMINATE
    newcomer = _deployed(backup_plan, "5552")
    assert not set(kept) & {a.ip for a in addresses_of(newcomer)}
    assert newcomer.vmid != failed.vmid
    assert sorted(a.ip for a in addresses_of(failed)) == kept


def test_a_terminate_that_failed_is_refused_to_the_billing_system_and_changes_nothing(sandbox, failed: Service) -> None:
    logged = ActionLog.objects.count()
    with pytest.raises(OrderRefused, match="Terminating service 5546 failed earlier; staff must check it"):
        request_terminate(failed)
    failed.refresh_from_db()
    assert failed.state == states.ERROR_TERMINATE
    assert ActionLog.objects.count() == logged


def test_after_the_fault_clears_a_reset_to_terminate_succeeds(sandbox, failed: Service) -> None:
    vmid = failed.vmid
    sandbox.call(lambda pve: pve.failures.clear())

    retry_terminate(failed, "admin")
    assert failed.state == states.TERMINATE
    drive(failed)

    assert failed.state == states.REMOVE
    assert not _exists(sandbox, vmid)
    assert addresses_of(failed) == []


def test_force_mark_remove_frees_the_ips_and_leaves_proxmox_untouched(sandbox, failed: Service) -> None:
    vmid, node = failed.vmid, failed.node
    calls = len(sandbox.pve.requests)

    mark_removed(failed, "admin")

    assert (failed.state, failed.vmid) == (states.REMOVE, None)
    assert addresses_of(failed) == []
    assert _exists(sandbox, vmid)
    assert len(sandbox.pve.requests) == calls
    row = ActionLog.objects.filter(service=failed).last()
    assert row is not None
    assert row.step == "Status reset to remove"
    assert row.message == f"By admin: 2 addresses freed; VM {vmid} on node {node} left untouched on Proxmox."


def test_delete_record_only_leaves_the_vm_on_the_sandbox_and_frees_the_ips(sandbox, failed: Service) -> None:
    vmid = failed.vmid
    kept = [a.ip for a in addresses_of(failed)]

    delete_record(failed, "admin")

    assert not Service.objects.filter(pk=failed.pk).exists()
    assert not Address.objects.filter(ip__in=kept).exists()
    assert _exists(sandbox, vmid)


def test_delete_record_of_a_running_service_is_refused_and_changes_nothing(ready: Service) -> None:
    with pytest.raises(OrderRefused, match="service 5546 is Ready"):
        delete_record(ready, "admin")
    ready.refresh_from_db()
    assert ready.state == states.READY
    assert len(addresses_of(ready)) == 2
