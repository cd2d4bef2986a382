"""What Proxmox answers, as plain frozen dataclasses: no dict soup past the adapter.

Every `from_api` is null-safe (SPEC S22): PVE omits optional fields freely (an offline node has no usage,
a stopped VM no uptime, a volume no vmid), and sends numbers sometimes as strings, so a missing or odd field
becomes None (or an empty value) instead of an exception in the middle of a worker pass.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any


def as_int(value: Any) -> int | None:
    """An int from PVE's int, float or numeric string; None for anything else."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value)
    if isinstance(value, str):
        try:
            return int(float(value.strip()))
        except ValueError:
            return None
    return None


def as_float(value: Any) -> float | None:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


def as_bool(value: Any) -> bool:
    """PVE booleans: 1/0, "1"/"0", true/false, absent (false)."""
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def as_mapping(value: Any) -> Mapping[str, Any]:
    """A nested object of an answer, or an empty one when PVE left it out."""
    return value if isinstance(value, Mapping) else {}


def as_str(value: Any) -> str | None:
    return None if value is None else str(value)


def as_list(text: Any) -> tuple[str, ...]:
    """A PVE list (`images,rootdir` or `a;b`) as a tuple."""
    if text is None:
        return ()
    return tuple(part for part in str(text).replace(";", ",").split(",") if part.strip())


@dataclass(frozen=True)
class Version:
    version: str
    release: str
    repoid: str

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Version:
        return cls(str(data.get("version") or ""), str(data.get("release") or ""), str(data.get("repoid") or ""))


@dataclass(frozen=True)
class Node:
    """An entry of GET /nodes (usage fields are absent for an offline node)."""

    node: str
    status: str
    cpu: float | None = None
    maxcpu: int | None = None
    mem: int | None = None
    maxmem: int | None = None
    uptime: int | None = None
    ssl_fingerprint: str | None = None

    @property
    def online(self) -> bool:
        return self.status == "online"

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Node:
        return cls(
            node=str(data.get("node") or ""),
            status=str(data.get("status") or "unknown"),
            cpu=as_float(data.get("cpu")),
            maxcpu=as_int(data.get("maxcpu")),
            mem=as_int(data.get("mem")),
            maxmem=as_int(data.get("maxmem")),
            uptime=as_int(data.get("uptime")),
            ssl_fingerprint=as_str(data.get("ssl_fingerprint")),
        )


@dataclass(frozen=True)
class NodeStatus:
    """GET /nodes/{node}/status: what placement needs (memory, CPU) and what the admin reads."""

    cpu: float | None
    cpus: int | None
    memory_total: int | None
    memory_used: int | None
    memory_free: int | None
    uptime: int | None
    loadavg: tuple[float, ...]
    pveversion: str | None
    kernel: str | None

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> NodeStatus:
        memory = as_mapping(data.get("memory"))
        cpuinfo = as_mapping(data.get("cpuinfo"))
        kernel = as_mapping(data.get("current-kernel"))
        loads = data.get("loadavg")
        loadavg = [as_float(load) for load in loads] if isinstance(loads, list) else []
        return cls(
            cpu=as_float(data.get("cpu")),
            cpus=as_int(cpuinfo.get("cpus")),
            memory_total=as_int(memory.get("total")),
            memory_used=as_int(memory.get("used")),
            memory_free=as_int(memory.get("free")),
            uptime=as_int(data.get("uptime")),
            loadavg=tuple(load for load in loadavg if load is not None),
            pveversion=as_str(data.get("pveversion")),
            kernel=as_str(kernel.get("release") or data.get("kversion")),
        )


@dataclass(frozen=True)
class VmResource:
    """A guest in GET /cluster/resources (kind `qemu` or `lxc`)."""

    vmid: int
    node: str
    kind: str
    name: str | None
    status: str
    template: bool
    lock: str | None = None
    pool: str | None = None
    tags: tuple[str, ...] = ()
    hastate: str | None = None
    cpu: float | None = None
    maxcpu: float | None = None
    mem: int | None = None
    maxmem: int | None = None
    disk: int | None = None
    maxdisk: int | None = None
    uptime: int | None = None
    netin: int | None = None
    netout: int | None = None
    diskread: int | None = None
    diskwrite: int | None = None

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> VmResource:
        return cls(
            vmid=as_int(data.get("vmid")) or 0,
            node=str(data.get("node") or ""),
            kind=str(data.get("type") or ""),
            name=as_str(data.get("name")),
            status=str(data.get("status") or "unknown"),
            template=as_bool(data.get("template")),
            lock=as_str(data.get("lock")) or None,
            pool=as_str(data.get("pool")),
            tags=as_list(data.get("tags")),
            hastate=as_str(data.get("hastate")),
            cpu=as_float(data.get("cpu")),
            maxcpu=as_float(data.get("maxcpu")),
            mem=as_int(data.get("mem")),
            maxmem=as_int(data.get("maxmem")),
            disk=as_int(data.get("disk")),
            maxdisk=as_int(data.get("maxdisk")),
            uptime=as_int(data.get("uptime")),
            netin=as_int(data.get("netin")),
            netout=as_int(data.get("netout")),
            diskread=as_int(data.get("diskread")),
            diskwrite=as_int(data.get("diskwrite")),
        )


