"""Service claims: several workers share the due services and never hold the same one at once."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from proxvps.domain import states
from proxvps.inventory.models import Plan, Service
from proxvps.worker.claims import claim_due, defer, free_dead_leases, has_due, release, renew

pytestmark = pytest.mark.django_db

LEASE = 300.0


@pytest.fixture
def plan() -> Plan:
    return Plan.objects.create(name="S")


def _service(plan: Plan, sid: str, **fields: object) -> Service:
    return Service.objects.create(billing_service_id=sid, client_ref="7", plan=plan, **fields)


def test_two_owners_never_get_the_same_service(plan: Plan) -> None:
    ids = {_service(plan, str(n)).pk for n in range(7)}
    first = claim_due("a:1:x", 3, LEASE)
    second = claim_due("b:2:y", 10, LEASE)
    assert len(first) == 3
    assert not set(first) & set(second)
    assert set(first) | set(second) == ids
    assert claim_due("c:3:z", 10, LEASE) == []
    assert set(Service.objects.filter(pk__in=first).values_list("lease_owner", flat=True)) == {"a:1:x"}


def test_an_expired_lease_can_be_reclaimed(plan: Plan) -> None:
    service = _service(plan, "1")
    assert claim_due("a:1:x", 10, LEASE) == [service.pk]
    Service.objects.filter(pk=service.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    assert claim_due("b:2:y", 10, LEASE) == [service.pk]
    assert not renew(service.pk, "a:1:x", LEASE), "the first owner lost it"
    assert renew(service.pk, "b:2:y", LEASE)


def test_a_released_service_is_claimable(plan: Plan) -> None:
    service = _service(plan, "1")
    assert claim_due("a:1:x", 10, LEASE) == [service.pk]
    release(service.pk, "b:2:y")  # not b's: nothing happens
    assert claim_due("b:2:y", 10, LEASE) == []
    release(service.pk, "a:1:x")
    assert claim_due("b:2:y", 10, LEASE) == [service.pk]


def test_only_due_services_with_work_are_claimed_oldest_due_first(plan: Plan) -> None:
    now = timezone.now()
    later = _service(plan, "later", next_attempt_at=now + timedelta(minutes=1))
    ready = _service(plan, "ready", state=states.READY)
    recent = _service(plan, "recent", next_attempt_at=now - timedelta(seconds=5))
    old = _service(plan, "old", next_attempt_at=now - timedelta(minutes=5))
    claimed = claim_due("a:1:x", 10, LEASE)
    assert claimed[:2] == [old.pk, recent.pk]
    assert later.pk not in claimed
    assert ready.pk not in claimed


def test_excluded_services_are_skipped_over_several_pages_and_the_batch_is_still_filled(plan: Plan) -> None:
    now = timezone.now()
    due = [_service(plan, str(n), next_attempt_at=now - timedelta(minutes=60 - n)).pk for n in range(25)]
    settled = set(due[:15])

    claimed = claim_due("a:1:x", 3, LEASE, exclude=settled)

    assert claimed == due[15:18], "the three oldest due services not excluded, in order"
    assert not Service.objects.filter(pk__in=settled).exclude(lease_owner="").exists()


def test_a_deferred_service_is_not_due_until_its_time(plan: Plan) -> None:
    service = _service(plan, "1")
    assert has_due()
    claim_due("a:1:x", 10, LEASE)
    defer(service.pk, "a:1:x", 60)
    release(service.pk, "a:1:x")
    assert not has_due()
    assert claim_due("b:2:y", 10, LEASE) == []


@pytest.mark.django_db(transaction=True)
def test_workers_claiming_at_the_same_moment_share_the_services_without_overlap() -> None:
    if connection.vendor == "sqlite":
        pytest.skip("on SQLite one worker process runs at a time (a file lock enforces it): nothing to share")
    plan = Plan.objects.create(name="S")
    ids = {_service(plan, str(n)).pk for n in range(40)}
    start = threading.Barrier(4)
    claimed: dict[str, list[int]] = {}

    def work(owner: str) -> None:
        try:
            start.wait()
            mine: list[int] = []
            while batch := claim_due(owner, 3, LEASE):
                mine.extend(batch)
            claimed[owner] = mine
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(f"w{n}:1:x",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    every = [pk for mine in claimed.values() for pk in mine]
    assert len(claimed) == 4
    assert sorted(every) == sorted(ids), "each service claimed exactly once"


def test_services_claimed_by_a_dead_process_on_this_host_are_given_back_at_once(plan: Plan) -> None:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    dead, elsewhere = f"{socket.gethostname()}:{process.pid}:x", "other-host:1:y"
    orphan = _service(plan, "1")
    assert claim_due(dead, 1, LEASE) == [orphan.pk]
    remote = _service(plan, "2")
    assert claim_due(elsewhere, 1, LEASE) == [remote.pk]
    assert free_dead_leases() == 1
    assert claim_due("b:2:z", 10, LEASE) == [orphan.pk], "the other host's claim holds until it expires"
