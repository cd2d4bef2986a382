"""Disks of a VM config: which drive is the system disk, where a new disk goes, its format, its I/O limits.

The seed sent `HTTP 400: property is not defined in schema` to PVE 9 whenever it could not pin down the system
disk (a SATA or IDE template, a CD-ROM first in the boot order, no `boot` line), and it failed to create the
additional disk whenever the system disk's volume id had a dot in the storage name. These functions answer
those questions for any template PVE accepts, and answer "no disk" (None) rather than guess, so a caller can
refuse to send a request without a disk key (SPEC S14).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from proxvps.domain.drives import PropertyString, render_option_value
from proxvps.domain.sizes import parse_size

BUS_SLOTS: Final[Mapping[str, int]] = MappingProxyType({"ide": 4, "sata": 6, "scsi": 31, "virtio": 16})
"""Disk buses in the order PVE looks for a boot disk, with how many drives each takes (ide0-3, virtio0-15)."""

SPECIAL_DRIVE_KEYS: Final = frozenset({"efidisk0", "tpmstate0"})
"""Drives that hold firmware state: real volumes, but never the system disk."""

DISK_FORMATS: Final = ("raw", "qcow", "qed", "qcow2", "vmdk", "cloop")
"""The `format` enum of PVE's qemu drive schema (scsi[n], sata[n], ide[n], virtio[n])."""

DEFAULT_DISK_FORMAT: Final = "raw"
"""What block storages (LVM, ZFS, Ceph) hold and what any volume without a known extension gets."""

IO_LIMIT_KEYS: Final = ("mbps_rd", "mbps_wr", "iops_rd", "iops_wr")
"""The drive options for read/write bandwidth (MB/s) and read/write IOPS, as PVE names them."""

_BUS_KEY = re.compile(r"(?P<bus>[a-z]+)(?P<index>0|[1-9][0-9]*)")
# PVE's drive_is_cloudinit: `STORAGE:cloudinit` when created, `vm-N-cloudinit[.fmt]` once allocated.
_CLOUDINIT_VOLUME = re.compile(rf"(?:^|[:/])(?:vm-[0-9]+-)?cloudinit(?:\.(?:{'|'.join(DISK_FORMATS)}))?\Z")
# Entries of `boot: order=` are separated like PVE's split_list: semicolons or white space.
_BOOT_ORDER_SEPARATORS = re.compile(r"[;\s]+")
_NEW_VOLUME = re.compile(r"[A-Za-z][A-Za-z0-9_.-]*:(?:[0-9]+(?:\.[0-9]+)?|cloudinit)")


@dataclass(frozen=True)
class DriveKey:
    """A disk-bus drive key such as `scsi0`, ranked the way PVE looks for a boot disk (scsi2, then scsi10)."""

    bus: str
    index: int

    def __post_init__(self) -> None:
        slots = BUS_SLOTS.get(self.bus)
        if slots is None:
            raise ValueError(f"unknown disk bus {self.bus!r}; expected one of {', '.join(BUS_SLOTS)}")
        if not 0 <= self.index < slots:
            raise ValueError(f"{self.bus} takes drives 0 to {slots - 1}, not {self.index}")

    @classmethod
    def parse(cls, key: str) -> DriveKey | None:
        """The drive key `key` names, or None for anything else (net0, efidisk0, scsi31, scsi01)."""
        found = _BUS_KEY.fullmatch(key)
        if found is None or found["bus"] not in BUS_SLOTS:
            return None
        index = int(found["index"])
        if index >= BUS_SLOTS[found["bus"]]:
            return None
        return cls(found["bus"], index)

    def __str__(self) -> str:
        return f"{self.bus}{self.index}"

    @property
    def boot_rank(self) -> tuple[int, int]:
        """Sort key: bus in PVE's order (ide, sata, scsi, virtio), then the number, numerically."""
        return (list(BUS_SLOTS).index(self.bus), self.index)


def is_drive_key(key: str) -> bool:
    """Whether `key` is a config key PVE treats as a drive: ide0-3, sata0-5, scsi0-30, virtio0-15, efidisk0,
    tpmstate0."""
    return key in SPECIAL_DRIVE_KEYS or DriveKey.parse(key) is not None


