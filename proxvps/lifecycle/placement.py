"""Where a new VM goes (SPEC S15): among the online nodes whose copy of the plan's storage has room for the VM's
disks, the one with the most free memory. Figures come from the pass's cluster snapshot; what VMs placed earlier in
the same pass take is counted, so a burst of orders spreads over the nodes instead of piling onto the one that
looked emptiest.
"""

from __future__ import annotations

from proxvps.lifecycle.passes import ClusterSnapshot


def storage_usable(snapshot: ClusterSnapshot, node: str, storage: str) -> bool:
    item = snapshot.storage_on(node, storage)
    return item is not None and item.status == "available" and "images" in item.content


def choose_node(snapshot: ClusterSnapshot, storage: str, disk: int, preferred: str = "") -> str | None:
    """The target node, or None when no online node has the storage with `disk` bytes free (the VM then stays
    where it was cloned)."""
    candidates = [
        name
        for name, node in snapshot.nodes.items()
        if node.status == "online"
        and storage_usable(snapshot, name, storage)
        and snapshot.free_disk(name, storage) >= disk
    ]
    if preferred:
        return preferred if preferred in candidates else None
    if not candidates:
        return None
    return max(candidates, key=lambda name: (snapshot.free_memory(name), name))
