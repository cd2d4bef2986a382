"""What a VM's disks hold, reduced to one text per volume that tests write and read: so a test proves that a snapshot
rollback or a backup restore brings back the data, not merely that the operation ended.

`write_disk(vmid, key, text)` and `read_disk(vmid, key)` are Python calls on the sandbox, not part of the PVE API
(PVE cannot read a guest's disk either). A snapshot keeps the text of every disk of the VM and a rollback puts it
back; a vzdump archive keeps it and a restore writes it to the new volumes; a migration carries it along.
"""

from __future__ import annotations

from typing import Any

from fakepve.qemu import drives_of, volume_ref

from proxvps.sandbox.volumes import NodeVolumes

__all__ = ["DiskContents"]


class DiskContents(NodeVolumes):
    """Mixin of SandboxPve: a text per volume, kept by snapshots and archives."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # (vmid, snapshot name) -> {volume id: text} at the time the snapshot was taken.
        self._sb_snapshot_contents: dict[tuple[int, str], dict[str, str]] = {}

    def _sb_volume_entry(self, vmid: int, key: str) -> dict[str, Any]:
        vm = self.vm(int(vmid))
        if vm is None:
            raise LookupError(f"the sandbox has no VM {vmid}")
        volume = vm.config.get(key)
        sid, volname = volume_ref(str(volume).split(",", 1)[0]) if volume else (None, None)
        entry = self._volumes(sid).get(volname) if sid else None
        if entry is None:
            raise LookupError(f"VM {vmid} has no disk volume at {key}")
        found: dict[str, Any] = entry
        return found

    def write_disk(self, vmid: int, key: str, text: str) -> None:
        """The guest writes text to the disk at config key (`scsi0`); it replaces what the disk held."""
        self._sb_volume_entry(vmid, key)["data"] = text

    def read_disk(self, vmid: int, key: str) -> str | None:
        """What the disk at config key holds (None: never written)."""
        data = self._sb_volume_entry(vmid, key).get("data")
        return None if data is None else str(data)

    def _sb_disk_texts(self, config: dict[str, Any]) -> dict[str, str]:
        texts = {}
        for _key, volume, _props in drives_of(config):
            sid, volname = volume_ref(volume)
            entry = self._volumes(sid).get(volname) if sid else None
            if entry is not None and entry.get("data") is not None:
                texts[f"{sid}:{volname}"] = str(entry["data"])
        return texts

    def _sb_task_succeeded(self, ttype: str, tid: object) -> None:
        """A snapshot keeps the disks' texts; a rollback puts them back (both name the snapshot in `parent`)."""
        super()._sb_task_succeeded(ttype, tid)
        if ttype not in ("qmsnapshot", "qmrollback"):
            return
        vm = self.vm(int(str(tid)))
        name = vm.config.get("parent") if vm is not None else None
        if vm is None or not name:
            return
        if ttype == "qmsnapshot":
            self._sb_snapshot_contents[(vm.vmid, str(name))] = self._sb_disk_texts(vm.config)
            return
        kept = self._sb_snapshot_contents.get((vm.vmid, str(name)), {})
        for _key, volume, _props in drives_of(vm.config):
            sid, volname = volume_ref(volume)
            entry = self._volumes(sid).get(volname) if sid else None
            if entry is not None:
                if volume in kept:
                    entry["data"] = kept[volume]
                else:
                    entry.pop("data", None)
