"""The steps that bring a VM's CPU, memory and disks to what its plan says (SPEC S4, S5, S14).

Each step is a planner and an applier: the planner compares what the VM has with what the service should have
and answers with the change (nothing when equal); the applier makes it. Change package's stop step asks every
planner first, so the VM is stopped only when something will really change (a disk shrink alone changes nothing:
Proxmox cannot shrink disks).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from proxvps.domain.disks import (
    SystemDisk,
    disk_format,
    find_system_disk,
    free_drive_key,
    is_data_disk,
    is_drive_key,
    with_io_limits,
)
from proxvps.domain.drives import PropertyString
from proxvps.domain.sizes import gib, parse_size
from proxvps.lifecycle.context import StepContext
from proxvps.lifecycle.outcomes import Done, Failed, Outcome, Wait, skip
from proxvps.lifecycle.steps import step
from proxvps.proxmox import TaskResult

NO_CHANGE = "skip - no change"
SHRINK = "skip - shrink not allowed by Proxmox"
SPECIAL_KEYS = ("efidisk0", "tpmstate0")


@dataclass(frozen=True)
class Disk:
    key: str
    drive: PropertyString

    @property
    def size_bytes(self) -> int | None:
        size = self.drive.get("size")
        return parse_size(size) if size else None


def system_disk(ctx: StepContext) -> SystemDisk:
    found = find_system_disk(ctx.config())
    if found is None:
        raise LookupError(_("VM %(vmid)s has no system disk in its configuration.") % {"vmid": ctx.vmid})
    return found


def additional_disk(ctx: StepContext) -> Disk | None:
    """The service's additional disk: the first data disk that is not the system disk."""
    config = ctx.config()
    system = system_disk(ctx)
    for key in sorted(config):
        if key == system.key or key in SPECIAL_KEYS or not is_drive_key(key):
            continue
        drive = PropertyString.parse(config[key])
        if is_data_disk(drive):
            return Disk(key, drive)
    return None


def finished(result: TaskResult | Wait, what: str, retry: bool = True) -> Outcome:
    """The end of a start/wait pair: still waiting, done, or failed: to be retried from the same state, or with
    `retry=False` for good (the operation stops in its error state; a retry would fail the same way)."""
    if isinstance(result, Wait):
        return result
    if result.ok:
        return Done()
    if not retry:
        return Failed(_("%(what)s failed: %(error)s") % {"what": what, "error": result.message}, retryable=False)
    return Failed(_("%(what)s failed: %(error)s. Will retry.") % {"what": what, "error": result.message})


# ------------------------------------------------------------------ CPU and RAM


def cpu_ram_changes(ctx: StepContext) -> dict[str, str | int]:
    config = ctx.config()
    want = {"cores": ctx.resources.cpu_cores, "memory": ctx.resources.ram_mb}
    return {key: value for key, value in want.items() if config.get(key) != str(value)}


@step("set_cpu_ram")
def set_cpu_ram(ctx: StepContext) -> Outcome:
    changes = cpu_ram_changes(ctx)
    if not changes:
        return skip(NO_CHANGE)
    ctx.write_config(changes)
    return Done()


# ------------------------------------------------------------------ disk sizes


def _grow_to(ctx: StepContext, disk: Disk, want_gb: int) -> Outcome:
    """Start the resize of `disk` to `want_gb`; the drive line it leaves is known, so the config need not be read
    again for it."""
    have, want = disk.size_bytes, gib(want_gb)
    if have is not None and have > want:
        return skip(SHRINK)
    if have == want:
        return skip(NO_CHANGE)
    size = f"{want_gb}G"
    return ctx.start(
        lambda: ctx.client.resize(ctx.service.node, ctx.vmid, disk.key, size),
        "resize",
        expect={disk.key: disk.drive.with_options(size=size).render()},
    )


def system_disk_grows(ctx: StepContext) -> bool:
    have = system_disk(ctx).size_bytes
    return have is None or have < gib(ctx.resources.system_disk_gb)


def _system(ctx: StepContext) -> Disk:
    found = system_disk(ctx)
    return Disk(found.key, found.options)