@dataclass(frozen=True)
class NodeResource:
    """A node in GET /cluster/resources."""

    node: str
    status: str
    cpu: float | None = None
    maxcpu: float | None = None
    mem: int | None = None
    maxmem: int | None = None
    disk: int | None = None
    maxdisk: int | None = None
    uptime: int | None = None

    @property
    def online(self) -> bool:
        return self.status == "online"

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> NodeResource:
        return cls(
            node=str(data.get("node") or ""),
            status=str(data.get("status") or "unknown"),
            cpu=as_float(data.get("cpu")),
            maxcpu=as_float(data.get("maxcpu")),
            mem=as_int(data.get("mem")),
            maxmem=as_int(data.get("maxmem")),
            disk=as_int(data.get("disk")),
            maxdisk=as_int(data.get("maxdisk")),
            uptime=as_int(data.get("uptime")),
        )


@dataclass(frozen=True)
class StorageResource:
    """A storage on one node in GET /cluster/resources."""

    storage: str
    node: str
    status: str
    plugintype: str | None
    content: tuple[str, ...]
    shared: bool
    disk: int | None = None
    maxdisk: int | None = None

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> StorageResource:
        return cls(
            storage=str(data.get("storage") or ""),
            node=str(data.get("node") or ""),
            status=str(data.get("status") or "unknown"),
            plugintype=as_str(data.get("plugintype")),
            content=as_list(data.get("content")),
            shared=as_bool(data.get("shared")),
            disk=as_int(data.get("disk")),
            maxdisk=as_int(data.get("maxdisk")),
        )


Resource = VmResource | NodeResource | StorageResource


def resource_from_api(data: Mapping[str, Any]) -> Resource | None:
    """The typed resource of an entry, or None for kinds we do not use (pool, sdn, network)."""
    kind = data.get("type")
    if kind in ("qemu", "lxc"):
        return VmResource.from_api(data)
    if kind == "node":
        return NodeResource.from_api(data)
    if kind == "storage":
        return StorageResource.from_api(data)
    return None


@dataclass(frozen=True)
class Storage:
    """GET /nodes/{node}/storage: a storage as one node sees it, with its space in bytes."""

    storage: str
    type: str
    content: tuple[str, ...]
    shared: bool
    active: bool
    enabled: bool
    total: int | None
    used: int | None
    avail: int | None

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Storage:
        return cls(
            storage=str(data.get("storage") or ""),
            type=str(data.get("type") or ""),
            content=as_list(data.get("content")),
            shared=as_bool(data.get("shared")),
            active=as_bool(data.get("active")),
            enabled=as_bool(data.get("enabled", 1)),
            total=as_int(data.get("total")),
            used=as_int(data.get("used")),
            avail=as_int(data.get("avail")),
        )


@dataclass(frozen=True)
class Volume:
    """An entry of GET /nodes/{node}/storage/{storage}/content: a disk image, ISO, backup, ..."""

    volid: str
    content: str
    format: str | None
    size: int | None
    vmid: int | None = None
    ctime: int | None = None
    notes: str | None = None
    protected: bool = False
    used: int | None = None
    parent: str | None = None

    @property
    def filename(self) -> str:
        """The part after `storage:` and any `iso/` or `dump/` folder."""
        return self.volid.partition(":")[2].rpartition("/")[2]

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Volume:
        return cls(
            volid=str(data.get("volid") or ""),
            content=str(data.get("content") or ""),
            format=as_str(data.get("format")),
            size=as_int(data.get("size")),
            vmid=as_int(data.get("vmid")),
            ctime=as_int(data.get("ctime")),
            notes=as_str(data.get("notes")),
            protected=as_bool(data.get("protected")),
            used=as_int(data.get("used")),
            parent=as_str(data.get("parent")),
        )


