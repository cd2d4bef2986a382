"""Disk sizes as Proxmox writes them (`32G`, `512M`, `4096K`, bare bytes) and as bytes.

Sizes are compared in bytes (a resize must never shrink, and `32G` is not `32768M` as text) and written back
in PVE's own spelling, so a config we write reads the same as one PVE wrote. Units are binary (K = 1024), as
in PVE.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal
from typing import Final

UNITS: Final = {"K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4}
"""PVE's size units, in bytes."""

# PVE's disk-size format: digits, an optional fraction, an optional unit (also spelled KiB, MiB, ...).
_SIZE = re.compile(r"(?P<number>[0-9]+(?:\.[0-9]+)?)(?:(?P<unit>[KMGT])(?:iB)?)?")


def parse_size(text: str) -> int:
    """Bytes in a PVE size string; fractions of a byte are dropped, as PVE does (`1.5G` is 1610612736)."""
    found = _SIZE.fullmatch(text)
    if found is None:
        raise ValueError(f"{text!r} is not a disk size (expected e.g. 32G, 512M, 1.5T or bytes)")
    unit = found["unit"]
    return int(Decimal(found["number"]) * (UNITS[unit] if unit else 1))


def format_size(size_bytes: int) -> str:
    """PVE's spelling of a size: the largest unit that divides it exactly (`32G`, `1536M`, `1000`)."""
    if size_bytes < 0:
        raise ValueError(f"a size cannot be negative: {size_bytes}")
    for unit in "TGMK":
        if size_bytes and size_bytes % UNITS[unit] == 0:
            return f"{size_bytes // UNITS[unit]}{unit}"
    return str(size_bytes)


def gib(amount: float) -> int:
    """Bytes in `amount` GiB: plans give disk sizes in GB, which Proxmox and the seed mean as GiB."""
    if not math.isfinite(amount) or amount < 0:
        raise ValueError(f"a size must be a finite number of at least 0, not {amount!r}")
    exact = Decimal(amount) if isinstance(amount, int) else Decimal(repr(amount))
    return int(exact * UNITS["G"])
