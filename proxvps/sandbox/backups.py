"""Backups: vzdump archives of VMs on a backup storage, and restoring a VM from one.

Follows pve-manager's PVE/API2/VZDump.pm and PVE/VZDump.pm (parameters, the `backup` lock, the
archive's name, the task log, `job errors`) and qemu-server's create_vm with `archive` (qmrestore:
`force` replaces an existing, stopped VM's config and disks). An archive remembers the config and the
disk sizes it saved, so a restore brings those back.
"""

from __future__ import annotations

import re
import shlex
import time
from typing import Any

from fakepve.model import FakeVm, PveError, TaskError
from fakepve.qemu import CREATE_ONLY, DRIVE_KEY, drives_of, is_cdrom, join_drive, volume_ref, with_mac
from fakepve.routing import die, param_error, split_list

from proxvps.sandbox.base import UNUSED_KEY
from proxvps.sandbox.volumes import NodeVolumes

__all__ = ["Backups", "check_notes_template", "render_notes"]

# `compress` -> the archive's extension after .vma (VZDump.pm get_compressor_info).
COMPRESSION = {"0": "", "1": ".lzo", "lzo": ".lzo", "gzip": ".gz", "zstd": ".zst"}
NOTES_VARIABLES = ("cluster", "guestname", "node", "vmid")
# Share of the disks' size a compressed archive takes: a plausible, stable figure.
ARCHIVE_RATIO = 0.12
ARCHIVE_MIN = 1024**2
# Config keys vzdump does not keep: the lock, snapshot links and detached disks.
NOT_ARCHIVED = ("lock", "parent")


def check_notes_template(template: str) -> None:
    """VZDump.pm $verify_notes_template; ValueError with PVE's message."""
    if "\n" in template:
        raise ValueError("contains a line feed")
    problems = [
        f"escape sequence '\\{m.group(1)}' at char {m.start()}"
        for m in re.finditer(r"\\(.)", template)
        if m.group(1) not in ("n", "\\")
    ]
    problems += [
        f"variable '{m.group(1)}' at char {m.start(1)}"
        for m in re.finditer(r"\{\{([^\s{}]+)\}\}", template)
        if m.group(1) not in NOTES_VARIABLES
    ]
    if problems:
        raise ValueError("found unknown: " + ", ".join(problems))


def render_notes(template: str, values: dict[str, str]) -> str:
    """VZDump.pm $generate_notes: the escapes \\n and \\\\, then the {{variables}}."""
    text = re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n" else "\\", template)
    return re.sub(r"\{\{([^\s{}]+)\}\}", lambda m: values.get(m.group(1), m.group(0)), text)


def _clock(secs: float) -> str:
    secs = int(secs)
    return f"{secs // 3600:02d}:{secs // 60 % 60:02d}:{secs % 60:02d}"