def config_value(value: Any) -> str:
    """A config value as the string PVE stores in the VM's .conf (numbers come as JSON numbers)."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@dataclass(frozen=True)
class VmConfig(Mapping[str, str]):
    """GET /nodes/{node}/qemu/{vmid}/config: every key as a string, and the digest to send with changes."""

    entries: Mapping[str, str]
    digest: str | None

    def __getitem__(self, key: str) -> str:
        return self.entries[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def changed(self, changes: Mapping[str, str | int]) -> VmConfig:
        """The config with `changes` made, as they read back; no digest (it is Proxmox's to compute)."""
        return VmConfig(entries={**self.entries, **{key: str(value) for key, value in changes.items()}}, digest=None)

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> VmConfig:
        entries = {key: config_value(val) for key, val in data.items() if key != "digest" and val is not None}
        return cls(entries=entries, digest=as_str(data.get("digest")))

    @classmethod
    def from_pending(cls, items: Iterable[Mapping[str, Any]]) -> VmConfig:
        """GET /nodes/{node}/qemu/{vmid}/pending as the config the VM will have after its next start: each key's
        pending value where it has one, keys pending deletion left out. It has no digest."""
        entries: dict[str, str] = {}
        for item in items:
            key = str(item.get("key") or "")
            value = item.get("pending", item.get("value"))
            if key and value is not None and as_int(item.get("delete")) not in (1, 2):
                entries[key] = config_value(value)
        return cls(entries=entries, digest=None)


@dataclass(frozen=True)
class VmStatus:
    """GET /nodes/{node}/qemu/{vmid}/status/current."""

    vmid: int
    status: str
    name: str | None = None
    qmpstatus: str | None = None
    lock: str | None = None
    template: bool = False
    uptime: int | None = None
    cpu: float | None = None
    cpus: float | None = None
    mem: int | None = None
    maxmem: int | None = None
    maxdisk: int | None = None
    netin: int | None = None
    netout: int | None = None
    diskread: int | None = None
    diskwrite: int | None = None
    agent: bool = False
    ha_state: str | None = None
    tags: tuple[str, ...] = ()

    @property
    def running(self) -> bool:
        return self.status == "running"

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> VmStatus:
        ha = as_mapping(data.get("ha"))
        return cls(
            vmid=as_int(data.get("vmid")) or 0,
            status=str(data.get("status") or "unknown"),
            name=as_str(data.get("name")),
            qmpstatus=as_str(data.get("qmpstatus")),
            lock=as_str(data.get("lock")) or None,
            template=as_bool(data.get("template")),
            uptime=as_int(data.get("uptime")),
            cpu=as_float(data.get("cpu")),
            cpus=as_float(data.get("cpus")),
            mem=as_int(data.get("mem")),
            maxmem=as_int(data.get("maxmem")),
            maxdisk=as_int(data.get("maxdisk")),
            netin=as_int(data.get("netin")),
            netout=as_int(data.get("netout")),
            diskread=as_int(data.get("diskread")),
            diskwrite=as_int(data.get("diskwrite")),
            agent=as_bool(data.get("agent")),
            ha_state=as_str(ha.get("state")),
            tags=as_list(data.get("tags")),
        )


@dataclass(frozen=True)
class Snapshot:
    """A snapshot of a VM (the `current` pseudo entry PVE lists is left out)."""

    name: str
    description: str
    snaptime: int | None = None
    parent: str | None = None
    vmstate: bool = False

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Snapshot:
        return cls(
            name=str(data.get("name") or ""),
            description=str(data.get("description") or ""),
            snaptime=as_int(data.get("snaptime")),
            parent=as_str(data.get("parent")),
            vmstate=as_bool(data.get("vmstate")),
        )


@dataclass(frozen=True)
class FirewallOptions:
    """A VM's firewall options; None for an option never set (PVE's default applies)."""

    enable: bool | None = None
    dhcp: bool | None = None
    ndp: bool | None = None
    radv: bool | None = None
    macfilter: bool | None = None
    ipfilter: bool | None = None
    log_level_in: str | None = None
    log_level_out: str | None = None
    policy_in: str | None = None
    policy_out: str | None = None
    digest: str | None = None

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> FirewallOptions:
        def flag(name: str) -> bool | None:
            return None if data.get(name) is None else as_bool(data[name])

        return cls(
            enable=flag("enable"),
            dhcp=flag("dhcp"),
            ndp=flag("ndp"),
            radv=flag("radv"),
            macfilter=flag("macfilter"),
            ipfilter=flag("ipfilter"),
            log_level_in=as_str(data.get("log_level_in")),
            log_level_out=as_str(data.get("log_level_out")),
            policy_in=as_str(data.get("policy_in")),
            policy_out=as_str(data.get("policy_out")),
            digest=as_str(data.get("digest")),
        )


@dataclass(frozen=True)
class FirewallRuleSpec:
    """A rule to create, or a rule's new fields: `type` in/out/group, `action` ACCEPT/DROP/REJECT/group."""

    type: str
    action: str
    enable: bool = True
    macro: str | None = None
    iface: str | None = None
    source: str | None = None
    dest: str | None = None
    proto: str | None = None
    sport: str | None = None
    dport: str | None = None
    icmp_type: str | None = None
    log: str | None = None
    comment: str | None = None

    def params(self) -> dict[str, str | int]:
        """The request parameters PVE's rule methods define (`icmp-type` with its dash), no None values."""
        out: dict[str, str | int] = {
            "type": self.type,
            "action": self.action,
            "enable": 1 if self.enable else 0,
        }
        optional = {
            "macro": self.macro,
            "iface": self.iface,
            "source": self.source,
            "dest": self.dest,
            "proto": self.proto,
            "sport": self.sport,
            "dport": self.dport,
            "icmp-type": self.icmp_type,
            "log": self.log,
            "comment": self.comment,
        }
        out.update((key, value) for key, value in optional.items() if value is not None)
        return out


@dataclass(frozen=True)
class FirewallRule:
    """A rule as PVE lists it, with its position."""

    pos: int
    type: str
    action: str
    enable: bool
    macro: str | None = None
    iface: str | None = None
    source: str | None = None
    dest: str | None = None
    proto: str | None = None
    sport: str | None = None
    dport: str | None = None
    icmp_type: str | None = None
    log: str | None = None
    comment: str | None = None
    ipversion: int | None = None
    digest: str | None = None

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> FirewallRule:
        return cls(
            pos=as_int(data.get("pos")) or 0,
            type=str(data.get("type") or ""),
            action=str(data.get("action") or ""),
            enable=as_bool(data.get("enable")),
            macro=as_str(data.get("macro")),
            iface=as_str(data.get("iface")),
            source=as_str(data.get("source")),
            dest=as_str(data.get("dest")),
            proto=as_str(data.get("proto")),
            sport=as_str(data.get("sport")),
            dport=as_str(data.get("dport")),
            icmp_type=as_str(data.get("icmp-type")),
            log=as_str(data.get("log")),
            comment=as_str(data.get("comment")),
            ipversion=as_int(data.get("ipversion")),
            digest=as_str(data.get("digest")),
        )


@dataclass(frozen=True)
class IpSet:
    name: str
    comment: str | None = None
    digest: str | None = None

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> IpSet:
        return cls(str(data.get("name") or ""), as_str(data.get("comment")), as_str(data.get("digest")))


@dataclass(frozen=True)
class IpSetEntry:
    cidr: str
    comment: str | None = None
    nomatch: bool = False

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> IpSetEntry:
        return cls(str(data.get("cidr") or ""), as_str(data.get("comment")), as_bool(data.get("nomatch")))


@dataclass(frozen=True)
class VncTicket:
    """What the console proxy needs to open the node's VNC websocket; ticket and password stay out of repr."""

    port: int
    user: str
    upid: str
    ticket: str = field(repr=False)
    password: str | None = field(default=None, repr=False)
    cert: str | None = field(default=None, repr=False)

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> VncTicket:
        return cls(
            port=as_int(data.get("port")) or 0,
            user=str(data.get("user") or ""),
            upid=str(data.get("upid") or ""),
            ticket=str(data.get("ticket") or ""),
            password=as_str(data.get("password")),
            cert=as_str(data.get("cert")),
        )


@dataclass(frozen=True)
class RrdPoint:
    """One sample of GET .../rrddata; a metric PVE has no value for (a gap) is None."""

    time: int
    cpu: float | None = None
    maxcpu: float | None = None
    mem: float | None = None
    maxmem: float | None = None
    disk: float | None = None
    maxdisk: float | None = None
    netin: float | None = None
    netout: float | None = None
    diskread: float | None = None
    diskwrite: float | None = None

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> RrdPoint:
        return cls(
            time=as_int(data.get("time")) or 0,
            cpu=as_float(data.get("cpu")),
            maxcpu=as_float(data.get("maxcpu")),
            mem=as_float(data.get("mem")),
            maxmem=as_float(data.get("maxmem")),
            disk=as_float(data.get("disk")),
            maxdisk=as_float(data.get("maxdisk")),
            netin=as_float(data.get("netin")),
            netout=as_float(data.get("netout")),
            diskread=as_float(data.get("diskread")),
            diskwrite=as_float(data.get("diskwrite")),
        )


@dataclass(frozen=True)
class ConnectionCheck:
    """What `proxvps check-server` shows: the PVE version and each node with its state."""

    version: Version
    nodes: tuple[Node, ...]

    @property
    def online_nodes(self) -> tuple[str, ...]:
        return tuple(node.node for node in self.nodes if node.online)
