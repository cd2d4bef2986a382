"""The cloud-init password as PVE guards it: masked in every answer, readable only through the sandbox itself.

PVE's config and pending answers show `cipassword` as `**********` (PVE::API2::Qemu vm_config and vm_pending), so
a client can set the password but never read it back. The sandbox answers the same way. A test that must see what
the guest gets reads it with `guest_cloudinit(vmid)`, a Python call on the sandbox that is not part of the PVE API.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from fakepve.qemu import drives_of

from proxvps.sandbox.base import PveBase

__all__ = ["MASK", "CloudInitSecrets", "GuestCloudInit"]

MASK = "**********"
IPCONFIG_KEY = re.compile(r"^ipconfig\d+$")


@dataclass(frozen=True)
class GuestCloudInit:
    """What the guest's cloud-init gets from its VM's config: the user, the password in clear, the network."""

    user: str
    password: str = field(repr=False)
    hostname: str
    ipconfig: dict[str, str]
    nameserver: str
    sshkeys: str


class CloudInitSecrets(PveBase):
    """Mixin of SandboxPve: `cipassword` masked in config and pending answers; guest_cloudinit() for tests."""

    def guest_cloudinit(self, vmid: int) -> GuestCloudInit | None:
        """The cloud-init settings of VM vmid in clear (None when it has no cloud-init drive). Not a PVE call."""
        vm = self.vm(int(vmid))
        if vm is None:
            raise LookupError(f"the sandbox has no VM {vmid}")
        config: dict[str, Any] = vm.config
        if not any(str(volume).endswith("cloudinit") for _key, volume, _props in drives_of(config)):
            return None
        return GuestCloudInit(
            user=str(config.get("ciuser", "")),
            password=str(config.get("cipassword", "")),
            hostname=str(vm.name),
            ipconfig={key: str(value) for key, value in config.items() if IPCONFIG_KEY.match(key)},
            nameserver=str(config.get("nameserver", "")),
            sshkeys=str(config.get("sshkeys", "")),
        )

    async def _config_get(self, request: web.Request) -> web.StreamResponse:
        response: web.StreamResponse = await super()._config_get(request)
        return _mask_answer(response, _mask_config)

    async def _pending(self, request: web.Request) -> web.StreamResponse:
        response: web.StreamResponse = await super()._pending(request)
        return _mask_answer(response, _mask_pending)


def _mask_config(data: Any) -> Any:
    if isinstance(data, dict) and data.get("cipassword"):
        data["cipassword"] = MASK
    return data


def _mask_pending(data: Any) -> Any:
    for item in data if isinstance(data, list) else []:
        if isinstance(item, dict) and item.get("key") == "cipassword":
            for part in ("value", "pending"):
                if item.get(part):
                    item[part] = MASK
    return data


def _mask_answer(response: web.StreamResponse, mask: Any) -> web.StreamResponse:
    """The same answer with its `data` masked; an error answer as it was."""
    if not isinstance(response, web.Response) or response.status != 200 or response.text is None:
        return response
    body = json.loads(response.text)
    body["data"] = mask(body.get("data"))
    return web.json_response(body)
