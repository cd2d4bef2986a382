"""A service's resources: the plan's defaults overridden by the client's configurable options (SPEC S3).

WHMCS hands us `configoptions` as a name -> value mapping. The name is the part before a `|` in the admin's
option name (`RAM|Memory` arrives as `RAM`); a dropdown's value is the part before the `|` of the chosen
sub-option (`2048|2 GB` arrives as `2048`, or, from older setups, as the whole text). Products set up for the
seed before v3.3 use short legacy names (`CPU`, `RAM`, `ipv4`, `ipv6`, `OS`, `B`, `S`); v3.3 added the 18
plain names. Both keep working, and when a product has both the plain one wins, as in the seed.

Nothing is guessed: a value that is not a whole number in range, or a name that is none of ours, is refused
with a message naming the option, and every problem of an order is reported at once so the admin fixes the
product in one go instead of one error per order attempt.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Final

DATABASE_INT_MAX: Final = 2**31 - 1
"""The largest value an integer database column holds: the ceiling where the spec sets none (IOPS, MB/s)."""


@dataclass(frozen=True, kw_only=True)
class Resources:
    """What one service gets, in explicit units. Always within bounds: an instance that exists is deployable.

    Keyword-only: eighteen numbers in a row are too easy to pass in the wrong order. A bandwidth or IOPS of 0
    means unlimited; an additional disk of 0 means none.
    """

    cpu_cores: int
    ram_mb: int
    system_disk_gb: int
    additional_disk_gb: int
    system_disk_read_mbps: int
    system_disk_write_mbps: int
    system_disk_read_iops: int
    system_disk_write_iops: int
    additional_disk_read_mbps: int
    additional_disk_write_mbps: int
    additional_disk_read_iops: int
    additional_disk_write_iops: int
    network_mbps: int
    ipv4_count: int
    ipv6_count: int
    backups_count: int
    snapshots_count: int
    operating_system: str | None
    """The name the client picked (the caller resolves it to a template); None: the plan's default."""

    def __post_init__(self) -> None:
        for spec in OPTIONS:
            value = getattr(self, spec.field)
            if spec.is_number:
                if isinstance(value, bool) or not isinstance(value, int) or value not in spec.bounds:
                    raise ValueError(f"{spec.field} must be {spec.describe_bounds()}, not {value!r}")
            elif value is not None and (not isinstance(value, str) or not _is_name(value)):
                raise ValueError(f"{spec.field} must be None or an operating system name, not {value!r}")


@dataclass(frozen=True)
class OptionSpec:
    """One configurable option: its plain name, its legacy name, the field it sets, its unit and bounds."""

    plain_name: str
    field: str
    legacy_name: str | None = None
    unit: str = ""
    """How a number of it is counted in messages ("MB", "cores"); empty for the operating system, a name."""
    minimum: int = 0
    maximum: int = DATABASE_INT_MAX

    @property
    def is_number(self) -> bool:
        return bool(self.unit)

    @property
    def bounds(self) -> range:
        return range(self.minimum, self.maximum + 1)

    def describe_bounds(self) -> str:
        return f"{self.minimum} to {self.maximum} {self.unit}"


OPTIONS: Final = (
    OptionSpec("CPU Cores", "cpu_cores", "CPU", "cores", 1, 512),
    OptionSpec("RAM", "ram_mb", "RAM", "MB", 16, 16 * 1024 * 1024),
    OptionSpec("System Disk", "system_disk_gb", None, "GB", 1, 65536),
    OptionSpec("Additional Disk", "additional_disk_gb", None, "GB", 0, 65536),
    OptionSpec("System Disk Read Bandwidth", "system_disk_read_mbps", None, "MB/s"),
    OptionSpec("System Disk Write Bandwidth", "system_disk_write_mbps", None, "MB/s"),
    OptionSpec("System Disk Read IOPS", "system_disk_read_iops", None, "IOPS"),
    OptionSpec("System Disk Write IOPS", "system_disk_write_iops", None, "IOPS"),
    OptionSpec("Additional Disk Read Bandwidth", "additional_disk_read_mbps", None, "MB/s"),
    OptionSpec("Additional Disk Write Bandwidth", "additional_disk_write_mbps", None, "MB/s"),
    OptionSpec("Additional Disk Read IOPS", "additional_disk_read_iops", None, "IOPS"),
    OptionSpec("Additional Disk Write IOPS", "additional_disk_write_iops", None, "IOPS"),
    OptionSpec("Network Bandwidth", "network_mbps", None, "MB/s"),
    OptionSpec("IPv4 Addresses", "ipv4_count", "ipv4", "addresses", 0, 256),
    OptionSpec("IPv6 Addresses", "ipv6_count", "ipv6", "addresses", 0, 256),
    OptionSpec("Backups", "backups_count", "B", "backups", 0, 100),
    OptionSpec("Snapshots", "snapshots_count", "S", "snapshots", 0, 100),
    OptionSpec("Operating System", "operating_system", "OS"),
)
"""The 18 configurable options in SPEC S3's order; the admin pages list them in this order too."""

PLAIN_NAMES: Final[Mapping[str, OptionSpec]] = MappingProxyType({spec.plain_name: spec for spec in OPTIONS})
"""Plain names, matched exactly (surrounding spaces aside)."""
LEGACY_NAMES: Final[Mapping[str, OptionSpec]] = MappingProxyType(
    {spec.legacy_name.casefold(): spec for spec in OPTIONS if spec.legacy_name}
)
"""Legacy names, case-folded: the seed matched them without regard to case."""

