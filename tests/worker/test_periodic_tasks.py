"""removeOldSnapshots and collectingStatistics against the sandbox cluster."""

from __future__ import annotations

import time
from io import StringIO

import pytest
from django.utils import timezone

from proxvps.demo_setup import register_server
from proxvps.domain import states
from proxvps.inventory.choices import RequestStatus
from proxvps.inventory.connect import client_for
from proxvps.inventory.models import OperationRequest, Plan, Server, Service
from proxvps.proxmox import ProxmoxClient, TaskRef
from proxvps.worker.cycle import Worker
from proxvps.worker.models import UsageSample
from proxvps.worker.output import CronOutput
from proxvps.worker.results import PassResult
from proxvps.worker.tasks import TASKS

pytestmark = pytest.mark.django_db

DAY = 86400


@pytest.fixture
def server(sandbox) -> Server:
    return register_server(sandbox.info)


@pytest.fixture
def client(server: Server):
    with client_for(server) as client:
        yield client


@pytest.fixture
def plan() -> Plan:
    return Plan.objects.create(name="VPS S", snapshot_lifetime_days=3)


def _done(client: ProxmoxClient, ref: TaskRef) -> None:
    result = client.task_result(ref)
    assert result is not None
    assert result.ok, result.message


def _vm(client: ProxmoxClient, running: bool = True) -> int:
    vmid = client.nextid()
    _done(client, client.clone("pve1", 9000, vmid, f"vm{vmid}"))
    if running:
        _done(client, client.start("pve1", vmid))
    return vmid


def _service(plan: Plan, server: Server, sid: str, vmid: int | None, node: str = "pve1", **fields) -> Service:
    fields.setdefault("state", states.READY)
    return Service.objects.create(
        billing_service_id=sid, client_ref="7", plan=plan, server=server, vmid=vmid, node=node, **fields
    )


def _run(name: str) -> tuple[PassResult, str]:
    stream = StringIO()
    result = Worker(CronOutput(stream)).run_task(TASKS[name])
    assert result is not None
    return result, stream.getvalue()


def _cluster_reads(sandbox) -> int:
    return sum(1 for method, path, _body in sandbox.pve.requests if path.endswith("/cluster/resources"))


def test_statistics_come_from_one_cluster_read_for_all_services(sandbox, server, client, plan) -> None:
    first, second = _vm(client), _vm(client)
    a = _service(plan, server, "5546", first)
    b = _service(plan, server, "5547", second)
    before = _cluster_reads(sandbox)
    result, out = _run("collectingStatistics")
    assert _cluster_reads(sandbox) - before == 1
    assert (result.processed, result.errors) == (2, 0)
    assert result.details == ["sid:5546 [success] last:never, collected", "sid:5547 [success] last:never, collected"]
    assert "[collectingStatistics] Done" in out
    assert "  sid:5546 [success] last:never, collected" in out
    sample = UsageSample.objects.get(service=a)
    assert sample.mem > 0
    assert sample.cpu > 0
    assert UsageSample.objects.filter(service=b).count() == 1


def test_a_second_collection_says_when_the_last_one_was(server, client, plan) -> None:
    service = _service(plan, server, "5546", _vm(client))
    _run("collectingStatistics")
    taken = UsageSample.objects.get(service=service).taken_at
    result, _out = _run("collectingStatistics")
    assert result.details == [f"sid:5546 [success] last:{timezone.localtime(taken):%Y-%m-%d %H:%M:%S}, collected"]
    assert UsageSample.objects.filter(service=service).count() == 2


def test_statistics_skip_a_service_whose_node_is_not_known_yet(server, client, plan) -> None:
    deploying = _service(plan, server, "5546", 4321, node="", state=states.CLONE)
    ready = _service(plan, server, "5547", _vm(client))
    result, _out = _run("collectingStatistics")
    assert (result.processed, result.errors) == (1, 0)
    assert result.details[0] == "sid:5546 [skipped] node not known yet"
    assert not UsageSample.objects.filter(service=deploying).exists()
    assert UsageSample.objects.filter(service=ready).exists()


def test_a_service_whose_vm_is_gone_is_an_error_and_the_others_are_still_collected(server, client, plan) -> None:
    _service(plan, server, "5546", 4321)
    kept = _service(plan, server, "5547", _vm(client))
    result, _out = _run("collectingStatistics")
    assert (result.processed, result.errors) == (1, 1)
    assert result.details[0] == "sid:5546 [VM 4321 is not on sandbox]"
    assert UsageSample.objects.filter(service=kept).exists()


