"""The Proxmox client of a registered server."""

from __future__ import annotations

from proxvps.inventory.models import Server
from proxvps.proxmox import ProxmoxClient, ProxmoxSettings


def settings_for(server: Server) -> ProxmoxSettings:
    """The adapter's connection settings from the server row (the secret is decrypted here, and only here)."""
    return ProxmoxSettings(
        url=server.url,
        token_id=server.token_id,
        token_secret=server.token_secret,
        cafile=server.ca_file or None,
        fingerprint=server.fingerprint or None,
        connect_timeout=server.connect_timeout,
        read_timeout=server.read_timeout,
    )


def client_for(server: Server) -> ProxmoxClient:
    """A client for the server; use it as a context manager so its connections are closed."""
    return ProxmoxClient(settings_for(server))
