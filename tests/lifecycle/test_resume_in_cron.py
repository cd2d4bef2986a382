"""The seed's resume scenario through `proxvps cron`: a failed start pauses the change at its state, the output
says so in the seed's words, and the next pass completes from there."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from proxvps.domain import states
from proxvps.inventory.models import Plan, Service
from proxvps.lifecycle.orders import order_service, request_change_package
from tests.lifecycle.conftest import drive

pytestmark = pytest.mark.django_db


def _cron() -> str:
    out = StringIO()
    call_command("cron", "--task", "processVirtualMachines", "--force", stdout=out)
    return out.getvalue()


def test_a_failed_start_pauses_then_the_next_pass_completes(sandbox, plan: Plan, settings) -> None:
    settings.PROXVPS_RETRY_SECONDS = 0
    service = order_service(billing_service_id="5546", client_ref="77", plan=plan)
    drive(service)
    Service.objects.filter(pk=service.pk).update(lease_owner="", lease_expires_at=None)
    vmid = service.vmid
    sandbox.call(lambda pve: setattr(pve.vm(vmid), "start_error", "start failed: QEMU exited with code 1"))
    request_change_package(service, options={"RAM": 4096, "CPU Cores": 3})

    first = _cron()
    assert f"--- ChangePackage: service=5546 vm={vmid} status=change_package ---" in first
    assert "[!] " in first
    assert "Start VM" in first
    assert (
        "VM failed to start (status: stopped): start failed: QEMU exited with code 1. Will retry. "
        "(cp_firewall -> cp_firewall)"
    ) in first
    assert "--- ChangePackage paused: waiting at [cp_firewall] ---" in first
    assert "[processVirtualMachines] Done" in first
    assert "processed: 1, errors: 1" in first
    service.refresh_from_db()
    assert service.state == states.CP_FIREWALL

    sandbox.call(lambda pve: setattr(pve.vm(vmid), "start_error", None))
    second = _cron()
    assert f"--- ChangePackage: service=5546 vm={vmid} status=cp_firewall ---" in second
    assert "success (cp_firewall -> cp_start)" in second
    assert "success (cp_start -> ready)" in second
    assert "--- ChangePackage complete: service=5546 status=ready ---" in second
    assert "errors: 0" in second
    service.refresh_from_db()
    assert service.state == states.READY
