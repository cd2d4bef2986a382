"""The seeded sandbox cluster: nodes, storages, ISOs, one template per system-disk case, an API token.

The templates cover every way SPEC S14 says a template may name its system disk: SCSI, SATA, IDE and
VirtIO; the legacy `bootdisk` key; a `boot: order=` list that starts with the CD-ROM; no `boot` line
at all; a storage whose name has dots; a qcow2 volume on a file storage. 9009 is a plain VM (not a
template) and 9010 a template without a cloud-init drive. They live on pve1, as a cluster's templates
usually live on one node; their volumes are registered on their storages with realistic sizes.
"""

from __future__ import annotations

import uuid
from typing import Any

from fakepve.lxc import format_size
from fakepve.qemu import QEMU_VERSION, join_drive

from proxvps.sandbox.base import GIB, MIB, is_file_storage
from proxvps.sandbox.pve import SandboxPve

__all__ = ["ISOS", "PLAIN_VM", "TEMPLATE_NODE", "TOKEN_ID", "build_sandbox"]

TOKEN_ID = "root@pam!proxvps"
TEMPLATE_NODE = "pve1"
# The one seeded guest that is not a template.
PLAIN_VM = 9009
ISOS = {
    "Debian-12.5.0-amd64-netinst.iso": 658 * MIB,
    "Ubuntu-22.04.4-live-server-amd64.iso": 2010 * MIB,
    "proxmox-ve_8.1-2.iso": 1331 * MIB,
    "myfile.iso": 12 * MIB,
}
# Creation time of the seeded volumes: a fixed moment, so every sandbox looks the same.
SEEDED_AT = 1767225600


def _storages() -> dict[str, dict[str, Any]]:
    """storage.cfg of the sandbox plus fakepve's state keys; `total` is each node's capacity (the pool's,
    if shared)."""
    config: dict[str, dict[str, Any]] = {
        "local": {
            "type": "dir",
            "path": "/var/lib/vz",
            "content": "iso,vztmpl,backup,snippets",
            "total": 100 * GIB,
        },
        "local-lvm": {
            "type": "lvmthin",
            "vgname": "pve",
            "thinpool": "data",
            "content": "images,rootdir",
            "total": 800 * GIB,
        },
        "fast.ssd": {
            "type": "lvmthin",
            "vgname": "ssd",
            "thinpool": "fast",
            "content": "images,rootdir",
            "total": 400 * GIB,
        },
        "nfs.qcow2": {
            "type": "nfs",
            "server": "192.0.2.50",
            "export": "/export/images",
            "path": "/mnt/pve/nfs.qcow2",
            "content": "images",
            "format": "qcow2",
            "shared": 1,
            "total": 4096 * GIB,
        },
        "backup": {
            "type": "dir",
            "path": "/mnt/pve/backup",
            "content": "backup",
            "shared": 1,
            "prune-backups": "keep-all=1",
            "total": 4096 * GIB,
        },
    }
    return {sid: {**options, "active": 1, "files": set(), "volumes": {}} for sid, options in config.items()}


def _template(vmid: int, name: str, os_hint: str, drives: dict[str, str], **extra: Any) -> dict[str, Any]:
    """The config of a seeded guest, as PVE writes it for a cloud-image template."""
    config: dict[str, Any] = {
        "name": name,
        "description": f"os={os_hint}",
        "ostype": "l26",
        "cores": 1,
        "sockets": 1,
        "memory": 2048,
        "cpu": "x86-64-v2-AES",
        "scsihw": "virtio-scsi-single",
        "net0": f"virtio=BC:24:11:{vmid // 100 % 100:02X}:{vmid % 100:02X}:00,bridge=vmbr0,firewall=1",
        "agent": "enabled=1",
        "serial0": "socket",
        "vga": "serial0",
        "smbios1": f"uuid={uuid.UUID(int=vmid)}",
        "vmgenid": str(uuid.UUID(int=vmid << 64)),
        "meta": f"creation-qemu={QEMU_VERSION},ctime={SEEDED_AT}",
    }
    config.update(drives)
    config.update(extra)
    return config


def _disk(pve: SandboxPve, sid: str, volname: str, vmid: int, size: int, fmt: str = "raw") -> str:
    """Register a seeded volume on its storage (on the template node unless shared); its drive value."""
    volume: dict[str, Any] = {
        "content": "images",
        "format": fmt,
        "size": size,
        "vmid": vmid,
        "ctime": SEEDED_AT,
    }
    if not pve.storages[sid].get("shared"):
        volume["node"] = TEMPLATE_NODE
    pve.storages[sid].setdefault("volumes", {})[volname] = volume
    return f"{sid}:{volname}"


def _cloudinit(pve: SandboxPve, sid: str, vmid: int) -> str:
    """A template's cloud-init drive: PVE does not rename it to a base volume."""
    file = is_file_storage(pve.storages[sid])
    volname = f"{vmid}/vm-{vmid}-cloudinit.qcow2" if file else f"vm-{vmid}-cloudinit"
    return _disk(pve, sid, volname, vmid, 4 * MIB, "qcow2" if file else "raw") + ",media=cdrom"


