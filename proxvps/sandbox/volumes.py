"""Volumes that live on one node: PVE's non-shared storages (dir, lvmthin, zfspool, ...).

fakepve keeps one volume table per storage, as if every storage were shared. On a real cluster a
`local-lvm` is a separate volume group on each node: a volume exists on the node that allocated it,
a node's storage status counts only its own volumes, and moving a VM means copying its volumes. Here a
volume of a non-shared storage carries a `node`; one without (the ISOs the seed puts on `local`) is on
every node. Shared storages (nfs, rbd, pbs, a dir marked shared) look the same from every node.
"""

from __future__ import annotations

import re
import time
from typing import Any

from fakepve.model import PveError
from fakepve.qemu import drives_of, is_cdrom, join_drive, volume_ref
from fakepve.routing import die
from fakepve.storage import _exists_message

from proxvps.sandbox.base import GIB, MIB, UNUSED_KEY, PveBase, is_file_storage

__all__ = ["CLOUDINIT_SIZE", "DEFAULT_STORAGE_TOTAL", "NodeVolumes"]

# What a storage holds on each node unless its `total` says otherwise.
DEFAULT_STORAGE_TOTAL = 100 * GIB
# The cloud-init ISO PVE generates.
CLOUDINIT_SIZE = 4 * MIB


