"""The Django admin keeps raw records, but what the lifecycle owns is read-only there: a saved form never moves a
service's state past the one state-change function (and its log)."""

from __future__ import annotations

import pytest
from django.test import Client

from proxvps.domain import states
from proxvps.inventory.models import ActionLog, Plan, Service

pytestmark = pytest.mark.django_db


def test_a_changed_state_posted_to_the_admin_form_is_not_saved(admin_client: Client) -> None:
    plan = Plan.objects.create(name="VPS S")
    service = Service.objects.create(
        billing_service_id="71", client_ref="7", plan=plan, state=states.ERROR, vmid=150, node="pve1"
    )
    url = f"/admin/inventory/service/{service.pk}/change/"
    form = admin_client.get(url).content.decode()
    assert 'name="state"' not in form
    assert 'name="lease_owner"' not in form

    response = admin_client.post(
        url,
        {
            "billing_service_id": "71",
            "client_ref": "7",
            "plan": plan.pk,
            "options": "{}",
            "username": "root",
            "state": states.READY,
            "vmid": "999",
            "node": "pve9",
            "lease_owner": "someone",
            "hostname": "renamed.example.com",
        },
    )

    assert response.status_code == 302, response.content.decode()
    service.refresh_from_db()
    assert (service.state, service.vmid, service.node, service.lease_owner) == (states.ERROR, 150, "pve1", "")
    assert service.hostname == "renamed.example.com"  # what the lifecycle does not own is still edited here
    assert not ActionLog.objects.filter(service=service).exists()