@step("resize_system_disk")
def resize_system_disk(ctx: StepContext) -> Outcome:
    pending = ctx.pending("resize")
    if pending is not None:
        return finished(pending, _("Resize"))
    return _grow_to(ctx, _system(ctx), ctx.resources.system_disk_gb)


def additional_disk_changes(ctx: StepContext) -> bool:
    disk = additional_disk(ctx)
    want = ctx.resources.additional_disk_gb
    if disk is None:
        return want > 0
    if want == 0:
        return True
    have = disk.size_bytes
    return have is None or have < gib(want)


@step("additional_disk")
def create_or_delete_additional_disk(ctx: StepContext) -> Outcome:
    """Create the additional disk, or delete it and purge its volume when the plan says 0 (SPEC S5).

    A synchronous config write allocates the volume: the VM is stopped here (deploy has not started it; change
    package stopped it for this change), so nothing is hot-plugged, and allocating an empty volume is quick on
    every storage type. That spares a task and the poll for it on every deploy."""
    want = ctx.resources.additional_disk_gb
    disk = additional_disk(ctx)
    if want == 0:
        if disk is None:
            return skip(_("skip - no additional disk"))
        ctx.write_config({}, delete=[disk.key], force=True)
        return Done(_("deleted %(key)s and its volume") % {"key": disk.key})
    if disk is not None:
        return skip(_("skip - already present"))
    system = system_disk(ctx)
    key = free_drive_key(ctx.config(), system.key.rstrip("0123456789"))
    if key is None:
        return Failed(_("No free drive slot is left on the system disk's bus."), retryable=False)
    storage = ctx.plan.additional_disk_storage or ctx.plan.storage
    value = PropertyString.of(f"{storage}:{want}")
    if storage == system.storage_id:
        value = value.with_options(format=disk_format(system.volume_id))
    ctx.write_config({key: value.render()})
    return Done()


@step("resize_additional_disk")
def resize_additional_disk(ctx: StepContext) -> Outcome:
    pending = ctx.pending("resize")
    if pending is not None:
        return finished(pending, _("Resize"))
    disk = additional_disk(ctx)
    if disk is None:
        return skip(_("skip - no additional disk"))
    return _grow_to(ctx, disk, ctx.resources.additional_disk_gb)


# ------------------------------------------------------------------ I/O limits


def _io_change(
    disk: Disk | None, *, read_mbps: float, write_mbps: float, read_iops: int, write_iops: int
) -> dict[str, str | int]:
    """The drive line with these limits, as a config change; nothing when the drive already has them."""
    if disk is None:
        return {}
    new = with_io_limits(
        disk.drive, read_mbps=read_mbps, write_mbps=write_mbps, read_iops=read_iops, write_iops=write_iops
    )
    return {} if new == disk.drive else {disk.key: new.render()}


def system_io_change(ctx: StepContext) -> dict[str, str | int]:
    r = ctx.resources
    return _io_change(
        _system(ctx),
        read_mbps=r.system_disk_read_mbps,
        write_mbps=r.system_disk_write_mbps,
        read_iops=r.system_disk_read_iops,
        write_iops=r.system_disk_write_iops,
    )


def additional_io_change(ctx: StepContext) -> dict[str, str | int]:
    r = ctx.resources
    return _io_change(
        additional_disk(ctx),
        read_mbps=r.additional_disk_read_mbps,
        write_mbps=r.additional_disk_write_mbps,
        read_iops=r.additional_disk_read_iops,
        write_iops=r.additional_disk_write_iops,
    )


@step("system_disk_io")
def system_disk_io(ctx: StepContext) -> Outcome:
    """Limits on the system disk; no API call at all when nothing changes (all four 0 and none set)."""
    change = system_io_change(ctx)
    if not change:
        return skip(NO_CHANGE)
    ctx.write_config(change)
    return Done()


@step("additional_disk_io")
def additional_disk_io(ctx: StepContext) -> Outcome:
    if additional_disk(ctx) is None:
        return skip(_("skip - no additional disk"))
    change = additional_io_change(ctx)
    if not change:
        return skip(NO_CHANGE)
    ctx.write_config(change)
    return Done()
