"""`proxvps check-server NAME`: a connection test that reads, and changes nothing."""

from __future__ import annotations

from django.utils.translation import gettext as _

from proxvps.inventory.connect import client_for
from proxvps.inventory.management.commands._server_command import ServerCommand
from proxvps.inventory.models import Server


class Command(ServerCommand):
    help = _("Test the connection to a Proxmox cluster: its version and its nodes.")

    def run(self, server: Server) -> None:
        with client_for(server) as client:
            check = client.check()
        self.stdout.write(
            _("Connected to %(name)s at %(url)s: Proxmox VE %(version)s.")
            % {"name": server.name, "url": server.url, "version": check.version.version}
        )
        for node in check.nodes:
            state = _("online") if node.online else _("offline")
            self.stdout.write(_("node %(node)s: %(state)s") % {"node": node.node, "state": state})
