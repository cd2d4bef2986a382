"""ISO images (SPEC S10): the client lists the images of the plan's ISO storage, grouped, and mounts one in the
VM's CD-ROM drive or takes it out.

Only an image that is on the plan's ISO storage can be mounted: the volume id is checked against the storage's
own listing before the request is accepted. The CD-ROM drive is the VM's own (its cloud-init drive does not
count) or a new one (ide2, else a free IDE slot); a new drive is added to the end of the boot order, so the
system disk still boots first and the image boots when the disk cannot. PVE swaps the medium of an existing drive
in a running VM at once; a drive added to a running VM appears at its next start.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from proxvps.domain.disks import boot_order_with, cdrom_key, drive_volume, is_cdrom, is_drive_key
from proxvps.domain.drives import PropertyString
from proxvps.domain.isos import file_name, group_isos
from proxvps.domain.transitions import MOUNT_ISO, UNMOUNT_ISO
from proxvps.inventory.connect import client_for
from proxvps.inventory.models import OperationRequest, Service
from proxvps.lifecycle.context import StepContext
from proxvps.lifecycle.outcomes import Done, Outcome, skip
from proxvps.lifecycle.requests import OrderRefused, submit
from proxvps.lifecycle.steps import step
from proxvps.proxmox import ProxmoxError, VmConfig

EMPTY = "none"
"""The volume of an empty CD-ROM drive (`none,media=cdrom`)."""


@dataclass(frozen=True)
class IsoImage:
    volid: str
    """`local:iso/Debian-12.5.0-amd64-netinst.iso`: what the client picks and a mount request names."""
    name: str
    size: int | None


def iso_images(service: Service) -> list[IsoImage]:
    """The ISO images on the plan's ISO storage, as the service's node sees it (none when the plan sets no ISO
    storage or the service has no VM yet). Raises ProxmoxError when the storage cannot be read."""
    storage = service.plan.iso_storage
    if not storage or service.server is None or not service.node:
        return []
    with client_for(service.server) as client:
        volumes = client.storage_content(service.node, storage, content="iso")
    prefix = f"{storage}:"
    return [IsoImage(v.volid, v.filename, v.size) for v in volumes if v.volid.startswith(prefix)]


def list_isos(service: Service) -> dict[str, list[IsoImage]]:
    """The images of the plan's ISO storage by group (the text before the first `-` of the name, else OTHER)."""
    return group_isos(iso_images(service), name=lambda image: image.name)


def request_mount_iso(service: Service, volid: str, *, requested_by: str = "") -> OperationRequest:
    """Ask for `volid` to be mounted. Refused, with nothing changed, unless it is an image on the plan's ISO
    storage."""
    storage = service.plan.iso_storage
    if not storage:
        raise OrderRefused(_("Plan %(plan)s offers no ISO images.") % {"plan": service.plan})
    if not volid.startswith(f"{storage}:"):
        raise OrderRefused(
            _("%(volid)s is not on the ISO storage %(storage)s of plan %(plan)s.")
            % {"volid": volid, "storage": storage, "plan": service.plan}
        )
    try:
        known = {image.volid for image in iso_images(service)}
    except ProxmoxError as error:
        raise OrderRefused(
            _("The ISO storage %(storage)s cannot be read: %(error)s") % {"storage": storage, "error": error}
        ) from error
    if volid not in known:
        raise OrderRefused(
            _("There is no ISO image %(name)s on the ISO storage %(storage)s.")
            % {"name": file_name(volid), "storage": storage}
        )
    return submit(service, MOUNT_ISO, params={"volid": volid}, requested_by=requested_by)


def request_unmount_iso(service: Service, *, requested_by: str = "") -> OperationRequest:
    """Ask for the VM's CD-ROM drive to be emptied."""
    return submit(service, UNMOUNT_ISO, requested_by=requested_by)


def _next_config(ctx: StepContext) -> VmConfig:
    """The config as the VM's next start will have it: a CD-ROM drive added to the running VM counts."""
    return ctx.client.vm_next_config(ctx.service.node, ctx.vmid)


def _parsed(value: str) -> PropertyString | None:
    try:
        return PropertyString.parse(value)
    except ValueError:
        return None


def _holding(drive: PropertyString, volume: str) -> str:
    """The CD-ROM drive with `volume` in it: its other options kept, the size of the image it held dropped."""
    return PropertyString(volume, drive.without("file", "volume", "size").options).with_options(media="cdrom").render()


@step("mount_iso")
def mount_iso(ctx: StepContext) -> Outcome:
    """Put the request's image in the CD-ROM drive (made if the VM has none), other options of the drive kept."""
    volid = str(ctx.request.params["volid"])
    config = _next_config(ctx)
    key = cdrom_key(config)
    if key is None:
        return skip(_("skip - the VM has no free IDE slot for a CD-ROM drive"))
    drive = _parsed(config.get(key, "")) or PropertyString()
    wanted = _holding(drive, volid)
    changes: dict[str, str | int] = {}
    if config.get(key) != wanted:
        changes[key] = wanted
    boot = boot_order_with(config, key)
    if boot is not None:
        changes["boot"] = boot
    if not changes:
        return skip(_("skip - already mounted"))
    ctx.write_config(changes)
    return Done(_("%(name)s in %(key)s") % {"name": file_name(volid), "key": key})


@step("unmount_iso")
def unmount_iso(ctx: StepContext) -> Outcome:
    """Empty every CD-ROM drive that holds an image (`none,media=cdrom`); the drives stay, for the next mount."""
    config = _next_config(ctx)
    changes: dict[str, str | int] = {}
    for key, value in config.items():
        drive = _parsed(value) if is_drive_key(key) else None
        if drive is None or not is_cdrom(drive) or ":" not in (drive_volume(drive) or ""):
            continue
        changes[key] = _holding(drive, EMPTY)
    if not changes:
        return skip(_("skip - no ISO mounted"))
    ctx.write_config(changes)
    return Done()
