"""What the server commands share: finding the server by name and turning failures into one sentence."""

from __future__ import annotations

from abc import ABCMeta, abstractmethod
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from proxvps.encryption import DecryptionError
from proxvps.inventory.models import Server
from proxvps.proxmox import ProxmoxError


class ServerCommand(BaseCommand, metaclass=ABCMeta):
    """A command on one registered server: errors print one sentence on stderr and exit 1, never a traceback."""

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help=_("the server's name"))

    def handle(self, *args: Any, **options: Any) -> None:
        server = Server.objects.filter(name=options["name"]).first()
        if server is None:
            self._fail(_("There is no server named %(name)s.") % {"name": options["name"]})
            return
        try:
            self.run(server)
        except (ProxmoxError, DecryptionError) as error:
            self._fail(str(error))

    @abstractmethod
    def run(self, server: Server) -> None:
        """The command's work on the server."""

    def _fail(self, sentence: str) -> None:
        self.stderr.write(sentence)
        raise SystemExit(1)