def allocates_volume(key: str, value: str) -> bool:
    """Whether writing `value` to config key `key` makes Proxmox allocate a volume (`local-lvm:10`,
    `local-lvm:cloudinit`): the volume id it gets is Proxmox's to choose, so the config then differs from what was
    written."""
    return is_drive_key(key) and _NEW_VOLUME.fullmatch(value.split(",", 1)[0]) is not None


def drive_volume(drive: PropertyString) -> str | None:
    """The volume of a drive value: the bare value, or the `file=`/`volume=` option PVE also accepts."""
    return drive.value or drive.get("file") or drive.get("volume")


def is_cloudinit(drive: PropertyString) -> bool:
    """Whether the drive is a cloud-init drive (it has media=cdrom too, but is no installer CD-ROM)."""
    volume = drive_volume(drive)
    return volume is not None and _CLOUDINIT_VOLUME.search(volume) is not None


def is_cdrom(drive: PropertyString) -> bool:
    """Whether the drive is a CD-ROM (an ISO, the host drive or an empty tray), cloud-init excluded."""
    if is_cloudinit(drive):
        return False
    return drive.get("media") == "cdrom" or drive_volume(drive) == "cdrom"


def is_data_disk(drive: PropertyString) -> bool:
    """Whether the drive is a disk a VM can run from: a volume, neither CD-ROM, cloud-init nor `none`."""
    volume = drive_volume(drive)
    return volume is not None and volume != "none" and not is_cdrom(drive) and not is_cloudinit(drive)


@dataclass(frozen=True)
class SystemDisk:
    """The disk a VM boots from, as found in its config."""

    key: str
    """The config key to send with every request about this disk (`scsi0`)."""
    volume_id: str
    """`local-lvm:vm-100-disk-0`, `nfs:100/vm-100-disk-0.qcow2`, or a path for a passed-through device."""
    storage_id: str | None
    """The storage part of the volume id; None for a path (`/dev/sdb`), which lives on no PVE storage."""
    options: PropertyString
    """The whole drive value: edit it (I/O limits) and send it back so no other option is lost."""
    size_bytes: int | None
    """From the `size=` option; None when PVE did not write one."""


def _readable_drive(text: object) -> PropertyString | None:
    """A drive value we can read, or None: a value we cannot parse is no disk we could send a request for."""
    if not isinstance(text, str):
        return None
    try:
        return PropertyString.parse(text)
    except ValueError:
        return None


def _data_disk(config: Mapping[str, object], key: str) -> SystemDisk | None:
    """The disk under `key` if it is a disk-bus data disk."""
    if DriveKey.parse(key) is None:
        return None
    drive = _readable_drive(config.get(key))
    volume = None if drive is None else drive_volume(drive)
    if drive is None or volume is None or not is_data_disk(drive):
        return None
    storage, colon, _ = volume.partition(":")
    size_text = drive.get("size")
    try:
        size = None if size_text is None else parse_size(size_text)
    except ValueError:
        size = None  # informational only: an odd size must not hide the disk
    return SystemDisk(key, volume, storage if colon and not volume.startswith("/") else None, drive, size)


def _bus_keys_in_boot_rank(config: Mapping[str, object]) -> list[str]:
    """The config's disk-bus keys in the order PVE looks for a boot disk when there is no `boot` line."""
    keys = (found for key in config if (found := DriveKey.parse(key)))
    return [str(key) for key in sorted(keys, key=lambda k: k.boot_rank)]


def _boot_order(config: Mapping[str, object]) -> list[str]:
    """The entries of `boot: order=...`; empty for the legacy `boot: cdn` form, no boot line, or one we can't
    read (the fallbacks then still find the disk)."""
    boot = config.get("boot")
    if not isinstance(boot, str):
        return []
    try:
        order = PropertyString.parse(boot).get("order")
    except ValueError:
        return []
    return [entry for entry in _BOOT_ORDER_SEPARATORS.split(order or "") if entry]


