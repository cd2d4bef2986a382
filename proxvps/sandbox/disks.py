"""Disk changes of a VM: config writes that allocate or detach disks, and resize.

Follows qemu-server's PVE/API2/Qemu.pm (update_vm, resize_vm) and QemuServer.pm
(vmconfig_delete_or_detach_drive, vmconfig_register_unused_drive, try_deallocate_drive).
"""

from __future__ import annotations

import re
from typing import Any

from fakepve.lxc import SIZE_UNITS, format_size
from fakepve.model import PveError, TaskError
from fakepve.qemu import DRIVE_KEY, NEW_DISK, is_cdrom, join_drive, split_drive, volume_ref
from fakepve.routing import param_error
from fakepve.schema import parse_boolean

from proxvps.sandbox.base import UNUSED_KEY
from proxvps.sandbox.volumes import NodeVolumes

__all__ = ["DiskConfig"]

# Parameters of the config API that are not config keys.
NOT_CONFIG = ("force", "background_delay")
# Disks PVE hotplugs into a running VM (its default `hotplug` is network,disk,usb; IDE and SATA are not).
HOTPLUG_DISKS = ("scsi", "virtio")
RESIZE = re.compile(r"^(\+)?(\d+(?:\.\d+)?)([KMGT])?$")


def _is_new_volume(value: object) -> bool:
    """A drive value that asks for a new volume: STORAGE:SIZE (GiB) or STORAGE:cloudinit."""
    volume, props = split_drive(str(value))
    return bool(NEW_DISK.match(volume) and not is_cdrom(volume, props)) or volume.endswith(":cloudinit")


