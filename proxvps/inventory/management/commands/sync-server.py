"""`proxvps sync-server NAME`: read the cluster's nodes and templates into the database."""

from __future__ import annotations

from django.utils.translation import gettext as _

from proxvps.inventory.management.commands._server_command import ServerCommand
from proxvps.inventory.models import Server
from proxvps.inventory.sync import sync_server


class Command(ServerCommand):
    help = _("Read a Proxmox cluster's nodes and templates into the database.")

    def run(self, server: Server) -> None:
        report = sync_server(server)
        for node in report.nodes:
            state = _("online") if node.online else _("offline")
            self.stdout.write(_("node %(node)s: %(state)s") % {"node": node.name, "state": state})
        for template in report.templates:
            self.stdout.write(
                _("template %(vmid)s %(name)s: system disk %(disk)s (%(format)s)")
                % {
                    "vmid": template.vmid,
                    "name": template.name,
                    "disk": template.system_disk,
                    "format": template.disk_format,
                }
            )
        for vmid, why in report.unusable.items():
            self.stdout.write(_("template %(vmid)s skipped: %(why)s") % {"vmid": vmid, "why": why})
