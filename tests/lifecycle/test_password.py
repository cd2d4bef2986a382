"""Reset password against the sandbox: the new password read back in the VM's cloud-init settings with the VM running
again, one mail with it, stored encrypted; a VM without cloud-init and a bad password refused with nothing changed.
"""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import connection

from proxvps.domain import states
from proxvps.inventory.models import OperationRequest, Plan, Server, Service, Template
from proxvps.lifecycle.orders import order_service
from proxvps.lifecycle.password import request_reset_password
from proxvps.lifecycle.requests import OrderRefused
from proxvps.sandbox.cloudinit import MASK
from tests.lifecycle.conftest import drive
from tests.lifecycle.vms import (
    CLIENT_EMAIL,
    config_of,
    database_state,
    deployed,
    guest_cloudinit,
    status_of,
    tasks_of,
    writes,
)

pytestmark = pytest.mark.django_db

NO_CLOUDINIT = 9010


@pytest.fixture
def ready(cluster: Server, plan: Plan) -> Service:
    return deployed(plan)


def _column(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])
        return str(cursor.fetchone()[0])


def test_a_reset_writes_a_new_password_to_cloud_init_and_mails_it_once(
    sandbox, cluster: Server, ready: Service, django_capture_on_commit_callbacks
) -> None:
    old = ready.password
    mail.outbox.clear()

    request = request_reset_password(ready)
    with django_capture_on_commit_callbacks(execute=True):
        recorder = drive(ready)

    assert ready.state == states.READY, ready.last_error
    new = ready.password
    assert new != old
    assert len(new) >= 20
    assert config_of(cluster, ready)["cipassword"] == MASK, "PVE never shows the password"
    guest = guest_cloudinit(sandbox, ready)
    assert guest.password == new
    assert guest.user == "root"
    assert guest.ipconfig["ipconfig0"].startswith("ip=192.0.2.10/24")
    assert status_of(cluster, ready) == "running"
    assert len(tasks_of(sandbox, "qmshutdown", ready.vmid)) == 1, "powered off before the change"
    assert ("PUT", f"/api2/json/nodes/{ready.node}/qemu/{ready.vmid}/cloudinit") in writes(sandbox)
    assert [s.label for s in recorder.steps if s.result != "waiting"] == [
        "Stop VM",
        "Set new password in cloud-init",
        "Start VM",
        "Verify running + Email",
    ]
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == [CLIENT_EMAIL]
    assert new in sent.body
    assert "192.0.2.10" in sent.body
    stored = _column("inventory_service", "password", ready.pk)
    assert stored.startswith("fernet:")
    assert new not in stored
    kept = _column("inventory_operationrequest", "secret", request.pk)
    assert kept.startswith("fernet:")
    assert new not in kept


def test_a_password_given_with_the_request_is_the_one_set(sandbox, ready: Service) -> None:
    request_reset_password(ready, "Correct-Horse-7")
    drive(ready)

    assert ready.state == states.READY
    assert ready.password == "Correct-Horse-7"
    assert guest_cloudinit(sandbox, ready).password == "Correct-Horse-7"


def test_a_reset_of_a_stopped_vm_starts_it_with_the_new_password(sandbox, sandbox_api, cluster: Server, ready):
    sandbox_api.task("POST", f"/nodes/{ready.node}/qemu/{ready.vmid}/status/stop")

    request_reset_password(ready)
    recorder = drive(ready)

    assert recorder.step_named("Stop VM").note == "skip - already stopped"
    assert status_of(cluster, ready) == "running"
    assert guest_cloudinit(sandbox, ready).password == ready.password


def test_a_vm_from_a_template_without_cloud_init_is_refused_and_nothing_changes(
    sandbox, cluster: Server, plan: Plan
) -> None:
    service = deployed(plan, template_vmid=NO_CLOUDINIT)
    before, sent = database_state(service), len(writes(sandbox))

    with pytest.raises(OrderRefused, match="cannot be reset: its VM has no cloud-init drive"):
        request_reset_password(service)

    assert database_state(service) == before
    assert len(writes(sandbox)) == sent


def test_a_vm_whose_cloud_init_drive_was_removed_is_refused(sandbox, sandbox_api, cluster: Server, ready) -> None:
    path = f"/nodes/{ready.node}/qemu/{ready.vmid}"
    sandbox_api.task("POST", f"{path}/status/stop")
    sandbox_api.data("PUT", f"{path}/config", {"delete": "ide2"})
    before, sent = database_state(ready), len(writes(sandbox))

    with pytest.raises(OrderRefused, match="has no cloud-init drive"):
        request_reset_password(ready)

    assert database_state(ready) == before
    assert len(writes(sandbox)) == sent


def test_a_reset_queued_behind_another_operation_checks_the_template(cluster: Server, plan: Plan) -> None:
    plan.template = Template.objects.get(vmid=NO_CLOUDINIT)
    plan.save()
    service = order_service(billing_service_id="61", client_ref="7", plan=plan)

    with pytest.raises(OrderRefused, match="has no cloud-init drive"):
        request_reset_password(service)

    assert list(OperationRequest.objects.filter(service=service).values_list("operation", flat=True)) == ["deploy"]


@pytest.mark.parametrize("password", ["short", " leading-blank", "two\nlines-here"])
def test_a_bad_password_is_refused_and_nothing_changes(sandbox, ready: Service, password: str) -> None:
    before, sent = database_state(ready), len(writes(sandbox))

    with pytest.raises(OrderRefused, match="at least 8 characters"):
        request_reset_password(ready, password)

    assert database_state(ready) == before
    assert len(writes(sandbox)) == sent
