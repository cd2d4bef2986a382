"""What the staff console shows of each cluster live: its nodes' CPU, memory and storage use and the guests on each,
from one read of /cluster/resources per server, cached CLUSTER_SECONDS (SPEC S18).

However many staff keep the dashboard open, a cluster is asked once per interval; an unreachable cluster is one
sentence in its panel (cached too, so a dead cluster is not asked at every refresh), never an error page.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.cache import cache
from django.utils.translation import gettext as _

from proxvps.encryption import DecryptionError
from proxvps.inventory.connect import client_for
from proxvps.inventory.models import Server
from proxvps.lifecycle.live import cached
from proxvps.proxmox import NodeResource, ProxmoxError, StorageResource, VmResource

CLUSTER_SECONDS = 15


@dataclass(frozen=True)
class NodeUse:
    """One node as the cluster read showed it, with the guests placed on it."""

    name: str
    online: bool
    cpu: float
    """Share of the node's CPUs in use, 0 to 1."""
    cpus: int
    mem: int
    maxmem: int
    disk: int
    maxdisk: int
    vms: int
    running: int

    @staticmethod
    def percent(used: int | float, total: int | float) -> float:
        return round(100 * used / total, 1) if total else 0.0

    @property
    def cpu_percent(self) -> float:
        return round(100 * self.cpu, 1)

    @property
    def mem_percent(self) -> float:
        return self.percent(self.mem, self.maxmem)

    @property
    def disk_percent(self) -> float:
        return self.percent(self.disk, self.maxdisk)


@dataclass(frozen=True)
class StorageUse:
    name: str
    node: str
    shared: bool
    used: int
    total: int

    @property
    def percent(self) -> float:
        return NodeUse.percent(self.used, self.total)


@dataclass(frozen=True)
class ClusterUse:
    """A server's nodes and storages, or why they cannot be shown."""

    server_id: int
    nodes: list[NodeUse] = field(default_factory=list)
    storages: list[StorageUse] = field(default_factory=list)
    power: dict[int, str] = field(default_factory=dict)
    """Each guest's power state (running, stopped, ...), by VMID: the services list's live column."""
    error: str = ""


def _key(server: Server) -> str:
    return f"proxvps:cluster:{server.pk}"


def _node(item: NodeResource, guests: list[VmResource]) -> NodeUse:
    mine = [g for g in guests if g.node == item.node and not g.template]
    return NodeUse(
        name=item.node,
        online=item.online,
        cpu=item.cpu or 0.0,
        cpus=int(item.maxcpu or 0),
        mem=item.mem or 0,
        maxmem=item.maxmem or 0,
        disk=item.disk or 0,
        maxdisk=item.maxdisk or 0,
        vms=len(mine),
        running=sum(1 for g in mine if g.status == "running"),
    )


def _storages(items: list[StorageResource]) -> list[StorageUse]:
    """Each storage once: a shared one (the same volume seen from every node) under its first node."""
    seen: set[str] = set()
    shown = []
    for item in sorted(items, key=lambda s: (s.storage, s.node)):
        if item.shared and item.storage in seen:
            continue
        seen.add(item.storage)
        shown.append(StorageUse(item.storage, item.node, item.shared, item.disk or 0, item.maxdisk or 0))
    return shown


def cluster_use(server: Server) -> ClusterUse:
    """The server's nodes and storages now, from the cache or one read of /cluster/resources."""

    def read() -> ClusterUse:
        try:
            with client_for(server) as client:
                resources = client.cluster_resources()
        except (ProxmoxError, DecryptionError) as error:
            return ClusterUse(server.pk, error=_("Proxmox did not answer: %(error)s") % {"error": error})
        guests = [r for r in resources if isinstance(r, VmResource)]
        nodes = sorted((r for r in resources if isinstance(r, NodeResource)), key=lambda n: n.node)
        return ClusterUse(
            server.pk,
            nodes=[_node(n, guests) for n in nodes],
            storages=_storages([r for r in resources if isinstance(r, StorageResource)]),
            power={g.vmid: g.status for g in guests if not g.template},
        )

    return cached(_key(server), CLUSTER_SECONDS, read)


def forget_cluster(server: Server) -> None:
    """Drop the cached read: staff asked to see the cluster as it is now (a sync, a refresh)."""
    cache.delete(_key(server))


def peek_cluster(server: Server) -> ClusterUse | None:
    """The cached read of the server, or None: for a page that must not wait on Proxmox."""
    found: ClusterUse | None = cache.get(_key(server))
    return found


def check_connection(server: Server) -> tuple[bool, str]:
    """Reach the cluster as the server's settings say (saved or not): whether it worked, and one sentence with its
    Proxmox version and nodes, or with what went wrong (`proxvps check-server` in the console)."""
    try:
        with client_for(server) as client:
            check = client.check()
    except (ProxmoxError, DecryptionError) as error:
        return False, _("The connection failed: %(error)s") % {"error": error}
    nodes = ", ".join(f"{node.node} ({_('online') if node.online else _('offline')})" for node in check.nodes)
    return True, _("Connected: Proxmox VE %(version)s; nodes %(nodes)s.") % {
        "version": check.version.version,
        "nodes": nodes or _("none"),
    }
