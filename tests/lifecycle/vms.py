"""Helpers for the tests of operations on a deployed VM: deploy one, read it back, count what reached the sandbox."""

from __future__ import annotations

from typing import Any

from proxvps.domain import states
from proxvps.inventory.connect import client_for
from proxvps.inventory.models import ActionLog, OperationRequest, Plan, Server, Service, Template
from proxvps.lifecycle.orders import order_service
from proxvps.proxmox import VmConfig
from proxvps.sandbox.cloudinit import GuestCloudInit
from proxvps.sandbox.runner import RunningSandbox
from tests.lifecycle.conftest import drive

CLIENT_EMAIL = "client@example.com"


def deployed(plan: Plan, sid: str = "5546", template_vmid: int | None = None) -> Service:
    """A service of `plan` deployed and running (from template `template_vmid` if given)."""
    if template_vmid is not None:
        plan.template = Template.objects.get(vmid=template_vmid)
        plan.save()
    service = order_service(billing_service_id=sid, client_ref="77", plan=plan, client_email=CLIENT_EMAIL)
    drive(service)
    assert service.state == states.READY, service.last_error
    return service


def config_of(cluster: Server, service: Service) -> VmConfig:
    with client_for(cluster) as client:
        return client.vm_config(service.node, service.vmid or 0)


def guest_cloudinit(sandbox: RunningSandbox, service: Service) -> GuestCloudInit:
    """The VM's cloud-init as its guest gets it, password in clear: read from the sandbox's own model, because the
    PVE API shows the password only masked."""
    found = sandbox.guest_cloudinit(service.vmid or 0)
    assert found is not None, f"VM {service.vmid} has no cloud-init drive"
    return found


def status_of(cluster: Server, service: Service) -> str:
    with client_for(cluster) as client:
        return client.vm_status(service.node, service.vmid or 0).status


def writes(sandbox: Any) -> list[tuple[str, str]]:
    """Every request that could change something on the sandbox (all but GET), as (method, path)."""
    return [(method, path) for method, path, _body in sandbox.pve.requests if method != "GET"]


def tasks_of(sandbox: Any, kind: str, vmid: int | None) -> list[dict[str, Any]]:
    """The sandbox's tasks of one type (`qmreboot`) about one VM, oldest first."""
    found: list[dict[str, Any]] = sandbox.call(
        lambda pve: [t for t in pve.tasklog if t["type"] == kind and t["id"] == str(vmid)]
    )
    return found


def database_state(service: Service) -> tuple[Any, ...]:
    """What a refused request must leave as it was: the service's row, its requests and its action log."""
    row = {key: value for key, value in Service.objects.values().get(pk=service.pk).items() if key != "updated_at"}
    return (
        row,
        list(OperationRequest.objects.filter(service=service).values_list("pk", "status")),
        ActionLog.objects.filter(service=service).count(),
    )