class Backups(NodeVolumes):
    """Mixin: POST /nodes/{node}/vzdump and restore through POST /nodes/{node}/qemu with `archive`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # PVE seconds a backup of one VM and a restore take, scaled by time_scale.
        self.backup_secs: float = 30
        self.restore_secs: float = 30

    def _routes_sandbox_backups(self) -> list[tuple[str, str, Any]]:
        return [("POST", "/nodes/{node}/vzdump", self._sb_vzdump)]

    # -------------------------------------------------------------------- vzdump

    async def _sb_vzdump(self, v: dict[str, Any], user: str) -> Any:
        node = v["node"]
        if v.get("stdout"):
            raise param_error(stdout="option is only allowed on the command line interface.")
        for option in ("all", "exclude", "pool"):
            if v.get(option) and v.get("vmid"):
                raise param_error(**{option: "option conflicts with option 'vmid'"})
        if v.get("notes-template"):
            try:
                check_notes_template(str(v["notes-template"]))
            except ValueError as e:
                raise param_error(**{"notes-template": str(e)}) from None
        if not (v.get("vmid") or v.get("all") or v.get("exclude") or v.get("pool")):
            raise param_error(vmid="property is missing")
        local = self._sb_backup_selection(v, node)
        if not local and not (v.get("all") or v.get("exclude")):
            return "OK"  # PVE: the VMs run on other nodes, whose own vzdump backs them up
        storage = None if v.get("dumpdir") else str(v.get("storage") or "local")
        if storage:
            self.require(user, "/storage/" + storage, "Datastore.AllocateSpace")
        for vmid in local:
            self.require(user, f"/vms/{vmid}", "VM.Backup")
        tid = local[0] if len(local) == 1 else ""
        options = " ".join(f"--{key} {shlex.quote(str(v[key]))}" for key in sorted(v) if key not in ("vmid", "node"))
        command = " ".join(["vzdump", *(str(vmid) for vmid in local), options, f"--node {node}"])

        async def body() -> str:
            lines = self._sb_task_log(node, "vzdump", tid)
            if storage is None:
                raise TaskError(f"dumpdir '{v['dumpdir']}' does not exist")
            self._sb_backup_storage(storage, node)
            failed = 0
            for vmid in local:
                try:
                    await self._sb_backup_vm(vmid, node, storage, v, lines)
                except TaskError as e:
                    failed += 1
                    lines.append(f"ERROR: Backup of VM {vmid} failed - {e}")
            if failed:
                raise TaskError("job errors")
            return "INFO: Backup job finished successfully"

        return await self.task(
            node, "vzdump", tid, user, body, lock=False, log=[f"INFO: starting new backup job: {command}"]
        )

    def _sb_backup_selection(self, v: dict[str, Any], node: str) -> list[int]:
        """The VMIDs this node backs up: its own among those asked for, and ids no VM has (they fail)."""
        if v.get("vmid"):
            wanted = [int(vmid) for vmid in split_list(v["vmid"])]
            return [vmid for vmid in wanted if self._sb_guest_node(vmid) in (node, None)]
        excluded = {int(vmid) for vmid in split_list(v.get("exclude"))}
        members = self.pools.get(v["pool"], set()) if v.get("pool") else None
        return sorted(
            vm.vmid
            for vm in self.vms
            if vm.node == node and vm.vmid not in excluded and (members is None or vm.vmid in members)
        )

    def _sb_backup_storage(self, sid: str, node: str) -> None:
        """VZDump->new: the storage can be activated and holds backups; TaskError with PVE's message."""
        problems = []
        try:
            store = self._active_store(sid, node)
        except PveError as e:
            problems.append(f"could not activate storage '{sid}': {e.message}")
            store = self.storages.get(sid)
        if store is None:
            problems.append(f"could not get storage information for '{sid}': storage '{sid}' does not exist")
        elif "backup" not in split_list(store.get("content")):
            problems.append(
                f"could not get storage information for '{sid}': "
                f"can't use storage '{sid}' for backups - wrong content type"
            )
        if problems:
            raise TaskError(" ".join(problems))

    async def _sb_backup_vm(self, vmid: int, node: str, sid: str, v: dict[str, Any], lines: list[str]) -> None:
        vm = self.vm(vmid)
        if vm is None or vm.node != node:
            raise TaskError(f"unable to find VM {vmid}")
        started = time.time()
        lines.append(f"INFO: Starting Backup of VM {vmid} (qemu)")
        lines.append("INFO: Backup started at " + time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(started)))
        lines.append(f"INFO: status = {vm.status}")
        if vm.lock:
            raise TaskError(f"VM is locked ({vm.lock})")
        self._qm_lock(vm, "backup")
        try:
            mode = str(v.get("mode") or "snapshot") if vm.status == "running" else "stop"
            lines += [f"INFO: backup mode: {mode}", "INFO: ionice priority: 7", f"INFO: VM Name: {vm.name}"]
            volname = self._sb_archive_name(sid, vmid, started, str(v.get("compress") or "0"))
            lines.append(f"INFO: creating vzdump archive '{self._volume_path(sid, volname, 'backup')}'")
            await self.pause(self.backup_secs)
            self._sb_store_archive(vm, sid, volname, node, started, v)
        finally:
            self._qm_lock(vm, None)
        took = (time.time() - started) / self.time_scale if self.time_scale else 0
        lines.append(f"INFO: Finished Backup of VM {vmid} ({_clock(took)})")
        lines.append("INFO: Backup finished at " + time.strftime("%Y-%m-%d %H:%M:%S"))

    def _sb_archive_name(self, sid: str, vmid: int, started: float, compress: str) -> str:
        """backup/vzdump-qemu-<vmid>-YYYY_MM_DD-HH_MM_SS.vma[.ext], a second later if that one is taken."""
        stamp = int(started)
        taken = self._volumes(sid)
        while True:
            when = time.strftime("%Y_%m_%d-%H_%M_%S", time.localtime(stamp))
            volname = f"backup/vzdump-qemu-{vmid}-{when}.vma{COMPRESSION.get(compress, '')}"
            if volname not in taken:
                return volname
            stamp += 1

    def _sb_store_archive(self, vm: Any, sid: str, volname: str, node: str, started: float, v: dict[str, Any]) -> None:
        """Put the archive in the storage's content, with what a restore needs: the config and disk sizes."""
        config = {
            key: value for key, value in vm.config.items() if key not in NOT_ARCHIVED and not UNUSED_KEY.match(key)
        }
        disks: dict[str, dict[str, Any]] = {}
        for key, volume, props in drives_of(config):
            sid_of, name = volume_ref(volume)
            if sid_of is None or is_cdrom(volume, props):
                continue
            vol = self._volumes(sid_of).get(name) or {}
            disks[key] = {"size": int(vol.get("size") or 0), "format": vol.get("format") or "raw"}
            if vol.get("data") is not None:
                disks[key]["data"] = vol["data"]  # what the disk held (contents.py)
        size = max(int(sum(d["size"] for d in disks.values()) * ARCHIVE_RATIO), ARCHIVE_MIN)
        archive: dict[str, Any] = {
            "content": "backup",
            "format": volname.split(".", 1)[1],
            "size": size,
            "ctime": int(started),
            "vmid": vm.vmid,
            "subtype": "qemu",
            "config": config,
            "disks": disks,
        }
        if v.get("notes-template"):
            archive["notes"] = render_notes(
                str(v["notes-template"]),
                {"cluster": self.cluster_name, "guestname": vm.name, "node": node, "vmid": str(vm.vmid)},
            )
        if v.get("protected"):
            archive["protected"] = True
        self.storages[sid].setdefault("volumes", {})[volname] = archive
        self._sb_place(f"{sid}:{volname}", node)

    # ------------------------------------------------------------------- restore

    async def _qm_create(self, v: dict[str, Any], user: str) -> Any:
        if not v.get("archive"):
            return await super()._qm_create(v, user)
        return await self._sb_restore(v, user)

    def _sb_archive(self, user: str, node: str, vmid: int, archive: str) -> dict[str, Any]:
        """The backup volume a restore names, checked as PVE checks it before forking."""
        if archive == "-":
            raise die("pipe requires cli environment")
        sid, volname = volume_ref(archive)
        if sid is None:
            if user != "root@pam":
                raise PveError(403, "Only root can pass arbitrary filesystem paths.")
            raise die(f"can't find file '{archive}'")
        store = self._store(sid)
        vtype, owner, _fmt = self._parse_volname(store, volname)
        if vtype != "backup":
            raise die(f"unable to use volume {archive} - content type needs to be 'backup'")
        self._check_access(user, sid, vtype, owner, archive)
        vol = store.get("volumes", {}).get(volname)
        if vol is None or not self._sb_on_node(sid, volname, node):
            raise die(f"can't find file '{archive}'")
        found: dict[str, Any] = vol
        return found

    async def _sb_restore(self, v: dict[str, Any], user: str) -> Any:
        node, vmid = v["node"], int(v["vmid"])
        self.need_quorum()
        pool, storage = v.get("pool"), v.get("storage")
        self._qm_check_pool(pool)
        if storage:
            self.require(user, "/storage/" + storage, "Datastore.AllocateSpace")
        existing = self.guest(vmid)
        if not (
            self.allowed(user, f"/vms/{vmid}", "VM.Allocate")
            or (pool and self.allowed(user, "/pool/" + pool, "VM.Allocate"))
            or (v.get("force") and existing is not None and self.allowed(user, f"/vms/{vmid}", "VM.Backup"))
        ):
            raise PveError(403, "Permission check failed")
        for key in sorted(v):
            if DRIVE_KEY.match(key):
                raise param_error(**{key: "option conflicts with option 'archive'"})
        archive = self._sb_archive(user, node, vmid, str(v["archive"]))
        emsg = f"unable to restore VM {vmid} -"
        if existing is not None:
            if not v.get("force") or existing.node != node or self.vm(vmid) is None:
                kind = "VM" if self.vm(vmid) is not None else "CT"
                raise die(f"{emsg} {kind} {vmid} already exists on node '{existing.node}'")
            if existing.lock:
                raise die(f"{emsg} VM is locked ({existing.lock})")
            vm = existing
        else:
            vm = FakeVm(vmid, f"VM {vmid}", node=node)
            self.vms.append(vm)
        self._qm_lock(vm, "create")
        overrides = {key: value for key, value in v.items() if key not in CREATE_ONLY}

        async def body() -> None:
            try:
                self._qm_check_protection(vm, emsg)
                if vm.status == "running":
                    raise TaskError(f"{emsg} vm is running")
                if v.get("live-restore"):
                    raise TaskError("live-restore is only compatible with backup images from a Proxmox Backup Server")
                await self.pause(self.restore_secs)
                self._sb_restore_into(vm, archive, storage, overrides, bool(v.get("unique")))
            except PveError as e:
                raise TaskError(e.message) from e
            finally:
                self._qm_lock(vm, None)
            if pool:
                self._pool_join(pool, vmid)
            if v.get("start"):
                vm.status = vm.qmpstatus = "running"
                vm.started_at = time.time()

        return await self.task(node, "qmrestore", vmid, user, body, vm=vm)

    def _sb_restore_into(
        self, vm: Any, archive: dict[str, Any], storage: str | None, overrides: dict[str, Any], unique: bool
    ) -> None:
        """Destroy the VM's old disks, then allocate the archived ones and write the archived config."""
        lines = self._sb_task_log(vm.node, "qmrestore", vm.vmid)
        old = [volume for cfg in [vm.config, *vm.snapshots.values()] for _k, volume, _p in self._sb_guest_volumes(cfg)]
        vm.config, vm.pending, vm.snapshots = {}, {}, {}
        for volume in dict.fromkeys(old):
            self._sb_purge(vm, volume)
        config = dict(archive.get("config") or {})
        for key, volume, props in drives_of(config):
            sid = volume_ref(volume)[0]
            if sid is None or (is_cdrom(volume, props) and not self._sb_is_cloudinit(volume, props)):
                continue
            target = storage or sid
            self._sb_restore_storage(target, vm.node)
            if self._sb_is_cloudinit(volume, props):
                config[key] = join_drive(self._sb_alloc_cloudinit(target, vm.node, vm.vmid), props)
                continue
            disk = archive.get("disks", {}).get(key) or {}
            size = int(disk.get("size") or 0)
            fmt = self._sb_target_format(target, disk.get("format"))
            volid = self._sb_alloc_on(target, vm.node, vm.vmid, fmt, size)[0]
            if disk.get("data") is not None:
                new_sid, new_name = volume_ref(volid)
                self._volumes(new_sid)[new_name]["data"] = disk["data"]
            lines.append(f"new volume ID is '{volid}'")
            config[key] = join_drive(volid, props)
        config.update(overrides)
        if unique:
            for key in [k for k in config if re.fullmatch(r"net\d+", k)]:
                config[key] = with_mac(config[key], fresh=True)
        vm.config = config
        vm.name = config.get("name") or f"VM {vm.vmid}"
        vm.template = bool(config.get("template"))
        lines.append("rescan volumes...")

    def _sb_restore_storage(self, sid: str, node: str) -> None:
        store = self._check_enabled(sid, node)
        if "images" not in split_list(store.get("content")):
            raise die(f"storage '{sid}' does not support vm images")
