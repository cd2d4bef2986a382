"""Moving a VM to another node of its cluster on staff's word (beyond the seed; SPEC S15 covers only the deploy's
offline move): a live migration when the VM runs, its local disks copied along, onto the plan's storage.

The request is checked at once (a node of the service's cluster, online, not the one the VM is on); the step
starts one migrate task and waits for it, stopping it past the migration timeout. A failed or timed-out migration
leaves the VM where it was and the service ready, the reason in the log: staff try again or pick another node.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from proxvps.domain.transitions import MIGRATE_NODE
from proxvps.inventory.models import Node, OperationRequest, Service
from proxvps.lifecycle.context import StepContext
from proxvps.lifecycle.locate import current_vm, lock_wait
from proxvps.lifecycle.outcomes import Done, Failed, Outcome, Wait, skip
from proxvps.lifecycle.provisioning import migrate_timeout
from proxvps.lifecycle.requests import OrderRefused, submit
from proxvps.lifecycle.steps import step
from proxvps.proxmox import ProxmoxApiError, TaskRef


def migration_targets(service: Service) -> list[str]:
    """The nodes the service's VM may move to: its cluster's online nodes but its own, as last synced."""
    if service.server_id is None:
        return []
    nodes = Node.objects.filter(server_id=service.server_id, online=True).exclude(name=service.node)
    return list(nodes.order_by("name").values_list("name", flat=True))


def request_migrate(service: Service, target: str, *, requested_by: str = "") -> OperationRequest:
    """Ask for the VM to move to `target`; refused (OrderRefused) for a service without a VM, or a node that is not
    one of `migration_targets`."""
    if service.vmid is None or not service.node:
        raise OrderRefused(_("Service %(sid)s has no VM to migrate yet.") % {"sid": service.billing_service_id})
    if target not in migration_targets(service):
        raise OrderRefused(
            _("%(node)s is not an online node of this cluster other than the VM's own (%(own)s).")
            % {"node": target, "own": service.node}
        )
    return submit(service, MIGRATE_NODE, params={"target": target}, requested_by=requested_by)


@step("migrate_to_node")
def migrate_to_node(ctx: StepContext) -> Outcome:
    target = ctx.param("target")
    result = ctx.pending("migrate")
    if result is None:
        where = current_vm(ctx)
        if where is None:
            return Failed(_("VM %(vmid)s does not exist.") % {"vmid": ctx.vmid}, retryable=False)
        source = ctx.service.node  # where current_vm found the VM
        if source == target:
            ctx.record(placed_on=target)
            return skip(_("skip - already on %(node)s") % {"node": target})
        locked = lock_wait(where)
        if locked is not None:
            return locked
        running = where.status == "running"
        try:
            return ctx.start(
                lambda: ctx.client.migrate(
                    source,
                    ctx.vmid,
                    target,
                    targetstorage=ctx.plan.storage,
                    online=running,
                    with_local_disks=True,
                ),
                "migrate",
            )
        except ProxmoxApiError as error:
            return Failed(_("Migration refused: %(error)s") % {"error": error.pve_message}, retryable=False)
    if isinstance(result, Wait):
        if ctx.task_age() > migrate_timeout():
            ctx.client.stop_task(TaskRef.from_upid(ctx.service.task_upid))
            ctx.task_ended()
            return Failed(
                _("Migration timed out; the VM stays on %(node)s.") % {"node": ctx.service.node}, retryable=False
            )
        return result
    if not result.ok:
        return Failed(_("Migration failed: %(error)s") % {"error": result.message}, retryable=False)
    source = ctx.service.node
    ctx.record(node=target, placed_on=target)
    return Done(_("moved from %(source)s to %(target)s") % {"source": source, "target": target})
