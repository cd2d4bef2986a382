"""Reading a cluster's nodes and templates into the database.

Placement and the admin pages work from these cached facts, so they need no Proxmox call. One sync makes one
cluster-wide call for nodes and VMs (`/cluster/resources`) plus one config read per template: the cost grows with
the number of templates, never with the number of VMs sold.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction

from proxvps.domain.disks import (
    disk_format,
    find_system_disk,
    is_cloudinit,
    is_drive_key,
)
from proxvps.domain.drives import PropertyString
from proxvps.inventory.connect import client_for
from proxvps.inventory.models import Node, Server, Template
from proxvps.proxmox import NodeResource, ProxmoxClient, VmConfig, VmResource


@dataclass
class SyncReport:
    """What a sync found: the nodes, the usable templates, and the templates it could not use (with why)."""

    nodes: list[Node] = field(default_factory=list)
    templates: list[Template] = field(default_factory=list)
    unusable: dict[int, str] = field(default_factory=dict)


def _template_fields(resource: VmResource, config: VmConfig) -> dict[str, object] | None:
    system = find_system_disk(config)
    if system is None:
        return None
    drives = {key: value for key, value in config.items() if is_drive_key(key)}
    return {
        "node": resource.node,
        "name": resource.name or f"VM {resource.vmid}",
        "system_disk": system.key,
        "system_storage": system.storage_id or "",
        "disk_format": disk_format(system.volume_id),
        "has_cloudinit": any(is_cloudinit(PropertyString.parse(value)) for value in drives.values()),
        "disks": drives,
    }


def _read(client: ProxmoxClient) -> tuple[list[NodeResource], list[tuple[VmResource, VmConfig]]]:
    resources = client.cluster_resources()
    nodes = [r for r in resources if isinstance(r, NodeResource)]
    templates = [
        (r, client.vm_config(r.node, r.vmid))
        for r in resources
        if isinstance(r, VmResource) and r.kind == "qemu" and r.template
    ]
    return nodes, templates


def sync_server(server: Server) -> SyncReport:
    """Refresh the server's nodes and templates from Proxmox; all or nothing.

    Templates that vanished from the cluster are kept, not deleted: plans and services point at them, and a
    deploy from a missing template must stop with a clear error rather than silently lose its OS choice.
    """
    with client_for(server) as client:
        nodes, templates = _read(client)
    report = SyncReport()
    with transaction.atomic():
        for item in nodes:
            node, _created = Node.objects.update_or_create(
                server=server,
                name=item.node,
                defaults={
                    "online": item.status == "online",
                    "max_memory": item.maxmem or 0,
                    "used_memory": item.mem or 0,
                    "max_cpu": int(item.maxcpu or 0),
                },
            )
            report.nodes.append(node)
        server.nodes.exclude(name__in=[n.node for n in nodes]).delete()
        for resource, config in templates:
            fields = _template_fields(resource, config)
            if fields is None:
                report.unusable[resource.vmid] = "no data disk"
                continue
            template, created = Template.objects.update_or_create(server=server, vmid=resource.vmid, defaults=fields)
            if created or not template.os_name:
                template.os_name = template.name
                template.save(update_fields=["os_name"])
            report.templates.append(template)
    return report