class DiskConfig(NodeVolumes):
    """Mixin: disk allocation in config writes, detaching to unusedN, resize."""

    def _routes_sandbox_disks(self) -> list[tuple[str, str, Any]]:
        return [("PUT", "/nodes/{node}/qemu/{vmid}/resize", self._sb_resize)]

    # ------------------------------------------------------------- config writes

    async def _apply_config(self, vm: Any, user: str, p: dict[str, Any]) -> None:
        """fakepve's config write, plus what PVE does with disks: new volumes are allocated, removed or
        replaced disks become unusedN (or are freed with `force`), removed unusedN are freed."""
        params = {key: value for key, value in p.items() if key not in NOT_CONFIG}
        force = parse_boolean(str(p.get("force", "0"))) == "1"
        new = {key: str(value) for key, value in params.items() if DRIVE_KEY.match(key) and _is_new_volume(value)}
        for key, value in sorted(new.items()):
            self._sb_check_new_volume(vm, user, key, value)
        before = dict(vm.config)
        await super()._apply_config(vm, user, params)
        self._sb_realise_all(vm, new, before)
        for key in str(params.get("delete") or "").split(","):
            if key in before:
                self._sb_remove(vm, key, before[key], force)

    def _sb_check_new_volume(self, vm: Any, user: str, key: str, value: str) -> None:
        """check_storage_access: before anything is written, the storage exists and takes images."""
        volume = split_drive(value)[0]
        if volume.endswith(":cloudinit"):
            self._qm_image_store(volume_ref(volume)[0], user)
        else:
            self._qm_check_drive(user, vm.vmid, vm.pool, key, value, None)

    def _sb_realise_all(self, vm: Any, new: dict[str, str], before: dict[str, Any]) -> None:
        """Allocate the volumes written drives ask for; if one fails, none is kept (PVE's create_disks frees
        what it made and writes no config)."""
        made: list[str] = []
        try:
            for key, value in sorted(new.items()):
                made.append(self._sb_realise(vm, key, value))
        except PveError:
            for volid in made:
                self._qm_free(volid)
            for key in new:
                where = vm.pending if key in vm.pending else vm.config
                where.pop(key, None)
                if key in before:
                    vm.config[key] = before[key]
            raise
        for key in sorted(new):
            if key in vm.config and before.get(key) is not None:
                self._sb_detach(vm, key, before[key], force=False)

    def _sb_realise(self, vm: Any, key: str, value: str) -> str:
        """Allocate the volume of one written drive and put its id in the drive line; returns the id."""
        if key in vm.pending and vm.status == "running" and key.startswith(HOTPLUG_DISKS):
            vm.config[key] = vm.pending.pop(key)
        where = vm.pending if key in vm.pending else vm.config
        volume, props = split_drive(value)
        if volume.endswith(":cloudinit"):
            volid = self._sb_alloc_cloudinit(volume_ref(volume)[0], vm.node, vm.vmid)
            where[key] = join_drive(volid, dict(props, media="cdrom"))
            return volid
        where[key], made = self._qm_new_drive(vm.vmid, key, value, None)
        return str(made[0])

    def _sb_remove(self, vm: Any, key: str, old: str, force: bool) -> None:
        """After a delete: unusedN go at once, and so do hotpluggable disks of a running VM."""
        if key in vm.pending and vm.pending[key] is None:
            if not (UNUSED_KEY.match(key) or key.startswith(HOTPLUG_DISKS)):
                return
            del vm.pending[key]
            vm.config.pop(key, None)
        if key not in vm.config:
            self._sb_detach(vm, key, old, force)

    def _sb_detach(self, vm: Any, key: str, value: str, force: bool) -> None:
        """vmconfig_delete_or_detach_drive for a drive or unusedN that left the config."""
        volume, props = split_drive(value)
        if volume_ref(volume)[0] is None:
            return
        if self._sb_is_cloudinit(volume, props) or UNUSED_KEY.match(key) or (force and not is_cdrom(volume, props)):
            self._sb_purge(vm, volume)
        elif not is_cdrom(volume, props):
            self._sb_add_unused(vm, volume)

    # -------------------------------------------------------------------- resize

    async def _sb_resize(self, v: dict[str, Any], user: str) -> Any:
        """PUT resize: a `resize` task; every check after the skiplock one happens inside it."""
        vm = self.find(v["node"], v["vmid"])
        skiplock = bool(v.get("skiplock"))
        if skiplock and user != "root@pam":
            raise param_error(skiplock="Only root may use this option.")

        async def body() -> None:
            try:
                self._sb_grow(vm, user, v, skiplock)
            except PveError as e:
                raise TaskError(e.message) from e

        return await self.task(vm.node, "resize", vm.vmid, user, body, vm=vm)

    def _sb_grow(self, vm: Any, user: str, v: dict[str, Any], skiplock: bool) -> None:
        disk, text = v["disk"], str(v["size"])
        if v.get("digest") and v["digest"] != vm.digest():
            raise TaskError("checksum mismatch (file change by other user?)")
        if not skiplock:
            self._check_lock(vm)
        if not vm.config.get(disk):
            raise TaskError(f"disk '{disk}' does not exist")
        volume, props = split_drive(vm.config[disk])
        if not volume or volume == "none":
            raise TaskError(f"disk '{disk}' has no associated volume")
        if is_cdrom(volume, props):
            raise TaskError("you can't resize a cdrom")
        sid, volname = volume_ref(volume)
        if sid is None:
            raise TaskError(f"unable to parse volume ID '{volume}'")
        self.require(user, "/storage/" + sid, "Datastore.AllocateSpace")
        vol = self._volumes(sid).get(volname)
        size = int(vol["size"]) if vol and vol.get("size") else _size_of(props.get("size"))
        if size is None:
            raise TaskError(f"Could not determine current size of volume '{volume}'")
        found = RESIZE.match(text)
        if found is None:
            raise TaskError("internal error")
        wanted = float(found.group(2)) * SIZE_UNITS.get(found.group(3) or "", 1)
        new = int(wanted + size if found.group(1) else wanted)
        if new < size:
            raise TaskError("shrinking disks is not supported")
        if new == size:
            return
        if vol is not None:
            self._sb_need_space(sid, self._sb_volume_node(sid, volname), new - size)
            volumes = self.storages[sid].setdefault("volumes", {})
            if volname not in volumes:  # known only from a config line until now
                volumes[volname] = dict(vol)
                self._sb_place(volume, vm.node)
            volumes[volname]["size"] = new
        vm.config[disk] = join_drive(volume, dict(props, size=format_size(new)))


def _size_of(text: str | None) -> int | None:
    """Bytes of a drive's size= option ('32G', '512M', bytes), or None."""
    found = re.fullmatch(r"(\d+(?:\.\d+)?)([KMGT])?", text or "")
    return int(float(found.group(1)) * SIZE_UNITS.get(found.group(2) or "", 1)) if found else None
