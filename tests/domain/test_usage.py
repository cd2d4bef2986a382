"""Usage from counter readings: growth between readings, a restart counted from zero, no guess over a gap."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from proxvps.domain.usage import counter_growth, period_bounds


def test_growth_is_summed_between_readings_from_the_baseline() -> None:
    assert counter_growth(100, [150, 175, 175]) == 75


def test_a_reading_below_the_one_before_is_a_restart_counted_from_zero() -> None:
    assert counter_growth(100, [150, 30, 40]) == 50 + 30 + 10


def test_a_new_vm_counts_from_zero() -> None:
    assert counter_growth(0, [70]) == 70


def test_without_a_starting_reading_the_first_reading_is_the_start() -> None:
    assert counter_growth(None, [500, 520]) == 20
    assert counter_growth(None, []) == 0


def test_a_period_is_its_month_in_utc_and_december_ends_in_january() -> None:
    assert period_bounds("2026-12") == (datetime(2026, 12, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))
    assert period_bounds("2024-02")[1] == datetime(2024, 3, 1, tzinfo=UTC)


@pytest.mark.parametrize("period", ["2026-13", "2026-00", "0999-01", "2026-1", "2026-01-01", ""])
def test_a_malformed_period_is_refused(period: str) -> None:
    with pytest.raises(ValueError, match="YYYY-MM"):
        period_bounds(period)
