"""A VM's NIC (`net0: virtio=BC:24:11:00:00:01,bridge=vmbr0,tag=10,rate=12.5,firewall=1`) read and edited.

The network step sets the bridge, VLAN, rate and firewall flag on the NIC the template brought. Writing a
fresh string instead would drop the MAC (PVE then makes a new one: the guest's interface name, DHCP lease and
the anti-spoofing IPSet no longer match) and any option the template set (`mtu`, `queues`). `NetDevice`
changes only what it is asked to and keeps the rest of the string exactly as it was.
"""

from __future__ import annotations

import enum
import math
import re
from dataclasses import dataclass
from typing import Final

from proxvps.domain.drives import PropertyString

NET_MODELS: Final = frozenset(
    {
        "e1000", "e1000-82540em", "e1000-82544gc", "e1000-82545em", "e1000e", "i82551", "i82557b", "i82559er",
        "ne2k_isa", "ne2k_pci", "pcnet", "rtl8139", "virtio", "vmxnet3",
    }
)  # fmt: skip
"""PVE's NIC models; each is also an option name whose value is the MAC (`virtio=BC:24:11:...`)."""

VLAN_TAGS: Final = range(1, 4095)
"""The VLAN ids PVE accepts as `tag`."""

# PVE's mac-addr format: six octets, the first even (a unicast address).
_MAC = re.compile(r"[0-9A-Fa-f][02468aceACE](?::[0-9A-Fa-f]{2}){5}")
_BRIDGE = re.compile(r"[A-Za-z0-9_.-]+")
_INTEGER = re.compile(r"[0-9]+")
_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)?")
_TRUE: Final = frozenset({"1", "on", "yes", "true"})
_FALSE: Final = frozenset({"0", "off", "no", "false"})


class Keep(enum.Enum):
    """The "leave as it is" default of `NetDevice.with_changes`, where None already means "remove"."""

    KEEP = enum.auto()


KEEP: Final = Keep.KEEP


def normalize_mac(text: str) -> str:
    """`text` as an upper-case unicast MAC (PVE's own spelling); ValueError for anything else."""
    if not _MAC.fullmatch(text) or text == "00:00:00:00:00:00":
        raise ValueError(f"{text!r} is not a unicast MAC address (six hex octets, first octet even)")
    return text.upper()


def _parse_bool(key: str, text: str) -> bool:
    low = text.lower()
    if low in _TRUE:
        return True
    if low in _FALSE:
        return False
    raise ValueError(f"NIC option {key}={text!r} is not a boolean")


def _check_tag(tag: int) -> None:
    if tag not in VLAN_TAGS:
        raise ValueError(f"VLAN tag must be between {VLAN_TAGS.start} and {VLAN_TAGS.stop - 1}, not {tag}")


def _check_rate(rate: float) -> None:
    if not math.isfinite(rate) or rate < 0:
        raise ValueError(f"NIC rate must be a finite number of MB/s of at least 0, not {rate!r}")


def _check_bridge(bridge: str) -> None:
    if not _BRIDGE.fullmatch(bridge):
        raise ValueError(f"{bridge!r} is not a bridge name")


@dataclass(frozen=True)
class NetDevice:
    """A `netN` value: the model and MAC, bridge, VLAN tag, rate and firewall flag, and all other options."""

    value: PropertyString

    def __post_init__(self) -> None:
        model_keys = [key for key, _ in self.value.options if key in NET_MODELS or key == "model"]
        if self.value.value is not None:
            model_keys.append("(bare model)")
        if len(model_keys) != 1:
            raise ValueError(f"NIC {self.value.render()!r} must name exactly one model, found {model_keys}")
        if self.model not in NET_MODELS:
            raise ValueError(f"unknown NIC model {self.model!r}")
        if self._mac_key != "macaddr" and "macaddr" in self.value:
            raise ValueError(f"NIC {self.value.render()!r} gives its MAC twice")
        if self.macaddr is not None:
            normalize_mac(self.macaddr)
        if self.bridge is not None:
            _check_bridge(self.bridge)
        tag = self.value.get("tag")
        if tag is not None:
            if not _INTEGER.fullmatch(tag):
                raise ValueError(f"NIC tag {tag!r} is not a number")
            _check_tag(int(tag))
        rate = self.value.get("rate")
        if rate is not None and not _NUMBER.fullmatch(rate):
            raise ValueError(f"NIC rate {rate!r} is not a number of MB/s")
        firewall = self.value.get("firewall")
        if firewall is not None:
            _parse_bool("firewall", firewall)

    @classmethod
    def parse(cls, text: str) -> NetDevice:
        """Read a `netN` value; ValueError for text PVE would refuse."""
        return cls(PropertyString.parse(text))

    def render(self) -> str:
        return self.value.render()

    def __str__(self) -> str:
        return self.render()

    @property
    def _mac_key(self) -> str:
        """Where the MAC is (or goes): the model option in `virtio=MAC` form, else `macaddr`."""
        return next((key for key, _ in self.value.options if key in NET_MODELS), "macaddr")

    @property
    def model(self) -> str:
        if self._mac_key != "macaddr":
            return self._mac_key
        return self.value.value or self.value.get("model") or ""

    @property
    def macaddr(self) -> str | None:
        """None for a NIC written without a MAC (PVE then picks one when it applies the config)."""
        return self.value.get(self._mac_key)

    @property
    def bridge(self) -> str | None:
        return self.value.get("bridge")

    @property
    def tag(self) -> int | None:
        tag = self.value.get("tag")
        return None if tag is None else int(tag)

    @property
    def rate(self) -> float | None:
        """The bandwidth limit in MB/s; None means unlimited."""
        rate = self.value.get("rate")
        return None if rate is None else float(rate)

    @property
    def firewall(self) -> bool:
        firewall = self.value.get("firewall")
        return firewall is not None and _parse_bool("firewall", firewall)

    def with_changes(
        self,
        *,
        bridge: str | Keep = KEEP,
        tag: int | Keep | None = KEEP,
        rate: float | Keep | None = KEEP,
        macaddr: str | Keep = KEEP,
        firewall: bool | Keep = KEEP,
    ) -> NetDevice:
        """This NIC with the given changes (None removes a tag or rate); the MAC and every other option stay.

        An option already at the wanted value is left as written, so applying the same plan twice yields the
        same string and the step can tell that nothing needs sending.
        """
        value = self.value
        if bridge is not KEEP and bridge != self.bridge:
            _check_bridge(bridge)
            value = value.with_options(bridge=bridge)
        if tag is None:
            value = value.without("tag")
        elif tag is not KEEP and tag != self.tag:
            _check_tag(tag)
            value = value.with_options(tag=tag)
        if rate is None:
            value = value.without("rate")
        elif rate is not KEEP and rate != self.rate:
            _check_rate(rate)
            value = value.with_options(rate=float(rate))
        if macaddr is not KEEP and (self.macaddr is None or normalize_mac(macaddr) != self.macaddr.upper()):
            value = value.with_options(**{self._mac_key: normalize_mac(macaddr)})
        if firewall is not KEEP and firewall != self.firewall:
            value = value.with_options(firewall=firewall)
        return NetDevice(value)
