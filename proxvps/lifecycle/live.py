"""What the client area shows live from Proxmox: a VM's status now and its graphs' samples (SPEC S17).

Pages never call Proxmox while they render; their live parts ask for these, and these answer from a cache: the
status for 30 s (a fresh read while an operation runs, so a power button's effect shows within a second), the
graphs' samples per service and timeframe for a minute. A burst of viewers costs one Proxmox call per key: the
first reader of a missing key reads Proxmox while the others wait for its answer (a lock per key's stripe).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Literal, TypeVar

from django.core.cache import cache
from django.utils.translation import gettext as _

from proxvps.domain.disks import cdrom_key, drive_volume
from proxvps.domain.drives import PropertyString
from proxvps.domain.isos import file_name
from proxvps.inventory.connect import client_for
from proxvps.inventory.models import Service
from proxvps.proxmox import ProxmoxError
from proxvps.proxmox.types import RrdPoint, VmStatus

STATUS_SECONDS = 30
GRAPH_SECONDS = 60
TIMEFRAMES: tuple[Literal["hour", "day", "week", "month"], ...] = ("hour", "day", "week", "month")
Timeframe = Literal["hour", "day", "week", "month"]

T = TypeVar("T")

# Striped locks: a fixed number however many keys come and go (a status key changes with every state change).
_LOCKS = tuple(threading.Lock() for _ in range(64))


class LiveUnavailable(Exception):  # noqa: N818 - an answer for the page: the message says what it cannot show
    """The VM cannot be asked now (no VM yet, Proxmox unreachable); the message says so in one sentence."""


def _lock(key: str) -> threading.Lock:
    return _LOCKS[hash(key) % len(_LOCKS)]


def cached(key: str, seconds: int, read: Callable[[], T]) -> T:
    """The cached value of `key`, or `read()` stored for `seconds`; concurrent misses read once."""
    found: T | None = cache.get(key)
    if found is not None:
        return found
    with _lock(key):
        found = cache.get(key)
        if found is None:
            found = read()
            cache.set(key, found, seconds)
        return found


def _where(service: Service) -> tuple[str, int]:
    if service.server is None or service.vmid is None or not service.node:
        raise LiveUnavailable(_("Your server is not built yet."))
    return service.node, service.vmid


def _status_key(service: Service) -> str:
    # Keyed on the state's last change too: when an operation ends, the next read is fresh, not the one cached
    # while it ran.
    return f"proxvps:vmstatus:{service.pk}:{service.state}:{service.state_changed_at.timestamp()}"


def vm_status(service: Service, *, fresh: bool = False) -> VmStatus:
    """The VM's status from Proxmox, cached STATUS_SECONDS; `fresh` reads it now (and caches that)."""
    node, vmid = _where(service)
    assert service.server is not None

    def read() -> VmStatus:
        try:
            with client_for(service.server) as client:  # type: ignore[arg-type]
                return client.vm_status(node, vmid)
        except ProxmoxError as error:
            raise LiveUnavailable(_("The status of your server cannot be read right now.")) from error

    key = _status_key(service)
    if fresh:
        status = read()
        cache.set(key, status, STATUS_SECONDS)
        return status
    return cached(key, STATUS_SECONDS, read)


def forget_status(service: Service) -> None:
    """Drop the cached status: a power action was just asked for."""
    cache.delete(_status_key(service))


def graph_points(service: Service, timeframe: Timeframe) -> list[RrdPoint]:
    """The VM's samples over `timeframe` (Proxmox rrddata, averages), cached GRAPH_SECONDS per service and
    timeframe."""
    node, vmid = _where(service)
    server = service.server

    def read() -> list[RrdPoint]:
        try:
            with client_for(server) as client:  # type: ignore[arg-type]
                return client.rrddata(node, vmid, timeframe)
        except ProxmoxError as error:
            raise LiveUnavailable(_("The graphs of your server cannot be read right now.")) from error

    return cached(f"proxvps:rrd:{service.pk}:{timeframe}", GRAPH_SECONDS, read)


def mounted_iso(service: Service) -> str:
    """The file name of the ISO image in the VM's CD-ROM drive (a change still pending counts: it is what the client
    asked for); empty when the drive is empty or missing."""
    node, vmid = _where(service)
    try:
        with client_for(service.server) as client:  # type: ignore[arg-type]
            config = client.vm_next_config(node, vmid)
    except ProxmoxError as error:
        raise LiveUnavailable(_("The CD-ROM drive of your server cannot be read right now.")) from error
    key = cdrom_key(config)
    if key is None or key not in config:
        return ""
    try:
        volume = drive_volume(PropertyString.parse(str(config[key])))
    except ValueError:
        return ""
    return file_name(volume) if volume and volume != "none" else ""
