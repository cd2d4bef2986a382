"""Deploy's first steps: a server and addresses, the clone, and the move to the target node (SPEC S4, S15). The DNS
step between them is `proxvps.lifecycle.dnsrecords.set_records`."""

from __future__ import annotations

from django.db.models import Count
from django.utils.translation import gettext as _

from proxvps.domain.options import OptionError, validate_addressing
from proxvps.inventory import tunables
from proxvps.inventory.models import Server
from proxvps.ipam.allocation import PoolExhausted, allocate
from proxvps.lifecycle.context import StepContext, task_poll_seconds
from proxvps.lifecycle.outcomes import Done, Failed, Outcome, Wait, skip
from proxvps.lifecycle.placement import choose_node, in_flight, need_of, storage_usable
from proxvps.lifecycle.steps import step
from proxvps.lifecycle.vmids import reserve_vmid
from proxvps.proxmox import ProxmoxApiError, TaskRef


def migrate_attempts() -> int:
    return int(tunables.value("PROXVPS_MIGRATE_ATTEMPTS"))


def _choose_server(ctx: StepContext) -> Server | Failed:
    """The server of the plan's group with the fewest services; or why there is none (SPEC S18's four cases)."""
    group = ctx.plan.server_group
    if group is None:
        return Failed(
            _("The plan %(plan)s has no server group; choose one in its settings.") % {"plan": ctx.plan},
            retryable=False,
        )
    servers = group.servers.filter(enabled=True).annotate(load=Count("services")).order_by("load", "pk")
    server = servers.first()
    if server is None:
        return Failed(
            _("The server group %(group)s has no enabled server; add one to the group.") % {"group": group},
            retryable=False,
        )
    return server


@step("allocate_ip")
def allocate_ip(ctx: StepContext) -> Outcome:
    try:
        validate_addressing(ctx.resources, ctx.plan.dhcp)
    except OptionError as error:
        return Failed(str(error), retryable=False)
    if ctx.service.server is None:
        chosen = _choose_server(ctx)
        if isinstance(chosen, Failed):
            return chosen
        ctx.record(server=chosen)
    if ctx.plan.dhcp:
        return skip(_("skip - DHCP mode"))
    try:
        allocate(ctx.service, 4, ctx.resources.ipv4_count)
        allocate(ctx.service, 6, ctx.resources.ipv6_count)
    except PoolExhausted as error:
        return Failed(str(error), after=300)
    return Done()


def _check_source(ctx: StepContext) -> Failed | None:
    """Why the plan cannot be cloned on this server (missing template, not a template, unknown storage), or None."""
    template = ctx.template
    if template is None or template.server_id != ctx.server.pk:
        return Failed(
            _("The plan %(plan)s has no operating system template on server %(server)s.")
            % {"plan": ctx.plan, "server": ctx.server},
            retryable=False,
        )
    source = ctx.snapshot.vms.get(template.vmid)
    if source is None:
        return Failed(
            _("Template %(vmid)s does not exist on server %(server)s.") % {"vmid": template.vmid, "server": ctx.server},
            retryable=False,
        )
    if not source.template:
        return Failed(
            _("VM %(vmid)s on server %(server)s is not a template.") % {"vmid": template.vmid, "server": ctx.server},
            retryable=False,
        )
    if not any(item.storage == ctx.plan.storage for item in ctx.snapshot.storages):
        return Failed(
            _("Storage %(storage)s does not exist on server %(server)s.")
            % {"storage": ctx.plan.storage, "server": ctx.server},
            retryable=False,
        )
    return None


@step("clone")
def clone(ctx: StepContext) -> Outcome:
    """Clone the template on its node. A retry after a crash adopts the VM the earlier attempt made: same VMID,
    same name. A VMID someone else took meanwhile is given up for another."""
    problem = _check_source(ctx)
    if problem is not None:
        return problem
    template = ctx.template
    assert template is not None
    vmid = reserve_vmid(ctx)
    result = ctx.pending("clone")
    if result is None:
        existing = ctx.snapshot.vms.get(vmid)
        if existing is not None:
            # The listing may predate a removal (a reinstall's, a failed clone's): ask before adopting or refusing.
            existing = ctx.client.find_vm(vmid)
        if existing is not None and existing.name == ctx.service.vm_name:
            if existing.lock:
                return Wait(
                    _("VM %(vmid)s is locked (%(lock)s)") % {"vmid": vmid, "lock": existing.lock},
                    after=task_poll_seconds(),
                )
            ctx.record(node=existing.node)
            return Done(_("adopted VM %(vmid)s made by an earlier attempt") % {"vmid": vmid})
        if existing is not None:
            ctx.record(vmid=None)
            return Wait(_("VMID %(vmid)s was taken by another VM; choosing another") % {"vmid": vmid}, after=0)
        storage = ctx.plan.storage if storage_usable(ctx.snapshot, template.node, ctx.plan.storage) else None
        ctx.record(node=template.node)
        return ctx.start(
            lambda: ctx.client.clone(
                template.node, template.vmid, vmid, name=ctx.service.vm_name, full=True, target_storage=storage
            ),
            "clone",
        )
    if isinstance(result, Wait):
        return result
    if result.ok:
        return Done()
    leftover = ctx.client.find_vm(vmid)
    if leftover is not None and leftover.name == ctx.service.vm_name and not leftover.lock:
        ctx.client.delete_vm(leftover.node, vmid)
    return Failed(_("Clone failed: %(error)s. Will retry.") % {"error": result.message})


