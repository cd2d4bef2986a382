"""Automatic backups (SPEC S9): the weekdays a client picks, at a time of day drawn at random each time the schedule
is saved, so that the backups of many VMs spread over the day instead of all starting at once.

Each scheduleBackup pass asks, for every service whose day it is and whose time has come: was today's backup asked
for or made already? Is the package's backup count reached (then the oldest backups are deleted first)? Then a
backup is made. Deletions and the backup are operation requests like a client's, submitted in that order under the
service's row lock, so they run one after the other and wait for whatever runs on the VM.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, time

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from proxvps.domain import states
from proxvps.domain.transitions import ACTIVE_STATES, BACKUP_CREATE
from proxvps.inventory.models import BackupSchedule, Service
from proxvps.lifecycle.backups import (
    backup_limit,
    being_deleted,
    service_backups,
    slots_in_use,
    submit_backup_delete,
)
from proxvps.lifecycle.requests import OrderRefused, checking_vm, open_requests, submit

WEEKDAYS = range(1, 8)
"""ISO weekday numbers: 1 is Monday, 7 is Sunday."""
MINUTES_A_DAY = 24 * 60


def set_backup_schedule(
    service: Service, weekdays: Collection[int], *, rng: random.Random | None = None
) -> BackupSchedule | None:
    """Back the service up on these ISO weekdays (1 = Monday ... 7 = Sunday) at a time of day drawn anew on every
    save; no weekday removes the schedule (None). Refused when the package includes no backups."""
    for day in weekdays:
        if type(day) is not int or day not in WEEKDAYS:
            raise OrderRefused(_("Weekdays are numbered 1 (Monday) to 7 (Sunday); %(day)r is not one.") % {"day": day})
    days = sorted(set(weekdays))
    if not days:
        BackupSchedule.objects.filter(service=service).delete()
        return None
    backup_limit(service)
    minute = (rng or secrets.SystemRandom()).randrange(MINUTES_A_DAY)
    schedule, _created = BackupSchedule.objects.update_or_create(
        service=service,
        defaults={"weekdays": "".join(map(str, days)), "time_of_day": time(minute // 60, minute % 60)},
    )
    return schedule


def due_schedules(now: datetime) -> QuerySet[BackupSchedule]:
    """The schedules whose weekday is today and whose time of day has come (local time), but those of services
    that are gone."""
    local = timezone.localtime(now)
    return (
        BackupSchedule.objects.filter(weekdays__contains=str(local.isoweekday()), time_of_day__lte=local.time())
        .exclude(service__state=states.REMOVE)
        .select_related("service", "service__plan", "service__server")
        .order_by("time_of_day", "service_id")
    )


@dataclass(frozen=True)
class ScheduleOutcome:
    """What a pass did for one schedule: its detail line (after `sid:<id> `), and whether it queued a backup."""

    detail: str
    queued: bool = False


def _day(ctime: int | None) -> date | None:
    """The local day a backup was made on."""
    return datetime.fromtimestamp(ctime, tz=timezone.get_current_timezone()).date() if ctime else None


def run_schedule(schedule: BackupSchedule, now: datetime) -> ScheduleOutcome:
    """Today's backup of the schedule's service, unless it was asked for or made already. Raises OrderRefused
    (with its reason) when the service cannot be backed up now, ProxmoxError-derived refusals included."""
    service = schedule.service
    today = timezone.localdate(now)
    last = schedule.last_run_on
    if last == today:
        return ScheduleOutcome(f"[skipped] already_done_today, last:{today.isoformat()}")
    if service.state != states.READY and service.state not in ACTIVE_STATES:
        return ScheduleOutcome(f"[skipped] not_ready, status:{service.state}")
    limit = backup_limit(service)
    with checking_vm(service) as client:
        if open_requests(service, BACKUP_CREATE).exists():
            return ScheduleOutcome("[skipped] backup_in_progress")
        backups = service_backups(client, service)
        if any(_day(backup.ctime) == today for backup in backups):
            _ran(schedule, today)
            return ScheduleOutcome(f"[skipped] already_done_today, last:{today.isoformat()}")
        in_use = slots_in_use(service, backups)
        deleting = being_deleted(service)
        rotated: list[str] = []
        for oldest in (backup for backup in backups if backup.volid not in deleting):
            if in_use < limit:
                break
            submit_backup_delete(service, oldest, requested_by="scheduleBackup")
            rotated.append(oldest.filename)
            in_use -= 1
        submit(service, BACKUP_CREATE, params={"scheduled": True}, requested_by="scheduleBackup")
        _ran(schedule, today)
    detail = "[success] backup_queued"
    if rotated:
        detail += f", rotated:{' '.join(rotated)}"
    return ScheduleOutcome(f"{detail}, last:{last.isoformat() if last else 'never'}", queued=True)


def _ran(schedule: BackupSchedule, today: date) -> None:
    schedule.last_run_on = today
    schedule.save(update_fields=["last_run_on", "updated_at"])
