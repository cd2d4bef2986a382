"""Usage over a billing period from counter readings (SPEC S20).

Proxmox reports network and disk traffic as counters that grow from 0 while a VM runs and start again at 0 when
it restarts. Usage between two readings is the growth; a reading below the one before means a restart, and the
traffic since then is the new reading itself. Nothing is guessed for a gap: without a reading to start from, the
first reading of the period is the starting point.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime

PERIOD_PATTERN = r"^(19|20|21)[0-9]{2}-(0[1-9]|1[0-2])$"
"""A billing period as YYYY-MM (years 1900 to 2199)."""


def counter_growth(baseline: int | None, readings: Iterable[int]) -> int:
    """How much a counter grew over `readings` (in time order), from `baseline`, the last reading before them
    (0 for a VM seen for the first time; None when unknown, then the first reading is the start)."""
    total = 0
    previous = baseline
    for reading in readings:
        if previous is not None:
            total += reading - previous if reading >= previous else reading
        previous = reading
    return total


def period_bounds(period: str) -> tuple[datetime, datetime]:
    """The first instant of the month `period` (YYYY-MM) and of the month after, in UTC."""
    if not re.fullmatch(PERIOD_PATTERN, period):
        raise ValueError(f"{period!r} is not a period of the form YYYY-MM")
    year, month = (int(part) for part in period.split("-"))
    start = datetime(year, month, 1, tzinfo=UTC)
    end = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=UTC)
    return start, end
