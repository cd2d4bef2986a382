"""Where a new VM goes (SPEC S15): among the online nodes whose copy of the plan's storage has room for the VM's
disks, the one with the most free memory.

Proxmox's figures (from the pass's cluster snapshot) do not yet show VMs that are placed but still being built:
their disks grow and their memory is used only later. Several workers place VMs at once, so those VMs are counted
from the database, which every worker shares: a service records its target node before its migration starts, and
until it has grown its disks (or started) its full size counts against that node.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, Sum

from proxvps.domain.sizes import gib
from proxvps.domain.transitions import DEPLOY, REINSTALL
from proxvps.inventory.models import Server, Service
from proxvps.lifecycle.context import resources_of
from proxvps.lifecycle.passes import ClusterSnapshot

MIB = 1024 * 1024


@dataclass(frozen=True)
class Need:
    """What a service's VM takes on its node once built: memory, and disk on the plan's storage (bytes)."""

    memory: int
    disk: int


# Until a new VM has grown its system disk, Proxmox's figures miss its disks; until it has started, its memory. A
# reinstall re-clones the VM on its node, so the same holds for it. Both sets come from the transition tables.
_BEFORE_DISKS = DEPLOY.states_before("resize_system_disk") | REINSTALL.states_before("resize_system_disk")
_BEFORE_START = frozenset(DEPLOY.states) | frozenset(REINSTALL.states)


def need_of(service: Service) -> Need:
    """What the service's VM takes on its node once built: memory, and disk on the plan's storage."""
    resources = resources_of(service)
    disk = gib(resources.system_disk_gb)
    plan = service.plan
    if not plan.additional_disk_storage or plan.additional_disk_storage == plan.storage:
        disk += gib(resources.additional_disk_gb)
    return Need(memory=resources.ram_mb * MIB, disk=disk)


def in_flight(server: Server, storage: str, exclude: int) -> dict[str, Need]:
    """Per node, what placed services still being built will take that Proxmox does not show yet: memory until they
    start, disk until they have grown their disks. One aggregate query, whatever the number of services."""
    placed = Service.objects.filter(server=server, state__in=_BEFORE_START).exclude(placed_on="").exclude(pk=exclude)
    rows = placed.values("placed_on").annotate(
        memory=Sum("placed_memory"),
        disk=Sum("placed_disk", filter=Q(state__in=_BEFORE_DISKS, plan__storage=storage)),
    )
    return {row["placed_on"]: Need(row["memory"] or 0, row["disk"] or 0) for row in rows}


def storage_usable(snapshot: ClusterSnapshot, node: str, storage: str) -> bool:
    item = snapshot.storage_on(node, storage)
    return item is not None and item.status == "available" and "images" in item.content


def choose_node(
    snapshot: ClusterSnapshot, storage: str, need: Need, busy: dict[str, Need], preferred: str = ""
) -> str | None:
    """The target node, or None when no online node has the storage with room for `need` (the VM then stays
    where it was cloned)."""
    idle = Need(0, 0)

    def fits(name: str) -> bool:
        return snapshot.free_disk(name, storage) - busy.get(name, idle).disk >= need.disk

    candidates = [
        name
        for name, node in snapshot.nodes.items()
        if node.status == "online" and storage_usable(snapshot, name, storage) and fits(name)
    ]
    if preferred:
        return preferred if preferred in candidates else None
    if not candidates:
        return None
    return max(candidates, key=lambda name: (snapshot.free_memory(name) - busy.get(name, idle).memory, name))