def find_system_disk(config: Mapping[str, object]) -> SystemDisk | None:
    """The system disk of a VM or template config, or None when it has no data disk at all.

    In order: the first real data disk of `boot: order=` (CD-ROM, cloud-init, NICs and keys missing from the
    config are skipped); the legacy `bootdisk` key (also what `boot: cdn` boots from); the first data disk in
    PVE's own order (ide, sata, scsi, virtio; scsi2 before scsi10), as PVE boots a VM without a `boot` line.
    Each step falls through to the next rather than giving up, so a `boot: order=net0` template still
    reports its disk.
    """
    for key in _boot_order(config):
        if disk := _data_disk(config, key):
            return disk
    bootdisk = config.get("bootdisk")
    if isinstance(bootdisk, str) and (disk := _data_disk(config, bootdisk)):
        return disk
    for key in _bus_keys_in_boot_rank(config):
        if disk := _data_disk(config, key):
            return disk
    return None


CDROM_KEY: Final = "ide2"
"""Where PVE's own wizard puts a VM's CD-ROM drive."""


def cdrom_key(config: Mapping[str, object]) -> str | None:
    """The VM's CD-ROM drive (its cloud-init drive is none), else where a new one goes: ide2 when free, else the
    first free IDE slot; None when IDE has no slot left."""
    for key in _bus_keys_in_boot_rank(config):
        drive = _readable_drive(config.get(key))
        if drive is not None and is_cdrom(drive):
            return key
    if CDROM_KEY not in config:
        return CDROM_KEY
    return free_drive_key(config, "ide")


def boot_order_with(config: Mapping[str, object], key: str) -> str | None:
    """The `boot` value with `key` added at the end of its order list, so the devices before it (the system disk)
    still boot first; None when there is nothing to add: `key` is listed already, or the config has no order list
    (PVE then boots its default devices, disks first)."""
    order = _boot_order(config)
    if not order or key in order:
        return None
    boot = PropertyString.parse(str(config["boot"]))
    return boot.with_options(order=";".join([*order, key])).render()


def free_drive_key(config: Mapping[str, object], bus: str) -> str | None:
    """The lowest free key on `bus` (for a new disk), or None when the bus is full (scsi takes 31 drives)."""
    slots = BUS_SLOTS.get(bus)
    if slots is None:
        raise ValueError(f"unknown disk bus {bus!r}; expected one of {', '.join(BUS_SLOTS)}")
    return next((f"{bus}{index}" for index in range(slots) if f"{bus}{index}" not in config), None)


def disk_format(volume_id: str) -> str:
    """The format for a new disk next to the volume `volume_id`: its file extension if PVE knows it, else raw.

    Only the trailing extension of the volume's file name counts: storage ids may contain dots
    (`fast.ssd:vm-100-disk-0`) and so may the path of a path-style volume id (`nfs.qcow2:100/vm-100-disk-0`);
    reading those as an extension is what sent PVE `format: value 'qcow2/101/vm-101-disk-0' does not have a
    value in the enumeration`. Block storages name volumes without an extension: those are raw.
    """
    name = volume_id.rpartition(":")[2].rpartition("/")[2]
    stem, dot, extension = name.rpartition(".")
    if dot and stem and extension in DISK_FORMATS:
        return extension
    return DEFAULT_DISK_FORMAT


def io_limit_options(*, read_mbps: float, write_mbps: float, read_iops: int, write_iops: int) -> dict[str, str]:
    """The drive options for the non-zero limits (0 means unlimited); empty when all four are 0, and then the
    caller makes no API call at all (SPEC S14).

    Keyword-only: four numbers in a row are too easy to pass in the wrong order.
    """
    limits: dict[str, float] = dict(zip(IO_LIMIT_KEYS, (read_mbps, write_mbps, read_iops, write_iops), strict=True))
    for key, amount in limits.items():
        if not math.isfinite(amount) or amount < 0:
            raise ValueError(f"I/O limit {key} must be a finite number of at least 0, not {amount!r}")
        if key.startswith("iops") and not float(amount).is_integer():
            raise ValueError(f"I/O limit {key} must be a whole number of operations, not {amount!r}")
    return {key: render_option_value(amount) for key, amount in limits.items() if amount}


def with_io_limits(
    drive: PropertyString, *, read_mbps: float, write_mbps: float, read_iops: int, write_iops: int
) -> PropertyString:
    """The drive value with these I/O limits: set limits replaced in place, zero ones removed (unlimited),
    every other option kept as it was."""
    options = io_limit_options(read_mbps=read_mbps, write_mbps=write_mbps, read_iops=read_iops, write_iops=write_iops)
    return drive.without(*(key for key in IO_LIMIT_KEYS if key not in options)).with_options(**options)
