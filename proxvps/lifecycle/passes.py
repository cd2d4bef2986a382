"""What one worker pass shares across the services it runs.

A pass opens one Proxmox client per server and reads each cluster's resources once, however many services it
advances there: placement, VMID checks and "already done" checks read that snapshot, so the cost of a pass grows
with the number of clusters, not with the number of VMs. Steps that change a VM mark the snapshot stale.
"""

from __future__ import annotations

from types import TracebackType

from proxvps.inventory.connect import client_for
from proxvps.inventory.models import Server
from proxvps.proxmox import NodeResource, ProxmoxClient, Resource, StorageResource, VmResource


class ClusterSnapshot:
    """One read of `/cluster/resources`, indexed for the questions steps ask."""

    def __init__(self, resources: list[Resource]) -> None:
        self.vms = {r.vmid: r for r in resources if isinstance(r, VmResource)}
        self.nodes = {r.node: r for r in resources if isinstance(r, NodeResource)}
        self.storages = [r for r in resources if isinstance(r, StorageResource)]
        self._promised: dict[str, int] = {}

    def free_memory(self, node: str) -> int:
        """Bytes of memory the node has free, less what this pass already promised to VMs placed there."""
        item = self.nodes[node]
        return (item.maxmem or 0) - (item.mem or 0) - self._promised.get(node, 0)

    def promise_memory(self, node: str, amount: int) -> None:
        self._promised[node] = self._promised.get(node, 0) + amount

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

    def client(self, server: Server) -> ProxmoxClient:
        if server.pk not in self._clients:
            self._clients[server.pk] = client_for(server)
        return self._clients[server.pk]

    def snapshot(self, server: Server) -> ClusterSnapshot:
        """The server's resources, read once per pass (and again after `stale`)."""
        if server.pk not in self._snapshots:
            self._snapshots[server.pk] = ClusterSnapshot(self.client(server).cluster_resources())
        return self._snapshots[server.pk]

    def stale(self, server: Server) -> None:
        """Forget the server's snapshot: the next question reads the cluster again."""
        self._snapshots.pop(server.pk, None)

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
