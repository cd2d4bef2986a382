"""What one worker pass shares across the services it runs.

A pass opens one Proxmox client per server and reads each cluster's resources at most once every few seconds,
however many services it advances there: placement, VMID checks and "already done" checks read that snapshot, so
the cost of a pass grows with the number of clusters, not with the number of VMs. The snapshot is read again when
it is older than SNAPSHOT_MAX_AGE, and it is only ever a hint: what other workers placed is counted from the
database (see placement), a VMID is reserved under a unique constraint, and a step that must know its own VM's
present state (adopting a VM, starting one) asks Proxmox.
"""

from __future__ import annotations

import time
from types import TracebackType

from proxvps.inventory.connect import client_for
from proxvps.inventory.models import Server
from proxvps.proxmox import NodeResource, ProxmoxClient, Resource, StorageResource, VmConfig, VmResource

SNAPSHOT_MAX_AGE = 15.0


class ClusterSnapshot:
    """One read of `/cluster/resources`, indexed for the questions steps ask."""

    def __init__(self, resources: list[Resource]) -> None:
        self.read_at = time.monotonic()
        self.vms = {r.vmid: r for r in resources if isinstance(r, VmResource)}
        self.nodes = {r.node: r for r in resources if isinstance(r, NodeResource)}
        self.storages = [r for r in resources if isinstance(r, StorageResource)]

    def free_memory(self, node: str) -> int:
        """Bytes of memory the node has free, as Proxmox last said."""
        item = self.nodes[node]
        return (item.maxmem or 0) - (item.mem or 0)

    def free_disk(self, node: str, storage: str) -> int:
        """Bytes free on the storage as the node sees it, as Proxmox last said."""
        item = self.storage_on(node, storage)
        if item is None:
            return 0
        return (item.maxdisk or 0) - (item.disk or 0)

    def storage_on(self, node: str, storage: str) -> StorageResource | None:
        for item in self.storages:
            if item.node == node and item.storage == storage:
                return item
        return None


class PassContext:
    """Clients and cluster snapshots for one pass; a context manager that closes the clients."""

    def __init__(self) -> None:
        self._clients: dict[int, ProxmoxClient] = {}
        self._snapshots: dict[int, ClusterSnapshot] = {}
        self.configs: dict[int, VmConfig] = {}
        """Per service, the VM config as this pass knows it: a service is claimed by one worker, so between its own
        writes nobody but staff changes it; polls within the pass need not read it again."""

    def client(self, server: Server) -> ProxmoxClient:
        if server.pk not in self._clients:
            self._clients[server.pk] = client_for(server)
        return self._clients[server.pk]

    def snapshot(self, server: Server) -> ClusterSnapshot:
        """The server's resources, read at most once every SNAPSHOT_MAX_AGE seconds."""
        cached = self._snapshots.get(server.pk)
        if cached is None or time.monotonic() - cached.read_at > SNAPSHOT_MAX_AGE:
            self._snapshots[server.pk] = ClusterSnapshot(self.client(server).cluster_resources())
        return self._snapshots[server.pk]

    def close(self) -> None:
        for client in self._clients.values():
            client.close()
        self._clients.clear()
        self._snapshots.clear()

    def __enter__(self) -> PassContext:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()
