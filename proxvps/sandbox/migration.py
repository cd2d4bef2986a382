"""QEMU migration between nodes, with the disks of non-shared storages copied to the target node.

Follows qemu-server's PVE/API2/Qemu.pm (migrate_vm, migrate_vm_precondition), PVE/QemuMigrate.pm
(prepare, scan_local_volumes, sync_offline_local_volumes) and pve-guest-common's AbstractMigrate.pm
(the task's log lines and its `migration aborted` exit status). Volumes on shared storages stay where
they are, as in PVE: `targetstorage` maps only local ones.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fakepve import formats
from fakepve.model import PveError, TaskError
from fakepve.qemu import drives_of, is_cdrom, join_drive, split_drive, volume_ref
from fakepve.routing import die, param_error, split_list

from proxvps.sandbox.base import UNUSED_KEY, log_time
from proxvps.sandbox.volumes import NodeVolumes

__all__ = ["Migration", "StorageMap", "parse_storage_map"]

# Storage types PVE copies volumes between nodes for (QemuMigrate.pm scan_local_volumes).
MIGRATABLE_TYPES = ("dir", "btrfs", "zfspool", "lvmthin", "lvm")
SCAN_FAILED = "Problem found while scanning volumes - "
Say = Callable[[str, str], None]


@dataclass(frozen=True)
class StorageMap:
    """PVE::JSONSchema::parse_idmap of a `targetstorage` value."""

    identity: bool = False
    default: str | None = None
    entries: dict[str, str] = field(default_factory=dict)

    def target(self, sid: str) -> str:
        """map_id: where a volume of storage sid goes."""
        if self.identity:
            return sid
        return self.entries.get(sid) or self.default or sid


def parse_storage_map(text: str) -> StorageMap:
    """`1` (identity), a default storage, and `source:target` pairs; ValueError with PVE's message."""
    identity, default, entries = False, None, {}
    for entry in split_list(text):
        if entry == "1":
            identity = True
            continue
        ids = entry.split(":")
        if len(ids) > 2 or "" in ids:
            raise ValueError(f"entry '{entry}' contains invalid ID - value does not match the regex pattern")
        for sid in ids:
            why = formats.check("pve-storage-id", sid)
            if why:
                raise ValueError(f"entry '{entry}' contains invalid ID - {why}")
        if len(ids) == 2:
            if ids[0] in entries:
                raise ValueError(f"duplicate mapping for source '{ids[0]}'")
            entries[ids[0]] = ids[1]
        elif default is not None:
            raise ValueError("default target ID can only be provided once")
        else:
            default = entry
    if identity and (default or entries):
        raise ValueError("identity mapping cannot be combined with other mappings")
    return StorageMap(identity, default, entries)


def _duration(secs: float) -> str:
    secs = int(secs)
    return f"{secs // 3600:02d}:{secs // 60 % 60:02d}:{secs % 60:02d}"


