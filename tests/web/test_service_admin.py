"""The staff actions on services in the Django admin: each shows a confirmation page that says what it does and
changes nothing until confirmed; a refusal is shown and changes nothing; the admin's own delete is off."""

from __future__ import annotations

import pytest
from django.test import Client

from proxvps.domain import states
from proxvps.inventory.models import ActionLog, Plan, Service

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/inventory/service/"


def _service(sid: str, state: str) -> Service:
    plan, _created = Plan.objects.get_or_create(name="VPS S")
    return Service.objects.create(billing_service_id=sid, client_ref="7", plan=plan, state=state, vmid=None)


def _act(client: Client, action: str, *services: Service, confirm: bool = False) -> str:
    data = {"action": action, "_selected_action": [s.pk for s in services]}
    if confirm:
        data["post"] = "yes"
    response = client.post(CHANGELIST, data, follow=True)
    assert response.status_code == 200
    return response.content.decode()


def test_reset_to_terminate_asks_for_a_confirmation_that_says_what_it_does(admin_client: Client) -> None:
    service = _service("41", states.ERROR_TERMINATE)

    page = _act(admin_client, "retry_terminate", service)

    assert "The terminate runs again from its first step" in page
    assert "41 (" in page
    assert "Terminate failed" in page
    service.refresh_from_db()
    assert service.state == states.ERROR_TERMINATE

    _act(admin_client, "retry_terminate", service, confirm=True)

    service.refresh_from_db()
    assert service.state == states.TERMINATE
    assert ActionLog.objects.filter(service=service, message="status reset to terminate by admin").exists()


def test_force_mark_remove_says_proxmox_is_not_touched_then_marks_the_service(admin_client: Client) -> None:
    service = _service("42", states.ERROR_TERMINATE)

    page = _act(admin_client, "mark_removed", service)
    assert "Proxmox is not touched" in page

    _act(admin_client, "mark_removed", service, confirm=True)
    service.refresh_from_db()
    assert service.state == states.REMOVE


def test_delete_record_deletes_a_failed_terminate_and_refuses_a_ready_service(admin_client: Client) -> None:
    failed = _service("43", states.ERROR_TERMINATE)
    ready = _service("44", states.READY)

    page = _act(admin_client, "delete_record", failed, ready)
    assert "Only the records are deleted" in page
    assert Service.objects.count() == 2

    page = _act(admin_client, "delete_record", failed, ready, confirm=True)

    assert "service 44 is Ready" in page
    assert list(Service.objects.values_list("billing_service_id", flat=True)) == ["44"]


def test_the_admin_generic_delete_of_a_service_is_off(admin_client: Client) -> None:
    service = _service("45", states.REMOVE)
    response = admin_client.post(f"{CHANGELIST}{service.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert Service.objects.filter(pk=service.pk).exists()
