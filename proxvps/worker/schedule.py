"""When each periodic task runs: its interval, its last pass, and whether it is due.

The rows are created by a data migration; `entry` creates a missing one from the task's default, so a task added
in a later release, or a table emptied by hand, still runs on its default interval.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from proxvps.worker.models import TaskSchedule
from proxvps.worker.results import PassResult


def entry(name: str, default_interval: int) -> TaskSchedule:
    """The task's schedule row."""
    row, _created = TaskSchedule.objects.get_or_create(name=name, defaults={"interval": default_interval})
    return row


def is_due(row: TaskSchedule, now: datetime) -> bool:
    """Enabled (interval > 0) and its interval has passed since its last pass started (or it never ran)."""
    if row.interval <= 0:
        return False
    return row.last_started_at is None or now - row.last_started_at >= timedelta(seconds=row.interval)


def mark_started(name: str, at: datetime | None = None) -> None:
    TaskSchedule.objects.filter(name=name).update(last_started_at=at or timezone.now())


def mark_finished(name: str, result: PassResult, at: datetime | None = None) -> None:
    TaskSchedule.objects.filter(name=name).update(
        last_finished_at=at or timezone.now(), last_processed=result.processed, last_errors=result.errors
    )
