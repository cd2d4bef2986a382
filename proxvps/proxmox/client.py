"""The typed Proxmox VE client: one method per API call we make, each sending only what PVE 9 defines.

Every long operation returns a `TaskRef` and never waits; `task_result` turns it into a `TaskResult` once
the task has stopped (None before). Retried steps check "already done" first (`find_vm` after a clone that
may have happened before a crash), as the bpg terraform provider does, so a retry never makes a second VM.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import Literal, Self

from django.utils.translation import gettext as _

from proxvps.proxmox.connection import ProxmoxSettings
from proxvps.proxmox.errors import ProxmoxResponseError
from proxvps.proxmox.firewall import VmFirewall
from proxvps.proxmox.session import Params, Session, path
from proxvps.proxmox.tasks import TaskLogLine, TaskRef, TaskResult, TaskStatus, result_of
from proxvps.proxmox.types import (
    ConnectionCheck,
    Node,
    NodeStatus,
    Resource,
    RrdPoint,
    Snapshot,
    Storage,
    Version,
    VmConfig,
    VmResource,
    VmStatus,
    VncTicket,
    Volume,
    as_int,
    resource_from_api,
)

ResourceType = Literal["vm", "storage", "node"]
Timeframe = Literal["hour", "day", "week", "month", "year"]
Consolidation = Literal["AVERAGE", "MAX"]
BackupMode = Literal["snapshot", "suspend", "stop"]
Compression = Literal["0", "1", "gzip", "lzo", "zstd"]


def _qemu(node: str, vmid: int, *rest: str | int) -> str:
    return path("nodes", node, "qemu", vmid, *rest)


class ProxmoxClient:
    """The API of one cluster. Use as a context manager, or call `close()`, to release the connections."""

    def __init__(self, settings: ProxmoxSettings) -> None:
        self.settings = settings
        self._session = Session(settings)
        self.firewall = VmFirewall(self._session)

    def __repr__(self) -> str:
        return f"ProxmoxClient({self.settings.host!r}, token_id={self.settings.token_id!r})"

    def close(self) -> None:
        """Close the pooled connections."""
        self._session.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _task(self, method: str, api_path: str, params: Params | None = None) -> TaskRef:
        return TaskRef.from_upid(str(self._session.call(method, api_path, params)))

    # ---------------------------------------------------------------- cluster

    def version(self) -> Version:
        return Version.from_api(self._session.call_object("GET", "/version"))

    def check(self) -> ConnectionCheck:
        """Version and nodes: proves URL, TLS trust and token in one go (`proxvps check-server`)."""
        return ConnectionCheck(self.version(), tuple(self.nodes()))

    def nextid(self, wanted: int | None = None) -> int:
        """The first free VMID; with `wanted`, that id if it is free (else a 400 ProxmoxApiError)."""
        vmid = as_int(self._session.call("GET", "/cluster/nextid", {"vmid": wanted}))
        if vmid is None:
            raise ProxmoxResponseError(_("Proxmox did not return a free VMID."))
        return vmid

    def cluster_resources(self, type: ResourceType | None = None) -> list[Resource]:
        """Guests, nodes and storages of the whole cluster in one call (kinds we do not model left out)."""
        data = self._session.call_list("GET", "/cluster/resources", {"type": type})
        return [found for found in map(resource_from_api, data) if found is not None]

    def find_vm(self, vmid: int) -> VmResource | None:
        """Where a guest is, if it exists: the "already done" check before a retried clone or delete."""
        for resource in self.cluster_resources("vm"):
            if isinstance(resource, VmResource) and resource.vmid == vmid:
                return resource
        return None

    def nodes(self) -> list[Node]:
        return [Node.from_api(item) for item in self._session.call_list("GET", "/nodes")]

    def node_status(self, node: str) -> NodeStatus:
        return NodeStatus.from_api(self._session.call_object("GET", path("nodes", node, "status")))

    # ---------------------------------------------------------------- storage

    def storages(self, node: str, content: str | None = None) -> list[Storage]:
        """The storages enabled on a node; `content` (e.g. `images`, `backup`) keeps those that hold it."""
        data = self._session.call_list("GET", path("nodes", node, "storage"), {"content": content})
        return [Storage.from_api(item) for item in data]

    def storage_content(
        self, node: str, storage: str, content: str | None = None, vmid: int | None = None
    ) -> list[Volume]:
        data = self._session.call_list(
            "GET", path("nodes", node, "storage", storage, "content"), {"content": content, "vmid": vmid}
        )
        return [Volume.from_api(item) for item in data]

    def delete_volume(self, node: str, storage: str, volid: str) -> TaskRef:
        """Remove a volume (a backup archive, an unused disk image) as a task."""
        return self._task("DELETE", path("nodes", node, "storage", storage, "content", volid))

    # ----------------------------------------------------------- create, move

    def clone(
        self,
        node: str,
        vmid: int,
        newid: int,
        name: str,
        full: bool = True,
        target_storage: str | None = None,
        format: str | None = None,
        description: str | None = None,
        pool: str | None = None,
    ) -> TaskRef:
        """Clone a template on its own node; migrate afterwards to place it (SPEC S15)."""
        params: Params = {
            "newid": newid,
            "name": name,
            "full": full,
            "storage": target_storage,
            "format": format,
            "description": description,
            "pool": pool,
        }
        return self._task("POST", _qemu(node, vmid, "clone"), params)

    def migrate(
        self,
        node: str,
        vmid: int,
        target: str,
        targetstorage: str | None = None,
        online: bool = False,
        with_local_disks: bool = False,
    ) -> TaskRef:
        """Move a VM to `target`; `targetstorage` maps its disks (`fast.ssd`, or `src:dst,src2:dst2`)."""
        params: Params = {
            "target": target,
            "targetstorage": targetstorage,
            "online": online or None,
            "with-local-disks": with_local_disks or None,
        }
        return self._task("POST", _qemu(node, vmid, "migrate"), params)

    def restore(self, node: str, vmid: int, archive: str, storage: str | None = None, force: bool = True) -> TaskRef:
        """Restore a vzdump archive into `vmid`; `force` overwrites the existing VM (it must be stopped)."""
        params: Params = {"vmid": vmid, "archive": archive, "storage": storage, "force": force}
        return self._task("POST", path("nodes", node, "qemu"), params)

    def delete_vm(self, node: str, vmid: int, purge: bool = True, destroy_unreferenced_disks: bool = True) -> TaskRef:
        """Destroy a stopped VM; `purge` also removes it from backup jobs, HA and replication."""
        params: Params = {"purge": purge, "destroy-unreferenced-disks": destroy_unreferenced_disks}
        return self._task("DELETE", _qemu(node, vmid), params)

    # ----------------------------------------------------------------- config

    def vm_config(self, node: str, vmid: int) -> VmConfig:
        return VmConfig.from_api(self._session.call_object("GET", _qemu(node, vmid, "config")))

    def vm_next_config(self, node: str, vmid: int) -> VmConfig:
        """The config the VM will run with after its next start: changes PVE could not apply to the running VM
        (a drive added to it) included. It has no digest."""
        return VmConfig.from_pending(self._session.call_list("GET", _qemu(node, vmid, "pending")))

    @staticmethod
    def _config_params(
        changes: Mapping[str, str | int], delete: Sequence[str], digest: str | None, force: bool
    ) -> Params:
        both = set(changes) & set(delete)
        if both:
            raise ValueError(f"keys both set and deleted: {sorted(both)}")
        return {
            **changes,
            "delete": ",".join(delete) or None,
            "digest": digest,
            "force": force or None,
        }

    def update_config(
        self,
        node: str,
        vmid: int,
        changes: Mapping[str, str | int],
        delete: Sequence[str] = (),
        digest: str | None = None,
        force: bool = False,
    ) -> None:
        """PUT: change the config now (keys that need no disk allocation); `force` removes deleted disks."""
        self._session.call("PUT", _qemu(node, vmid, "config"), self._config_params(changes, delete, digest, force))

    def update_config_async(
        self,
        node: str,
        vmid: int,
        changes: Mapping[str, str | int],
        delete: Sequence[str] = (),
        digest: str | None = None,
        force: bool = False,
    ) -> TaskRef:
        """POST: the same change as a task, for changes that allocate disks (`scsi1: local-lvm:10`)."""
        return self._task("POST", _qemu(node, vmid, "config"), self._config_params(changes, delete, digest, force))

    def regenerate_cloudinit(self, node: str, vmid: int) -> None:
        """Rebuild the VM's cloud-init drive from its config now (PVE does it at the next start too), so the
        image on the storage holds what the config says, a new password included."""
        self._session.call("PUT", _qemu(node, vmid, "cloudinit"))

    def resize(self, node: str, vmid: int, disk: str, size: str) -> TaskRef:
        """Grow a disk to `size` (`20G`) or by it (`+5G`); PVE refuses to shrink. A task in PVE 9."""
        return self._task("PUT", _qemu(node, vmid, "resize"), {"disk": disk, "size": size})

    # ------------------------------------------------------------------ power

    def vm_status(self, node: str, vmid: int) -> VmStatus:
        return VmStatus.from_api(self._session.call_object("GET", _qemu(node, vmid, "status", "current")))

    def start(self, node: str, vmid: int, timeout: int | None = None) -> TaskRef:
        return self._task("POST", _qemu(node, vmid, "status", "start"), {"timeout": timeout})

    def stop(self, node: str, vmid: int, timeout: int | None = None, overrule_shutdown: bool = False) -> TaskRef:
        """Pull the plug (no guest shutdown); `overrule_shutdown` first aborts a shutdown task still running, whose
        hold on the VM would otherwise make the stop wait for it."""
        params: Params = {"timeout": timeout, "overrule-shutdown": overrule_shutdown or None}
        return self._task("POST", _qemu(node, vmid, "status", "stop"), params)

    def shutdown(self, node: str, vmid: int, timeout: int | None = None, force_stop: bool = False) -> TaskRef:
        """ACPI shutdown; with `force_stop`, stop the VM when it is still running after `timeout` seconds."""
        params: Params = {"timeout": timeout, "forceStop": force_stop or None}
        return self._task("POST", _qemu(node, vmid, "status", "shutdown"), params)

    def reboot(self, node: str, vmid: int, timeout: int | None = None) -> TaskRef:
        return self._task("POST", _qemu(node, vmid, "status", "reboot"), {"timeout": timeout})

    def reset(self, node: str, vmid: int) -> TaskRef:
        return self._task("POST", _qemu(node, vmid, "status", "reset"))

    def suspend(self, node: str, vmid: int) -> TaskRef:
        """Pause the VM in memory."""
        return self._task("POST", _qemu(node, vmid, "status", "suspend"))

    def resume(self, node: str, vmid: int) -> TaskRef:
        return self._task("POST", _qemu(node, vmid, "status", "resume"))

    # -------------------------------------------------------------- snapshots

    def snapshots(self, node: str, vmid: int) -> list[Snapshot]:
        """The VM's snapshots, without PVE's `current` pseudo entry (it is not a snapshot to count)."""
        data = self._session.call_list("GET", _qemu(node, vmid, "snapshot"))
        return [Snapshot.from_api(item) for item in data if item.get("name") != "current"]

    def create_snapshot(
        self, node: str, vmid: int, name: str, description: str | None = None, vmstate: bool = False
    ) -> TaskRef:
        params: Params = {"snapname": name, "description": description, "vmstate": vmstate or None}
        return self._task("POST", _qemu(node, vmid, "snapshot"), params)

    def delete_snapshot(self, node: str, vmid: int, name: str, force: bool = False) -> TaskRef:
        return self._task("DELETE", _qemu(node, vmid, "snapshot", name), {"force": force or None})

    def rollback_snapshot(self, node: str, vmid: int, name: str, start: bool = False) -> TaskRef:
        return self._task("POST", _qemu(node, vmid, "snapshot", name, "rollback"), {"start": start or None})

    # ---------------------------------------------------------------- backups

    def vzdump(
        self,
        node: str,
        vmid: int,
        storage: str,
        mode: BackupMode = "snapshot",
        compress: Compression = "zstd",
        notes: str | None = None,
        remove: bool = False,
    ) -> TaskRef:
        """Back a VM up to `storage`; `notes` is the archive's notes template; `remove` prunes old backups."""
        params: Params = {
            "vmid": vmid,
            "storage": storage,
            "mode": mode,
            "compress": compress,
            "notes-template": notes,
            "remove": remove,
        }
        return self._task("POST", path("nodes", node, "vzdump"), params)

    # ---------------------------------------------------------- console, stats

    def vncproxy(self, node: str, vmid: int, websocket: bool = True, generate_password: bool = False) -> VncTicket:
        """A one-time ticket for the node's VNC websocket (our console proxy connects with it)."""
        params: Params = {"websocket": websocket, "generate-password": generate_password or None}
        return VncTicket.from_api(self._session.call_object("POST", _qemu(node, vmid, "vncproxy"), params))

    def rrddata(
        self, node: str, vmid: int, timeframe: Timeframe = "hour", cf: Consolidation = "AVERAGE"
    ) -> list[RrdPoint]:
        data = self._session.call_list("GET", _qemu(node, vmid, "rrddata"), {"timeframe": timeframe, "cf": cf})
        return [RrdPoint.from_api(item) for item in data]

    # ------------------------------------------------------------------ tasks

    def task_status(self, ref: TaskRef) -> TaskStatus:
        data = self._session.call_object("GET", path("nodes", ref.node, "tasks", ref.upid, "status"))
        return TaskStatus.from_api(ref, data)

    def task_result(self, ref: TaskRef) -> TaskResult | None:
        """How the task ended, or None while it runs: the caller comes back later, it never sleeps."""
        return result_of(self.task_status(ref))

    def stop_task(self, ref: TaskRef) -> None:
        """Ask the node to stop a running task (PVE kills its worker; the task ends with `received interrupt`)."""
        self._session.call("DELETE", path("nodes", ref.node, "tasks", ref.upid))

    def task_log(self, ref: TaskRef, start: int = 0, limit: int = 500) -> list[TaskLogLine]:
        data = self._session.call_list(
            "GET", path("nodes", ref.node, "tasks", ref.upid, "log"), {"start": start, "limit": limit}
        )
        return [TaskLogLine(as_int(item.get("n")) or 0, str(item.get("t") or "")) for item in data]
