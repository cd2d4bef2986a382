"""SandboxPve: fakepve's FakePve made stateful where proxvps needs it, plus a log of every answer.

fakepve validates each request against the real PVE 9 schema and answers generically where it has no
model. The mixins add the models proxvps relies on: per-node volumes (volumes.py), disk allocation in
config writes and resize (disks.py), migration (migration.py), vzdump and restore (backups.py), node
RAM and CPU (nodes.py), usage figures (metrics.py) and cloud-init passwords masked as PVE masks them
(cloudinit.py); for tests, holds on tasks (holds.py), task stops (stops.py), a clock to freeze and advance
(base.py) and disk contents that snapshots and backups keep (contents.py). Their routes are `_routes_*`
tables, registered like fakepve's own, so the schema's parameter checks still run first.
"""

from __future__ import annotations

import contextlib
import json
import secrets
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler
from fakepve.server import SECRET_KEYS

from proxvps.sandbox.backups import Backups
from proxvps.sandbox.cloudinit import CloudInitSecrets
from proxvps.sandbox.contents import DiskContents
from proxvps.sandbox.disks import DiskConfig
from proxvps.sandbox.holds import TaskHolds
from proxvps.sandbox.metrics import Metrics
from proxvps.sandbox.migration import Migration
from proxvps.sandbox.nodes import NodeResources
from proxvps.sandbox.stops import TaskStops

__all__ = ["RESPONSE_BODY_MAX", "SandboxPve"]

# pve.responses keeps this much of each body.
RESPONSE_BODY_MAX = 2048
# Answer fields that carry a credential: masked in pve.responses.
SECRET_FIELDS = frozenset((*SECRET_KEYS, "CSRFPreventionToken"))


def _masked(node: Any) -> Any:
    if isinstance(node, dict):
        return {key: "***" if key in SECRET_FIELDS else _masked(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_masked(value) for value in node]
    return node


def _loggable(text: str) -> str:
    """The body as pve.responses keeps it: credentials masked (login tickets, console tickets)."""
    if any(key in text for key in SECRET_FIELDS):
        with contextlib.suppress(ValueError):  # not JSON: an error text, nothing to mask
            text = json.dumps(_masked(json.loads(text)))
    return text[:RESPONSE_BODY_MAX]


class SandboxPve(
    TaskStops, TaskHolds, CloudInitSecrets, DiskContents, DiskConfig, Migration, Backups, NodeResources, Metrics
):
    """The fake PVE cluster of the sandbox (see the module docstring of each area)."""

    def __init__(
        self, user: str = "root@pam", password: str | None = None, host: str | None = None, port: int = 8006
    ) -> None:
        # No well-known password (fakepve's default is "secret"): a random one unless given.
        super().__init__(user, password or secrets.token_urlsafe(24), host, port)
        # (method, path, HTTP status, body text cut to 2 KB) of every answer, oldest first. A request
        # whose connection the network scenarios drop has no answer and no entry.
        self.responses: list[tuple[str, str, int, str]] = []

    def _build_app(self) -> web.Application:
        app: web.Application = super()._build_app()
        # Outermost, so it sees what the client gets: ExtJS envelopes, injected failures, 595s.
        app.middlewares.insert(0, self._sb_log_response)
        return app

    @web.middleware
    async def _sb_log_response(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            self._sb_record(request, exc.status, exc.text or "")
            raise
        text = response.text if isinstance(response, web.Response) else None
        self._sb_record(request, response.status, text or "")
        return response

    def _sb_record(self, request: web.Request, status: int, text: str) -> None:
        self.responses.append((request.method, request.path, status, _loggable(text)))
        excess = len(self.responses) - self.max_requests
        if excess > 0:
            del self.responses[:excess]
