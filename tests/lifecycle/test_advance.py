"""The one function that changes a service's state: the change and its action-log row are written together or not
at all, and a run that lost its service (the lease went to another worker, or the state moved on) writes nothing
and learns it lost. On SQLite and PostgreSQL alike."""

from __future__ import annotations

import pytest
from django.utils import timezone

from proxvps.domain import states
from proxvps.inventory.choices import StepResult
from proxvps.inventory.models import ActionLog, Plan, ServerGroup, Service
from proxvps.lifecycle.advance import LeaseLostError, advance

pytestmark = pytest.mark.django_db


@pytest.fixture
def service() -> Service:
    plan = Plan.objects.create(name="S", server_group=ServerGroup.objects.create(name="g"))
    return Service.objects.create(billing_service_id="s1", client_ref="7", plan=plan, lease_owner="worker-a")


def _advance(service: Service, owner: str | None, log: bool = True) -> None:
    advance(
        service,
        owner=owner,
        operation="deploy",
        step="Allocate IP",
        to_state=states.IP_ALLOCATED,
        result=StepResult.SUCCESS,
        message="done",
        started_at=timezone.now(),
        duration=0.5,
        log=log,
    )


@pytest.mark.parametrize("log", [True, False], ids=["logged", "silent"])
def test_the_lease_holder_moves_the_service_and_logs_the_step(service: Service, log: bool) -> None:
    _advance(service, "worker-a", log=log)

    stored = Service.objects.get(pk=service.pk)
    assert (stored.state, service.state) == (states.IP_ALLOCATED, states.IP_ALLOCATED)
    rows = list(ActionLog.objects.filter(service=service).values_list("from_state", "to_state", "message"))
    assert rows == ([(states.NEW, states.IP_ALLOCATED, "done")] if log else [])


@pytest.mark.parametrize("log", [True, False], ids=["logged", "silent"])
def test_a_worker_that_lost_the_lease_writes_nothing(service: Service, log: bool) -> None:
    with pytest.raises(LeaseLostError):
        _advance(service, "worker-b", log=log)

    assert Service.objects.get(pk=service.pk).state == states.NEW
    assert service.state == states.NEW, "the object in memory is left as it was"
    assert not ActionLog.objects.exists()


def test_a_state_that_moved_on_meanwhile_is_not_overwritten(service: Service) -> None:
    Service.objects.filter(pk=service.pk).update(state=states.TERMINATE)

    with pytest.raises(LeaseLostError):
        _advance(service, "worker-a")

    assert Service.objects.get(pk=service.pk).state == states.TERMINATE
    assert not ActionLog.objects.exists()


def test_staff_need_no_lease(service: Service) -> None:
    _advance(service, None)

    assert Service.objects.get(pk=service.pk).state == states.IP_ALLOCATED
    assert ActionLog.objects.filter(service=service).count() == 1