class Migration(NodeVolumes):
    """Mixin: GET and POST /nodes/{node}/qemu/{vmid}/migrate."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # PVE seconds a migration takes (copying the disks), scaled by time_scale.
        self.migrate_secs: float = 20

    def _routes_sandbox_migration(self) -> list[tuple[str, str, Any]]:
        path = "/nodes/{node}/qemu/{vmid}/migrate"
        return [("GET", path, self._sb_migrate_precondition), ("POST", path, self._sb_migrate)]

    def _sb_node_ip(self, node: str) -> str:
        """The address /cluster/status shows for the node."""
        return f"192.0.2.{10 + sorted(self.nodes).index(node) + 1}"

    # ------------------------------------------------------------------ checks

    def _sb_check_target_storage(self, sid: str, target: str, volid: str) -> None:
        """target_storage_check_available: enabled on the target node, and takes this kind of volume."""
        store = self._check_enabled(sid, target)
        vsid, volname = volume_ref(volid)
        vtype = self._parse_volname(self.storages[vsid], volname)[0]
        if vtype not in split_list(store.get("content")):
            raise die(f"{volid}: content type '{vtype}' is not available on storage '{sid}'")

    def _sb_check_migrate_storage(self, user: str, sid: str, target: str) -> None:
        """$check_storage_access_migrate for a storage `targetstorage` names."""
        store = self._check_enabled(sid, target)
        self.require(user, "/storage/" + sid, "Datastore.AllocateSpace")
        if "images" not in split_list(store.get("content")):
            raise die(f"storage '{sid}' does not support vm images")

    def _sb_check_storage_availability(self, vm: Any, target: str) -> None:
        """PVE::QemuServer::check_storage_availability: every drive's storage is enabled on the target."""
        for _key, volume, _props in drives_of(vm.config):
            sid = volume_ref(volume)[0]
            if sid is not None:
                self._sb_check_target_storage(sid, target, volume)

    # -------------------------------------------------------------- precondition

    async def _sb_migrate_precondition(self, v: dict[str, Any], user: str) -> dict[str, Any]:
        self.need_quorum()
        vm = self.find(v["node"], v["vmid"])
        self._check_lock(vm)
        blocked: dict[str, dict[str, list[str]]] = {}
        for node in sorted(self.nodes):
            if node == vm.node:
                continue
            unavailable = sorted(
                {
                    str(volume_ref(volume)[0])
                    for _key, volume, _props in self._sb_guest_volumes(vm.config)
                    if not self._storage_enabled(volume_ref(volume)[0], node)
                }
            )
            if unavailable:
                blocked[node] = {"unavailable_storages": unavailable}
        local_disks = []
        for key, volume, props in self._sb_guest_volumes(vm.config):
            sid, volname = volume_ref(volume)
            if self._sb_shared(str(sid)):
                continue
            vol = self._volumes(sid).get(volname) or {}
            disk: dict[str, Any] = {"volid": volume, "size": int(vol.get("size") or 0)}
            if UNUSED_KEY.match(key):
                disk["is_unused"] = 1
            else:
                disk.update(is_attached=1, drivename=key)
            if is_cdrom(volume, props):
                disk["cdrom"] = 1
            local_disks.append(disk)
        return {
            "running": 1 if vm.status == "running" else 0,
            "allowed_nodes": [n for n in sorted(self.nodes) if n != vm.node and n not in blocked],
            "not_allowed_nodes": blocked,
            "local_disks": local_disks,
            "local_resources": [],
            "mapped-resources": [],
            "mapped-resource-info": {},
            "has-dbus-vmstate": 1,
        }

    # ------------------------------------------------------------------- migrate

    async def _sb_migrate(self, v: dict[str, Any], user: str) -> Any:
        target = v["target"]
        if target == v["node"]:
            raise param_error(target="target is local node.")
        self.need_quorum()
        if target not in self.nodes:
            raise die(f"no such cluster node '{target}'")
        for option in ("force", "migration_type", "migration_network"):
            if v.get(option) and user != "root@pam":
                raise param_error(**{option: "Only root may use this option."})
        vm = self.find(v["node"], v["vmid"])
        self._check_lock(vm)
        online = vm.status == "running"
        if online and not v.get("online"):
            raise die("can't migrate running VM without --online")
        storagemap = StorageMap()
        if v.get("targetstorage"):
            try:
                storagemap = parse_storage_map(str(v["targetstorage"]))
            except ValueError as e:
                raise param_error(targetstorage=f"failed to parse storage map: {e}") from None
            if not storagemap.identity:
                self.require(user, f"/vms/{vm.vmid}", "VM.Config.Disk")
            for sid in sorted({*storagemap.entries.values(), *([storagemap.default] if storagemap.default else [])}):
                self._sb_check_migrate_storage(user, sid, target)
        if not storagemap.entries and not storagemap.default:
            self._sb_check_storage_availability(vm, target)
        with_local = bool(v.get("with-local-disks"))

        async def body() -> str:
            lines = self._sb_task_log(vm.node, "qmigrate", vm.vmid)

            def say(level: str, message: str) -> None:
                prefix = {"err": "ERROR: ", "warn": "WARN: "}.get(level, "")
                lines.append(f"{log_time()} {prefix}{message}")

            started = time.monotonic()
            self._qm_lock(vm, "migrate")
            try:
                await self._sb_move(vm, target, storagemap, online, with_local, say)
            except TaskError as e:
                say("err", f"migration aborted (duration {self._sb_elapsed(started)}): {e}")
                raise TaskError("migration aborted") from e
            finally:
                self._qm_lock(vm, None)
            return f"{log_time()} migration finished successfully (duration {self._sb_elapsed(started)})"

        return await self.task(vm.node, "qmigrate", vm.vmid, user, body, vm=vm)

    def _sb_elapsed(self, started: float) -> str:
        """The duration in PVE seconds (the fake's real time divided by time_scale)."""
        real = time.monotonic() - started
        return _duration(real / self.time_scale if self.time_scale else 0)

    async def _sb_move(
        self, vm: Any, target: str, storagemap: StorageMap, online: bool, with_local: bool, say: Say
    ) -> None:
        say("info", f"starting migration of VM {vm.vmid} to node '{target}' ({self._sb_node_ip(target)})")
        if not self.nodes[target].get("online", True):
            raise TaskError("Can't connect to destination address using public key")
        plan = self._sb_scan(vm, target, storagemap, online, with_local, say)
        if plan:
            say("info", "starting storage migration" if online else "copying local disk images")
        await self.pause(self.migrate_secs)
        moved = {}
        for volid, sid in sorted(plan.items()):
            moved[volid] = self._sb_relocate(volid, sid, target, vm.vmid)
            say("info", f"volume '{volid}' is '{moved[volid]}' on the target")
        for config in [vm.config, *vm.snapshots.values()]:
            for key, value in list(config.items()):
                volume, props = split_drive(str(value))
                if volume in moved:
                    config[key] = moved[volume] if UNUSED_KEY.match(key) else join_drive(moved[volume], props)
        if online:
            say("info", f"starting online/live migration on unix:/run/qemu-server/{vm.vmid}.migrate")
            say("info", "migration status: completed")
        vm.node = target

    def _sb_scan(
        self, vm: Any, target: str, storagemap: StorageMap, online: bool, with_local: bool, say: Say
    ) -> dict[str, str]:
        """scan_local_volumes: {volume id: target storage} of the volumes to copy."""
        plan: dict[str, str] = {}
        problems: dict[str, str] = {}
        others = []
        entries = [(key, volume, props) for key, volume, props in drives_of(vm.config)]
        entries += [(key, str(vm.config[key]), {}) for key in sorted(vm.config) if UNUSED_KEY.match(key)]
        for key, volume, props in entries:
            if volume == "none" or volume in plan or volume in problems:
                continue
            if volume == "cdrom":
                others.append("can't migrate local cdrom drive")
                continue
            if volume.startswith("/"):
                problems[volume] = "local file/device"
                continue
            try:
                found = self._sb_plan_volume(vm, target, storagemap, volume, props)
            except PveError as e:
                problems[volume] = e.message
                continue
            if found is None:
                continue
            plan[volume], cloudinit = found
            if cloudinit:
                say("info", f"found generated disk '{volume}' (in current VM config)")
            elif UNUSED_KEY.match(key):
                say("info", f"found local disk '{volume}' (unused)")
            else:
                if online and not with_local:
                    problems[volume] = "can't live migrate attached local disks without with-local-disks option"
                say("info", f"found local disk '{volume}' (attached)")
        for volume in sorted(problems):
            say("warn", f"can't migrate local disk '{volume}': {problems[volume]}")
        for message in others:
            say("warn", message)
        if problems or others:
            raise TaskError(SCAN_FAILED + "can't migrate VM - check log")
        for volume in sorted(plan):
            kind = self.storages[volume_ref(volume)[0]].get("type", "dir")
            if kind not in MIGRATABLE_TYPES:
                raise TaskError(f"{SCAN_FAILED}can't migrate '{volume}' - storage type '{kind}' not supported")
        return plan

    def _sb_plan_volume(
        self, vm: Any, target: str, storagemap: StorageMap, volume: str, props: dict[str, str]
    ) -> tuple[str, bool] | None:
        """(target storage, is cloud-init) for a local volume to copy, None for one on shared storage."""
        sid, volname = volume_ref(volume)
        if sid is None:
            return None
        self._check_enabled(sid, vm.node)
        shared = self._sb_shared(sid)
        target_sid = sid if shared else storagemap.target(sid)
        self._sb_check_target_storage(target_sid, target, volume)
        if shared:
            return None
        cloudinit = self._sb_is_cloudinit(volume, props)
        if is_cdrom(volume, props) and not cloudinit:
            raise die("local cdrom image")
        owner = self._sb_volume_owner(volume)
        if not cloudinit and owner != vm.vmid:
            raise die(f"owned by other VM (owner = VM {owner})")
        in_snapshot = any(
            str(value).split(",")[0] == volume for snap in vm.snapshots.values() for value in snap.values()
        )
        fmt = (self._volumes(sid).get(volname) or {}).get("format")
        if in_snapshot and not (self.storages[sid].get("type") == "zfspool" or fmt == "qcow2"):
            raise die("non-migratable snapshot exists")
        return target_sid, cloudinit
