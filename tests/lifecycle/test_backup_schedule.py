"""The backup schedule: the client's weekdays, a time of day drawn at random on every save, bad input refused."""

from __future__ import annotations

import random
from datetime import datetime, time

import pytest
from django.utils import timezone

from proxvps.inventory.models import BackupSchedule, Service
from proxvps.lifecycle.backup_schedule import due_schedules, set_backup_schedule
from proxvps.lifecycle.requests import OrderRefused

pytestmark = pytest.mark.django_db


def _expected_times(seed: int, count: int) -> list[time]:
    rng = random.Random(seed)
    return [time(minute // 60, minute % 60) for minute in (rng.randrange(24 * 60) for _i in range(count))]


def test_every_save_draws_a_new_time_of_day(ready_vm: Service) -> None:
    rng = random.Random(7)
    first = set_backup_schedule(ready_vm, [5, 1, 3, 3], rng=rng)
    assert first is not None
    assert first.weekdays == "135"
    again = set_backup_schedule(ready_vm, [1, 3, 5], rng=rng)
    assert again is not None

    assert [first.time_of_day, again.time_of_day] == _expected_times(7, 2)
    assert first.time_of_day != again.time_of_day
    assert BackupSchedule.objects.get(service=ready_vm).time_of_day == again.time_of_day


def test_no_weekday_removes_the_schedule(ready_vm: Service) -> None:
    set_backup_schedule(ready_vm, [1])
    assert set_backup_schedule(ready_vm, []) is None
    assert not BackupSchedule.objects.filter(service=ready_vm).exists()


@pytest.mark.parametrize(
    "weekdays", [[0], [8], ["1"], [True], [1, 2.0], [1, "2"]], ids=["zero", "eight", "text", "bool", "float", "mixed"]
)
def test_a_day_that_is_not_an_iso_weekday_is_refused_and_nothing_is_saved(ready_vm: Service, weekdays) -> None:
    with pytest.raises(OrderRefused, match=r"^Weekdays are numbered 1 \(Monday\) to 7 \(Sunday\); .+ is not one\.$"):
        set_backup_schedule(ready_vm, weekdays)
    assert not BackupSchedule.objects.exists()


def test_a_package_without_backups_gets_no_schedule(ready_vm: Service) -> None:
    ready_vm.plan.backups_count = 0
    ready_vm.plan.save()
    with pytest.raises(OrderRefused, match=r"^The package of service 5546 includes no backups\.$"):
        set_backup_schedule(ready_vm, [1])
    assert not BackupSchedule.objects.exists()


def test_a_schedule_is_due_on_its_weekdays_once_its_time_has_come(ready_vm: Service) -> None:
    schedule = set_backup_schedule(ready_vm, [1, 3])  # Monday, Wednesday
    assert schedule is not None
    BackupSchedule.objects.filter(pk=schedule.pk).update(time_of_day=time(3, 30))
    monday = timezone.make_aware(datetime(2030, 1, 7, 3, 30))
    assert list(due_schedules(monday)) == [schedule]
    assert list(due_schedules(monday.replace(minute=29))) == [], "not yet"
    assert list(due_schedules(monday.replace(day=8, hour=23))) == [], "Tuesday"
    assert list(due_schedules(monday.replace(day=9, hour=4))) == [schedule]
