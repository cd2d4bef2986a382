"""Task status, log and result for a task that succeeded, one that failed, and one still running."""

from __future__ import annotations

from proxvps.proxmox import TaskState
from proxvps.sandbox.pve import SandboxPve

NODE, VMID = "pve1", 9009


def test_a_task_that_succeeded_has_status_log_and_an_ok_result(client):
    ref = client.start(NODE, VMID)

    status = client.task_status(ref)
    result = client.task_result(ref)
    log = client.task_log(ref)

    assert (ref.node, ref.type, ref.id) == (NODE, "qmstart", str(VMID))
    assert not status.running
    assert status.exitstatus == "OK"
    assert result is not None
    assert result.ok
    assert result.state is TaskState.OK
    assert log[-1].text == "TASK OK"
    assert [line.n for line in log] == list(range(1, len(log) + 1))


def test_a_task_that_failed_gives_its_exit_status(sandbox, client):
    sandbox.call(lambda pve: setattr(pve.vm(VMID), "start_error", "can't activate LV 'vm-9009-disk-0'"))

    result = client.task_result(client.start(NODE, VMID))

    assert result is not None
    assert not result.ok
    assert result.state is TaskState.FAILED
    assert result.exitstatus == "can't activate LV 'vm-9009-disk-0'"
    assert "can't activate LV" in result.message


def test_a_task_failing_with_a_pve_catalogue_error_reads_as_failed(sandbox, client):
    sandbox.call(lambda pve: pve.fail("POST", f"/nodes/{NODE}/qemu/{VMID}/status/start", error="already_running"))

    ref = client.start(NODE, VMID)
    result = client.task_result(ref)

    assert result is not None
    assert result.state is TaskState.FAILED
    assert "already running" in result.exitstatus
    assert client.task_log(ref)[-1].text.startswith("TASK ERROR")


def test_a_running_task_has_no_result_so_the_caller_comes_back_later(sandbox, client):
    ref = client.start(NODE, VMID)

    def set_running(pve: SandboxPve, running: bool) -> None:
        record = pve.tasks[ref.upid]
        record["status"] = "running" if running else "stopped"

    sandbox.call(lambda pve: set_running(pve, True))
    assert client.task_status(ref).running
    assert client.task_result(ref) is None

    sandbox.call(lambda pve: set_running(pve, False))
    result = client.task_result(ref)
    assert result is not None
    assert result.ok


def test_the_task_log_can_be_read_in_pages(client):
    ref = client.start(NODE, VMID)
    whole = client.task_log(ref)

    assert client.task_log(ref, start=1, limit=1) == whole[1:2]