def test_a_stopped_vm_is_sampled_with_zero_usage(server, client, plan) -> None:
    service = _service(plan, server, "5546", _vm(client, running=False))
    result, _out = _run("collectingStatistics")
    assert result.processed == 1
    sample = UsageSample.objects.get(service=service)
    assert (sample.cpu, sample.netin, sample.netout) == (0.0, 0, 0)


@pytest.fixture
def snapshot_plan(plan: Plan) -> Plan:
    """The plan with room for snapshots: only such services can have any to clean up."""
    plan.snapshots_count = 3
    plan.save()
    return plan


def test_snapshots_older_than_the_plan_lifetime_are_deleted_and_newer_ones_kept(
    sandbox, server, client, snapshot_plan
) -> None:
    plan = snapshot_plan
    vmid = _vm(client)
    for name in ("weekold", "fresh"):
        _done(client, client.create_snapshot("pve1", vmid, name))
    old = int(time.time()) - 7 * DAY
    sandbox.call(lambda pve: pve.find("pve1", vmid).snapshots["weekold"].update(snaptime=old))
    service = _service(plan, server, "5546", vmid)
    result, _out = _run("removeOldSnapshots")
    assert (result.processed, result.errors) == (1, 0)
    assert result.details == ["sid:5546 [success] deleting: weekold"]
    request = OperationRequest.objects.get(service=service)
    assert (request.operation, request.params, request.requested_by) == (
        "snapshot_delete",
        {"name": "weekold"},
        "removeOldSnapshots",
    )

    _run("processVirtualMachines")
    assert [s.name for s in client.snapshots("pve1", vmid)] == ["fresh"]
    service.refresh_from_db()
    assert service.state == states.READY
    request.refresh_from_db()
    assert request.status == RequestStatus.DONE


def test_an_expired_snapshot_whose_deletion_waits_is_not_asked_for_twice(sandbox, server, client, snapshot_plan):
    vmid = _vm(client)
    _done(client, client.create_snapshot("pve1", vmid, "weekold"))
    old = int(time.time()) - 7 * DAY
    sandbox.call(lambda pve: pve.find("pve1", vmid).snapshots["weekold"].update(snaptime=old))
    service = _service(snapshot_plan, server, "5546", vmid)
    _run("removeOldSnapshots")
    Service.objects.filter(pk=service.pk).update(state=states.READY)  # as if it were back before the deletion ran

    result, _out = _run("removeOldSnapshots")

    assert (result.processed, result.errors, result.details) == (0, 0, [])
    assert OperationRequest.objects.filter(service=service).count() == 1


def test_a_service_whose_package_allows_no_snapshot_is_not_asked(sandbox, server, client, plan) -> None:
    vmid = _vm(client)
    _service(plan, server, "5546", vmid)
    asked = len(sandbox.pve.requests)
    result, _out = _run("removeOldSnapshots")
    assert (result.processed, result.errors) == (0, 0)
    assert not [r for r in sandbox.pve.requests[asked:] if r[1].endswith("/snapshot")]


def test_a_service_without_old_snapshots_is_left_alone(server, client, snapshot_plan) -> None:
    plan = snapshot_plan
    vmid = _vm(client)
    _done(client, client.create_snapshot("pve1", vmid, "fresh"))
    _service(plan, server, "5546", vmid)
    result, _out = _run("removeOldSnapshots")
    assert (result.processed, result.errors, result.details) == (0, 0, [])
    assert [s.name for s in client.snapshots("pve1", vmid)] == ["fresh"]


def test_one_broken_service_does_not_stop_snapshot_cleanup_for_the_others(
    sandbox, server, client, snapshot_plan
) -> None:
    plan = snapshot_plan
    _service(plan, server, "5546", 4321)
    vmid = _vm(client)
    _done(client, client.create_snapshot("pve1", vmid, "weekold"))
    old = int(time.time()) - 7 * DAY
    sandbox.call(lambda pve: pve.find("pve1", vmid).snapshots["weekold"].update(snaptime=old))
    _service(plan, server, "5547", vmid)
    result, _out = _run("removeOldSnapshots")
    assert (result.processed, result.errors) == (1, 1)
    assert result.details[0].startswith("sid:5546 [")
    assert result.details[1] == "sid:5547 [success] deleting: weekold"
    _run("processVirtualMachines")
    assert client.snapshots("pve1", vmid) == []