_WHOLE_NUMBER = re.compile(r"-?[0-9]+")


class OptionError(ValueError):
    """Configurable options we cannot apply; `problems` lists every (option name, message) pair found."""

    def __init__(self, problems: Iterable[tuple[str, str]]) -> None:
        self.problems: list[tuple[str, str]] = list(problems)
        if not self.problems:
            raise ValueError("an OptionError needs at least one problem")
        super().__init__(" ".join(message for _, message in self.problems))


def _is_name(text: str) -> bool:
    """Whether `text` can be an operating system name: not blank, no line break or other control character."""
    return bool(text.strip()) and text.isprintable()


def _is_unset(raw: object) -> bool:
    """WHMCS sends options a service does not have as empty values: those leave the default alone."""
    return raw is None or (isinstance(raw, str) and not raw.strip())


def _shown(raw: object) -> str:
    """The value as the admin typed it, quoted, for a message."""
    return json.dumps(raw.strip(), ensure_ascii=False) if isinstance(raw, str) else repr(raw)


def _parse(spec: OptionSpec, name: str, raw: object) -> int | str:
    """The value `raw` gives option `spec`; ValueError with the message for the admin otherwise."""
    prefix = f'Option "{name}": {_shown(raw)}'
    if isinstance(raw, int) and not isinstance(raw, bool):
        text = str(raw)
    elif isinstance(raw, str):
        text = raw.partition("|")[0].strip()
        if not text:
            raise ValueError(f'{prefix} has no value before the "|".')
    else:
        text = ""
    if not spec.is_number:
        if not _is_name(text):
            raise ValueError(f"{prefix} is not an operating system name.")
        return text
    if not _WHOLE_NUMBER.fullmatch(text):
        raise ValueError(f"{prefix} is not a whole number of {spec.unit}.")
    value = int(text)
    if value not in spec.bounds:
        raise ValueError(f"{prefix} is out of range: it must be {spec.describe_bounds()}.")
    return value


def _lookup(name: str) -> tuple[OptionSpec, bool] | None:
    """The option `name` sets and whether it is the plain name, or None for a name that is none of ours."""
    if spec := PLAIN_NAMES.get(name):
        return spec, True
    if spec := LEGACY_NAMES.get(name.casefold()):
        return spec, False
    return None


def _unknown(name: str) -> str:
    hint = next((plain for plain in PLAIN_NAMES if plain.casefold() == name.casefold()), None)
    known = f' Did you mean "{hint}"? Plain names are matched exactly.' if hint else ""
    return f'Option "{name}" is not one of ours: remove it from the product or rename it.{known}'


def resolve_resources(defaults: Resources, options: Mapping[str, object]) -> Resources:
    """The plan's `defaults` with every set option applied; OptionError lists every problem at once.

    Names are read as WHMCS does (the part before a `|`, spaces around ignored), so a bridge that forwards the
    admin's whole option name works too. A name given twice in the same form (`CPU` and `cpu`) is refused
    rather than one picked at random. The value of a legacy option that a plain one overrides is not read at
    all: the seed ignored it, and refusing orders over an option that changes nothing helps nobody.
    """
    problems: list[tuple[str, str]] = []
    given: dict[OptionSpec, dict[bool, list[tuple[str, object]]]] = {}
    for key, raw in options.items():
        if _is_unset(raw):
            continue
        name = key.partition("|")[0].strip()
        found = _lookup(name)
        if found is None:
            problems.append((name, _unknown(name)))
            continue
        spec, plain = found
        given.setdefault(spec, {}).setdefault(plain, []).append((name, raw))
    changes: dict[str, Any] = {}
    for spec in OPTIONS:
        forms = given.get(spec, {})
        entries = forms.get(True) or forms.get(False) or []
        if len(entries) > 1:
            names = " and ".join(f'"{name}"' for name, _ in entries)
            problems.append((entries[0][0], f'Option "{spec.plain_name}" is given more than once, as {names}.'))
        elif entries:
            name, raw = entries[0]
            try:
                changes[spec.field] = _parse(spec, name, raw)
            except ValueError as error:
                problems.append((name, str(error)))
    if problems:
        raise OptionError(problems)
    return dataclasses.replace(defaults, **changes)


def validate_addressing(resources: Resources, dhcp: bool) -> None:
    """Refuse a service that would have no address: one IPv4 or one IPv6 address is enough (IPv6-only VMs are
    sold), none at all only works on a plan whose VMs get their address by DHCP (SPEC S11)."""
    if not dhcp and resources.ipv4_count + resources.ipv6_count == 0:
        raise OptionError(
            [
                (
                    "IPv4 Addresses",
                    'Options "IPv4 Addresses" and "IPv6 Addresses" are both 0: a service needs at least one '
                    "address unless its plan uses DHCP.",
                )
            ]
        )


def shrinks(current: Resources, new: Resources) -> list[str]:
    """The disk fields `new` would make smaller than `current`: Proxmox cannot shrink a disk (SPEC S5).

    An additional disk going to 0 is no shrink but a deletion, which the change-package step does on purpose.
    """
    smaller = []
    if new.system_disk_gb < current.system_disk_gb:
        smaller.append("system_disk_gb")
    if 0 < new.additional_disk_gb < current.additional_disk_gb:
        smaller.append("additional_disk_gb")
    return smaller