def _system(pve: SandboxPve, sid: str, vmid: int, size: int, template: bool = True, **options: str) -> str:
    """A system disk: a base volume for a template (a vm volume for a plain VM), options sorted as PVE's."""
    store = pve.storages[sid]
    name = f"{'base' if template else 'vm'}-{vmid}-disk-0"
    fmt, volname = "raw", name
    if is_file_storage(store):
        fmt = str(store.get("format") or "raw")
        volname = f"{vmid}/{name}.{fmt}"
    return str(join_drive(_disk(pve, sid, volname, vmid, size, fmt), dict(options, size=format_size(size))))


def _seed_guests(pve: SandboxPve) -> None:
    lvm = "local-lvm"
    guests = {
        9000: _template(
            9000,
            "debian-12-scsi",
            "debian-12",
            {"scsi0": _system(pve, lvm, 9000, 3 * GIB, iothread="1"), "ide2": _cloudinit(pve, lvm, 9000)},
            boot="order=scsi0",
        ),
        9001: _template(
            9001,
            "debian-12-sata",
            "debian-12",
            {"sata0": _system(pve, lvm, 9001, 3 * GIB), "ide2": _cloudinit(pve, lvm, 9001)},
            boot="order=sata0",
        ),
        9002: _template(
            9002,
            "ubuntu-22.04-ide",
            "ubuntu-22.04",
            {"ide0": _system(pve, lvm, 9002, 3584 * MIB), "ide2": _cloudinit(pve, lvm, 9002)},
            boot="order=ide0",
        ),
        9003: _template(
            9003,
            "ubuntu-24.04-virtio",
            "ubuntu-24.04",
            {
                "virtio0": _system(pve, lvm, 9003, 3584 * MIB, iothread="1"),
                "ide2": _cloudinit(pve, lvm, 9003),
            },
            boot="order=virtio0",
        ),
        9004: _template(
            9004,
            "centos-7-legacy",
            "centos-7",
            {"scsi0": _system(pve, lvm, 9004, 8 * GIB), "ide2": _cloudinit(pve, lvm, 9004)},
            bootdisk="scsi0",
        ),
        9005: _template(
            9005,
            "almalinux-9-cdrom-first",
            "almalinux-9",
            {"scsi0": _system(pve, lvm, 9005, 10 * GIB), "ide2": _cloudinit(pve, lvm, 9005)},
            boot="order=ide2;scsi0",
        ),
        9006: _template(
            9006,
            "rocky-9-no-boot",
            "rockylinux-9",
            {
                "ide0": "none,media=cdrom",
                "scsi0": _system(pve, lvm, 9006, 10 * GIB),
                "ide2": _cloudinit(pve, lvm, 9006),
            },
        ),
        9007: _template(
            9007,
            "debian-12-fast-ssd",
            "debian-12",
            {"scsi0": _system(pve, "fast.ssd", 9007, 3 * GIB), "ide2": _cloudinit(pve, "fast.ssd", 9007)},
            boot="order=scsi0",
        ),
        9008: _template(
            9008,
            "debian-12-qcow2",
            "debian-12",
            {
                "scsi0": _system(pve, "nfs.qcow2", 9008, 3 * GIB),
                "ide2": _cloudinit(pve, "nfs.qcow2", 9008),
            },
            boot="order=scsi0",
        ),
        9009: _template(
            9009,
            "plain-vm",
            "debian-12",
            {"scsi0": _system(pve, lvm, 9009, 8 * GIB, template=False), "ide2": _cloudinit(pve, lvm, 9009)},
            boot="order=scsi0",
        ),
        9010: _template(
            9010,
            "debian-12-no-cloudinit",
            "debian-12",
            {"scsi0": _system(pve, lvm, 9010, 3 * GIB)},
            boot="order=scsi0",
        ),
    }
    for vmid, config in guests.items():
        template = vmid != PLAIN_VM
        if template:
            config["template"] = 1
        pve.add_vm(vmid, config["name"], node=TEMPLATE_NODE, config=config, template=template)


def build_sandbox(nodes: int = 3, time_scale: float = 0.0, drop_rate: float = 0.0, latency: float = 0.0) -> SandboxPve:
    """A seeded cluster: nodes pve1..pveN, storages, templates, ISOs and one API token.

    time_scale is real seconds per PVE second (0: tasks end before their request returns); drop_rate
    the share of requests whose connection is reset; latency PVE seconds added to every answer. The
    token's secret is random per instance: read it from `pve.apitokens[TOKEN_ID]`.
    """
    if nodes < 1:
        raise ValueError("a cluster has at least one node")
    pve = SandboxPve()
    pve.cluster_name = "proxvps-sandbox"
    pve.nodes = {f"pve{n}": {"online": True} for n in range(1, nodes + 1)}
    pve.storages = _storages()
    for name, size in ISOS.items():
        pve.store_file("local", name, size)
    for volume in pve.storages["local"]["volumes"].values():
        volume["ctime"] = SEEDED_AT
    _seed_guests(pve)
    pve.apitokens[TOKEN_ID] = str(uuid.uuid4())
    pve.time_scale = time_scale
    if drop_rate:
        pve.flaky_network(drop_rate=drop_rate)
    if latency:
        pve.slow_network(latency)
    return pve
