"""The VM's firewall objects on Proxmox (SPEC S13).

Placeholder of the firewall engineer's module, replaced at merge: it keeps only the signature terminate calls and
removes the one object the deploy creates, the anti-spoofing IPSet.
"""

from __future__ import annotations

from proxvps.lifecycle.networking import IPSET
from proxvps.proxmox import ProxmoxApiError, ProxmoxClient


def remove_firewall_objects(client: ProxmoxClient, node: str, vmid: int) -> list[str]:
    """Delete the VM's IPSet and its entries; one already gone is fine. The messages of real errors."""
    try:
        client.firewall.delete_ipset(node, vmid, IPSET, force=True)
    except ProxmoxApiError as error:
        if not error.missing:
            return [str(error)]
    return []
