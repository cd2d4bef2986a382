"""Crash safety and shared work, with real worker processes against the sandbox.

A worker SIGKILLed at random moments, restarted each time, still ends with every VM ready, each with its own
VMID and addresses, and no VM made twice; several workers on PostgreSQL share the services without ever running
two steps of one service at once.
"""

from __future__ import annotations

import itertools
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from proxvps.domain import states
from proxvps.inventory.connect import client_for
from proxvps.inventory.models import ActionLog, Plan, Server, Service
from proxvps.ipam.models import Address
from proxvps.lifecycle.orders import order_service
from proxvps.proxmox import VmResource

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _worker(workdir: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "PROXVPS_SECRET_KEY": settings.SECRET_KEY,
        "PROXVPS_DATA_DIR": str(workdir),
        "PROXVPS_TASK_POLL_SECONDS": "0.05",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "proxvps.cli", "worker", "--sleep", "0.1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _settled(count: int) -> bool:
    return Service.objects.filter(state__in=(states.READY, states.ERROR)).count() >= count


def _wait_until_settled(count: int, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not _settled(count):
        time.sleep(0.2)


def _order_many(plan: Plan, count: int) -> None:
    plan.additional_disk_gb = 0
    plan.save()
    for n in range(count):
        order_service(billing_service_id=f"c{n}", client_ref=str(n), plan=plan)


def _assert_all_ready_and_distinct(cluster: Server, count: int) -> None:
    services = list(Service.objects.all())
    assert Counter(s.state for s in services) == {states.READY: count}, [
        (s.pk, s.state, s.last_error) for s in services
    ]
    vmids = [s.vmid for s in services]
    assert len(set(vmids)) == count
    ips = list(Address.objects.values_list("ip", flat=True))
    assert len(ips) == len(set(ips)) == 2 * count
    with client_for(cluster) as client:
        made = [
            r for r in client.cluster_resources("vm") if isinstance(r, VmResource) and not r.template and r.vmid < 9000
        ]
    assert sorted(r.vmid for r in made) == sorted(v for v in vmids if v is not None), "no extra VM on the cluster"
    assert {r.name for r in made} == {s.vm_name for s in services}


def _progress() -> int:
    """How much work the workers have recorded: one action-log row per step run (task polls write none)."""
    return ActionLog.objects.count()


def _wait_for_progress(past: int, stalled: Callable[[], bool], seconds: float) -> None:
    """Block until the action log has more than `past` rows, or until `stalled()` says no more can come; fails after
    `seconds` with neither."""
    deadline = time.monotonic() + seconds
    while _progress() <= past and not stalled():
        assert time.monotonic() < deadline, f"no worker progress past {past} action-log rows in {seconds:.0f} s"
        time.sleep(0.05)


def test_a_worker_killed_at_random_moments_loses_nothing(sandbox, cluster: Server, plan: Plan, tmp_path) -> None:
    count = 20
    _order_many(plan, count)
    # Tasks take a little real time, so kills also land while Proxmox tasks run.
    sandbox.call(lambda pve: setattr(pve, "time_scale", 0.002))
    # No VM can start until the kills are over, so every kill lands mid-deploy however fast the machine is: each
    # after the restarted worker recorded a random 1 to 15 steps more, or once every deploy waits on its start.
    starts = sandbox.hold("qmstart")

    def every_deploy_waits() -> bool:
        return len({upid.split(":")[6] for upid in sandbox.call(lambda pve: list(starts.held))}) >= count

    rng = random.Random(20261123)
    kills: list[tuple[int, int]] = []  # (action-log rows, services settled) at each kill
    for _kill in range(8):
        worker = _worker(tmp_path)
        try:
            _wait_for_progress(_progress() + rng.randint(0, 14), every_deploy_waits, 120)
        finally:
            worker.send_signal(signal.SIGKILL)
            worker.wait()
        kills.append((_progress(), Service.objects.filter(state__in=(states.READY, states.ERROR)).count()))
    sandbox.release(starts)
    worker = _worker(tmp_path)
    try:
        _wait_until_settled(count, 120)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    assert [settled for _rows, settled in kills] == [0] * 8, f"every kill landed mid-deploy: {kills}"
    _assert_all_ready_and_distinct(cluster, count)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="several workers share one database on PostgreSQL only")
def test_three_workers_share_fifty_deploys_without_overlapping_steps(cluster: Server, plan: Plan, tmp_path) -> None:
    count = 50
    _order_many(plan, count)
    workers = [_worker(tmp_path / str(n)) for n in range(3)]
    try:
        _wait_until_settled(count, 180)
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=30)
    _assert_all_ready_and_distinct(cluster, count)
    steps: dict[int, list[ActionLog]] = defaultdict(list)
    for row in ActionLog.objects.order_by("started_at", "id"):
        steps[row.service_id].append(row)
    for rows in steps.values():
        for before, after in itertools.pairwise(rows):
            assert after.started_at >= before.started_at + timedelta(seconds=before.duration) - timedelta(
                milliseconds=1
            ), f"steps of service {before.service_id} overlap: {before.step} and {after.step}"