class NodeVolumes(PveBase):
    """Mixin: per-node volumes of non-shared storages."""

    # ------------------------------------------------------------ where a volume is

    def _sb_volume_node(self, sid: str, volname: str) -> str | None:
        """The node a volume lives on, or None if every node sees it."""
        store = self.storages.get(sid)
        if store is None or store.get("shared"):
            return None
        vol = store.get("volumes", {}).get(volname)
        if vol is not None:
            node = vol.get("node")
            return str(node) if node else None
        volid = f"{sid}:{volname}"
        for guest in self._guests():
            if any(str(value).split(",")[0] == volid for value in guest.config.values()):
                return str(guest.node)
        return None

    def _sb_on_node(self, sid: str, volname: str, node: str) -> bool:
        owner = self._sb_volume_node(sid, volname)
        return owner is None or owner == node

    def _sb_space(self, sid: str, node: str | None) -> tuple[int, int, int]:
        """(total, used, avail) in bytes of the storage as `node` sees it."""
        store = self.storages[sid]
        if store.get("shared") or node is None:
            total, used, avail = self._space(store)
            return int(total), int(used), int(avail)
        used = sum(
            int(vol.get("size") or 0)
            for volname, vol in self._volumes(sid).items()
            if self._sb_on_node(sid, volname, node)
        )
        total = int(store.get("total", DEFAULT_STORAGE_TOTAL))
        return total, used, max(total - used, 0)

    def _sb_place(self, volid: str, node: str | None) -> None:
        """Record that a new volume lives on node (nothing to record on a shared storage)."""
        sid, volname = volume_ref(volid)
        if node and sid and not self._sb_shared(sid):
            self.storages[sid]["volumes"][volname]["node"] = node

    # ------------------------------------------------------------------ allocation

    def _sb_need_space(self, sid: str, node: str | None, size: int) -> None:
        if size > self._sb_space(sid, node)[2]:
            raise die(f"unable to write to storage '{sid}': No space left on device")

    def _sb_alloc_on(
        self,
        sid: str,
        node: str | None,
        vmid: int,
        fmt: str | None,
        size: int,
        linked_from: str | None = None,
    ) -> tuple[str, str]:
        """fakepve's vdisk_alloc, on one node's part of the storage: returns (volume id, format)."""
        self._sb_need_space(sid, node, size)
        volid, made = super()._qm_alloc(sid, vmid, fmt, size, linked_from)
        self._sb_place(volid, node)
        return str(volid), str(made)

    def _qm_alloc(
        self, sid: str, vmid: int, fmt: str | None, size: int, linked_from: str | None = None
    ) -> tuple[str, str]:
        """Create, clone and config writes allocate on the node of the guest they are for."""
        return self._sb_alloc_on(sid, self._sb_guest_node(vmid), vmid, fmt, size, linked_from)

    def _sb_alloc_named(self, sid: str, node: str | None, vmid: int, name: str, fmt: str, size: int) -> str:
        """vdisk_alloc with a chosen name (vm-<vmid>-cloudinit, a migrated volume keeping its name)."""
        store = self._store(sid)
        volname = f"{vmid}/{name}.{fmt}" if is_file_storage(store) else name
        volumes = store.setdefault("volumes", {})
        if volname in volumes:
            if is_file_storage(store):
                raise die(f"disk image '{self._volume_path(sid, volname, 'images')}' already exists")
            raise die(_exists_message(store, volname))
        self._sb_need_space(sid, node, size)
        volumes[volname] = {
            "content": "images",
            "format": fmt,
            "size": size,
            "vmid": vmid,
            "ctime": int(time.time()),
        }
        volid = f"{sid}:{volname}"
        self._sb_place(volid, node)
        return volid

    def _sb_alloc_cloudinit(self, sid: str, node: str | None, vmid: int) -> str:
        """The cloud-init volume PVE makes for a `STORAGE:cloudinit` drive: vm-<vmid>-cloudinit."""
        fmt = "qcow2" if is_file_storage(self._store(sid)) else "raw"
        return self._sb_alloc_named(sid, node, vmid, f"vm-{vmid}-cloudinit", fmt, CLOUDINIT_SIZE)

    @staticmethod
    def _sb_is_cloudinit(volume: str, props: dict[str, str]) -> bool:
        """A CD-ROM drive backed by an image volume (not an ISO) is the generated cloud-init drive."""
        sid, volname = volume_ref(volume)
        return bool(is_cdrom(volume, props) and sid and not volname.startswith("iso/"))

    def _sb_volume_owner(self, volid: str) -> int | None:
        sid, volname = volume_ref(volid)
        if sid is None or sid not in self.storages:
            return None
        try:
            owner = self._parse_volname(self.storages[sid], volname)[1]
        except PveError:
            return None
        return int(owner) if owner is not None else None

    def _sb_referenced(self, vm: Any, volid: str) -> bool:
        """True if the VM's config, pending changes or snapshots still use the volume."""
        configs = [vm.config, vm.pending, *vm.snapshots.values()]
        return any(str(value or "").split(",")[0] == volid for cfg in configs for value in cfg.values())

    def _sb_purge(self, vm: Any, volid: str) -> None:
        """PVE's try_deallocate_drive: free a volume the VM owns and no longer uses (a template's base
        volume, used by linked clones, stays)."""
        if self._sb_volume_owner(volid) == vm.vmid and not self._sb_referenced(vm, volid):
            self._qm_free(volid)

    def _sb_add_unused(self, vm: Any, volid: str) -> None:
        """PVE's add_unused_volume: keep a detached disk as the first free unusedN."""
        if self._sb_referenced(vm, volid):
            return
        n = 0
        while f"unused{n}" in vm.config:
            n += 1
        vm.config[f"unused{n}"] = volid

    def _sb_guest_volumes(self, config: dict[str, Any]) -> list[tuple[str, str, dict[str, str]]]:
        """(key, volume, options) of every drive and unused disk of a config that is a storage volume."""
        found = [(key, volume, props) for key, volume, props in drives_of(config)]
        found += [(key, str(config[key]), {}) for key in sorted(config) if UNUSED_KEY.match(key)]
        return [(key, volume, props) for key, volume, props in found if volume_ref(volume)[0] is not None]

    def _sb_relocate(self, volid: str, sid: str, node: str, vmid: int) -> str:
        """Move a volume to storage sid on node (a copy, then the source is freed): the new volume id. It
        keeps its name where that is free, as PVE's storage_migrate does."""
        old_sid, volname = volume_ref(volid)
        vol = self._volumes(old_sid).get(volname) or {}
        size = int(vol.get("size") or 0)
        fmt = self._sb_target_format(sid, vol.get("format"))
        name = re.sub(r"\.[^.]+$", "", volname.rsplit("/", 1)[-1])
        self._qm_free(volid)
        taken = self.storages[sid].get("volumes", {})
        if (f"{vmid}/{name}.{fmt}" if is_file_storage(self.storages[sid]) else name) not in taken:
            moved = self._sb_alloc_named(sid, node, vmid, name, fmt, size)
        else:
            moved = self._sb_alloc_on(sid, node, vmid, fmt, size)[0]
        if vol.get("data") is not None:  # what the disk held travels with it (contents.py)
            new_sid, new_name = volume_ref(moved)
            self._volumes(new_sid)[new_name]["data"] = vol["data"]
        return moved

    def _parse_volname(self, store: dict[str, Any], volname: str) -> tuple[str, int | None, str]:
        """fakepve's parser, plus the name of a linked clone on a file storage (<base vmid>/<base name>/
        <vmid>/<name>), which it makes but does not parse."""
        linked = re.match(r"^(\d+)/(base-\d+-[^/\s]+)/(\d+)/([^/\s]+)$", volname)
        if linked and is_file_storage(store):
            _vtype, _owner, fmt = super()._parse_volname(store, f"{linked.group(3)}/{linked.group(4)}")
            return "images", int(linked.group(3)), str(fmt)
        vtype, owner, fmt = super()._parse_volname(store, volname)
        return str(vtype), owner, str(fmt)

    # ---------------------------------------------------------- storage API views

    def _status_item(self, name: str, node: str, formats: bool = False) -> dict[str, Any]:
        item: dict[str, Any] = super()._status_item(name, node, formats)
        if item["active"] and not self._sb_shared(name):
            item["total"], item["used"], item["avail"] = self._sb_space(name, node)
        return item

    def _storage_resource(self, node: str, name: str) -> dict[str, Any] | None:
        item: dict[str, Any] | None = super()._storage_resource(node, name)
        if item is None:
            return None
        if not self.nodes.get(node, {}).get("online", True):
            item["status"] = "unknown"
        else:
            total, used, _avail = self._sb_space(name, node)
            item.update(disk=used, maxdisk=total)
        return item

    def _sb_here(self, v: dict[str, Any]) -> tuple[str, str]:
        """(storage, volname) of a content request, or PVE's error if the volume is on another node."""
        sid, volname = self._volume_target(v)[:2]
        if not self._sb_on_node(sid, volname, v["node"]):
            raise die(f"volume '{sid}:{volname}' does not exist")
        return str(sid), str(volname)

    async def _content_list(self, v: dict[str, Any], user: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = await super()._content_list(v, user)
        sid, node = v["storage"], v["node"]
        return [item for item in items if self._sb_on_node(sid, item["volid"].partition(":")[2], node)]

    async def _content_create(self, v: dict[str, Any], user: str) -> str:
        volid = str(await super()._content_create(v, user))
        self._sb_place(volid, v["node"])
        return volid

    async def _content_info(self, v: dict[str, Any], user: str) -> Any:
        self._sb_here(v)
        return await super()._content_info(v, user)

    async def _content_delete(self, v: dict[str, Any], user: str) -> Any:
        self._sb_here(v)
        return await super()._content_delete(v, user)

    # ---------------------------------------------------------------------- clone

    async def _qm_clone(self, v: dict[str, Any], user: str) -> Any:
        """Clone as PVE does on a cluster: only a VM on shared storage may be cloned to another node, and
        the clone gets a cloud-init drive of its own."""
        target = v.get("target")
        if target and target not in (v["node"], "localhost"):
            src = self.find(v["node"], v["vmid"])
            config = src.snapshots.get(v.get("snapname"), src.config)
            if any(not self._sb_shared(str(volume_ref(vol)[0])) for _k, vol, _p in self._sb_guest_volumes(config)):
                raise die(f"can't clone VM to node '{target}' (VM uses local storage)")
        upid = await super()._qm_clone(v, user)
        clone = self.vm(int(v["newid"]))
        if clone is not None:
            self._sb_own_cloudinit(clone)
        return upid

    def _sb_own_cloudinit(self, vm: Any) -> None:
        """fakepve's clone copies the cloud-init drive line; PVE creates the clone's own volume."""
        for key, volume, props in drives_of(vm.config):
            owned = re.search(rf"\bvm-{vm.vmid}-", volume)
            if self._sb_is_cloudinit(volume, props) and not owned:
                sid = str(volume_ref(volume)[0])
                vm.config[key] = join_drive(self._sb_alloc_cloudinit(sid, vm.node, vm.vmid), props)
