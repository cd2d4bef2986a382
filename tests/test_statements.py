"""The hot path's prepared statements write and read rows exactly as the ORM does, on SQLite and PostgreSQL alike:
the same values come back through the ORM, conditions match or miss as the ORM's would, and a related object is
cached only while its key holds."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from proxvps import statements
from proxvps.inventory.choices import StepResult
from proxvps.inventory.models import ActionLog, OperationRequest, Plan, Server, ServerGroup, Service

pytestmark = pytest.mark.django_db


@pytest.fixture
def service() -> Service:
    plan = Plan.objects.create(name="S", server_group=ServerGroup.objects.create(name="g"))
    return Service.objects.create(billing_service_id="s1", client_ref="7", plan=plan, lease_owner="me")


def _server() -> Server:
    return Server.objects.create(
        name="c1", url="https://pve.example.com:8006", token_id="root@pam!t", token_secret="the-token-secret"
    )


def test_an_update_binds_values_as_the_orm_does_and_reads_back_through_it(service: Service) -> None:
    later = timezone.now() + timedelta(minutes=5)
    server = _server()
    written = statements.update(
        Service,
        {"pk": service.pk, "lease_owner": "me", "vmid": None},
        {
            "next_attempt_at": later,
            "server": server,
            "options": {"RAM": "2048"},
            "password": "s3cret-pass",
            "vmid": 101,
        },
    )

    assert written == 1
    fresh = Service.objects.get(pk=service.pk)
    assert (fresh.next_attempt_at, fresh.server_id, fresh.options, fresh.vmid) == (
        later,
        server.pk,
        {"RAM": "2048"},
        101,
    )
    assert fresh.password == "s3cret-pass"
    stored = Service.objects.filter(pk=service.pk).values_list("password", flat=True).get()
    assert stored == "s3cret-pass", "the ORM decrypts what the statement encrypted"


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        pytest.param({"lease_owner": "someone else"}, 0, id="other-owner"),
        pytest.param({"vmid": 5}, 0, id="value-where-null"),
        pytest.param({"vmid": None, "lease_owner": "me"}, 1, id="is-null-and-equal"),
    ],
)
def test_an_update_writes_only_rows_its_conditions_match(
    service: Service, where: dict[str, object], expected: int
) -> None:
    assert statements.update(Service, {"pk": service.pk, **where}, {"node": "pve2"}) == expected
    assert Service.objects.filter(node="pve2").count() == expected


def test_an_insert_is_read_back_by_the_orm(service: Service) -> None:
    started = timezone.now()
    values = {
        "service": service,
        "operation": "deploy",
        "step": "Clone",
        "from_state": "a",
        "to_state": "b",
        "started_at": started,
        "duration": 1.5,
        "result": StepResult.SUCCESS,
        "message": "ok",
    }
    statements.insert(ActionLog, values)

    row = ActionLog.objects.get(service=service)
    assert (row.step, row.started_at, row.duration, row.result) == ("Clone", started, 1.5, StepResult.SUCCESS)


def _log_row(message: str = "ok", **changes: object) -> dict[str, object]:
    row: dict[str, object] = {
        "operation": "deploy",
        "step": "Clone",
        "from_state": "new",
        "to_state": "clone",
        "started_at": timezone.now(),
        "duration": 0.25,
        "result": StepResult.SUCCESS,
        "message": message,
    }
    return row | changes


@pytest.mark.parametrize("in_transaction", [False, True], ids=["autocommit", "in-transaction"])
def test_an_update_and_its_child_row_are_written_together(service: Service, in_transaction: bool) -> None:
    row = _log_row("cloned, 'quoted' & long " * 20)
    where = {"pk": service.pk, "state": service.state, "lease_owner": "me"}
    if in_transaction:
        with transaction.atomic():
            written = statements.update_and_insert(Service, where, {"state": "clone"}, ActionLog, "service", row)
    else:
        written = statements.update_and_insert(Service, where, {"state": "clone"}, ActionLog, "service", row)

    assert written == 1
    assert Service.objects.get(pk=service.pk).state == "clone"
    log = ActionLog.objects.get(service=service)
    assert [getattr(log, name) for name in row] == list(row.values())


def test_an_update_that_misses_writes_no_child_row(service: Service) -> None:
    where = {"pk": service.pk, "lease_owner": "someone else"}

    assert statements.update_and_insert(Service, where, {"state": "clone"}, ActionLog, "service", _log_row()) == 0
    assert Service.objects.get(pk=service.pk).state == service.state
    assert not ActionLog.objects.exists()


def test_a_child_row_the_database_refuses_undoes_the_update(service: Service) -> None:
    where = {"pk": service.pk, "lease_owner": "me"}
    refused = _log_row(operation=None)  # NOT NULL

    with pytest.raises(IntegrityError), transaction.atomic():
        statements.update_and_insert(Service, where, {"state": "clone"}, ActionLog, "service", refused)

    assert Service.objects.get(pk=service.pk).state == service.state
    assert not ActionLog.objects.exists()


def test_a_load_gives_what_the_orm_gives_and_a_missing_key_is_does_not_exist(service: Service) -> None:
    Service.objects.filter(pk=service.pk).update(options={"CPU Cores": "2"}, password="pw", vmid=7)
    expected = Service.objects.get(pk=service.pk)

    loaded = statements.load(Service, service.pk)

    fields = [field.attname for field in Service._meta.concrete_fields]
    assert [getattr(loaded, name) for name in fields] == [getattr(expected, name) for name in fields]
    assert not loaded._state.adding
    with pytest.raises(Service.DoesNotExist):
        statements.load(Service, service.pk + 1000)


def test_a_select_gives_the_matching_rows_in_key_order_as_the_orm_gives_them(service: Service) -> None:
    other = Service.objects.create(billing_service_id="s2", client_ref="8", plan=service.plan)
    for operation, status in (("suspend", "pending"), ("backup", "done"), ("unsuspend", "pending")):
        OperationRequest.objects.create(service=service, operation=operation, status=status, params={"a": [1]})
    OperationRequest.objects.create(service=other, operation="suspend", status="pending")
    expected = list(OperationRequest.objects.filter(service=service, status="pending").order_by("pk"))

    found = statements.select(OperationRequest, {"service": service, "status": "pending"})

    fields = [field.attname for field in OperationRequest._meta.concrete_fields]
    assert [[getattr(row, name) for name in fields] for row in found] == [
        [getattr(row, name) for name in fields] for row in expected
    ]
    assert [row.operation for row in found] == ["suspend", "unsuspend"]
    assert statements.select(OperationRequest, {"service": service, "status": "refused"}) == []


def test_a_refresh_forgets_a_related_object_whose_key_changed_and_keeps_the_others(service: Service) -> None:
    first = OperationRequest.objects.create(service=service, operation="deploy")
    service.request = first
    service.save()
    plan = service.plan  # cached
    second = OperationRequest.objects.create(service=service, operation="suspend")
    Service.objects.filter(pk=service.pk).update(request=second, state="suspending")

    statements.refresh(service)

    assert service.state == "suspending"
    assert service.request == second
    assert service.plan is plan, "an unchanged key keeps its cached object"