@step("migrate")
def migrate(ctx: StepContext) -> Outcome:
    """Offline-migrate to the node with the storage and the most free memory; after repeated failures, or when no
    node fits, the VM stays on the template's node and the deploy goes on (SPEC S15)."""
    result = ctx.pending("migrate")
    if result is None:
        where = ctx.snapshot.vms.get(ctx.vmid)
        if where is not None and (where.lock or where.node != ctx.service.node):
            # The listing may predate the clone (a reinstall's old VM): ask before waiting or adopting.
            where = ctx.client.find_vm(ctx.vmid)
        if where is not None and where.lock:
            return Wait(
                _("VM %(vmid)s is locked (%(lock)s)") % {"vmid": ctx.vmid, "lock": where.lock},
                after=task_poll_seconds(),
            )
        template = ctx.template
        if where is not None and template is not None and where.node != template.node:
            # Clones are made on the template's node: a VM elsewhere was already migrated (by an attempt whose
            # task id a crash lost). Moving it again would only cost time.
            ctx.record(node=where.node)
            return skip(_("skip - already migrated to %(node)s") % {"node": where.node})
        node = ctx.service.node
        target = _target(ctx)
        if target is None:
            return skip(
                _("skip - no online node has room on storage %(storage)s; staying on %(node)s")
                % {"storage": ctx.plan.storage, "node": node}
            )
        if target == node:
            return skip(_("skip - already on the target node"))
        if ctx.service.step_attempts >= migrate_attempts():
            return skip(
                _("skip - migration failed %(n)s times; staying on %(node)s")
                % {"n": ctx.service.step_attempts, "node": node}
            )
        try:
            return ctx.start(
                lambda: ctx.client.migrate(node, ctx.vmid, target, targetstorage=ctx.plan.storage), "migrate"
            )
        except ProxmoxApiError as error:
            return _migration_failed(ctx, error.pve_message)
    if isinstance(result, Wait):
        return _timed_out(ctx) or result
    if result.ok:
        ctx.record(node=ctx.service.placed_on)
        return Done()
    return _migration_failed(ctx, result.message)


def _target(ctx: StepContext) -> str | None:
    """The node chosen for the service, chosen once and recorded before the migration starts (so other workers
    count it); chosen again only if that node went offline or lost the storage."""
    placed = ctx.service.placed_on
    node = ctx.snapshot.nodes.get(placed) if placed else None
    if node is not None and node.status == "online" and storage_usable(ctx.snapshot, placed, ctx.plan.storage):
        return placed
    need = need_of(ctx.service)
    busy = in_flight(ctx.server, ctx.plan.storage, ctx.service.pk)
    target = choose_node(ctx.snapshot, ctx.plan.storage, need, busy, ctx.plan.node)
    ctx.record(placed_on=target or ctx.service.node, placed_memory=need.memory, placed_disk=need.disk)
    return target


def migrate_timeout() -> float:
    return tunables.value("PROXVPS_MIGRATE_TIMEOUT_SECONDS")


def _timed_out(ctx: StepContext) -> Outcome | None:
    """A migration running past the timeout is stopped and counted as a failed attempt; None while in time.

    Stopping makes PVE end the task: the VM stays on (and keeps its disks on) the source node. Should the stop
    come too late and the migration finish anyway, the next attempt finds the VM on the other node and takes it."""
    age = ctx.task_age()
    if age <= migrate_timeout():
        return None
    ctx.client.stop_task(TaskRef.from_upid(ctx.service.task_upid))
    ctx.task_ended()
    return _migration_failed(ctx, _("timed out after %(s)d s") % {"s": age})


def _migration_failed(ctx: StepContext, message: str) -> Outcome:
    """Count the failed attempt: retry later, or after the last attempt stay where the VM is and go on."""
    attempts = ctx.service.step_attempts + 1
    ctx.record(step_attempts=attempts)
    if attempts >= migrate_attempts():
        ctx.record(placed_on=ctx.service.node)
        return skip(
            _("skip - migration failed %(n)s times (%(error)s); staying on %(node)s")
            % {"n": attempts, "error": message, "node": ctx.service.node}
        )
    return Failed(_("Migration failed: %(error)s. Will retry.") % {"error": message}, after=60)
