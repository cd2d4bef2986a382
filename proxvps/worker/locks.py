"""One pass at a time per periodic task, across every worker process (SPEC S16).

The lock is the task's TaskSchedule row: a pass takes it with a conditional UPDATE that only succeeds when the
row is free, its holder has not heartbeaten for the stale timeout (a process that hung or lost its machine), or
its holder is a process on this host that no longer exists. So a crashed pass never blocks the task for long,
and the database decides between two processes that try at once: exactly one UPDATE matches.

processVirtualMachines takes no task lock: its work is per service, and services are claimed one by one with
leases (see claims.py), which is what lets several workers share it on PostgreSQL.

On SQLite only one worker process may run at all (SQLite cannot share work between processes safely): `proxvps
worker` and `proxvps cron` hold an fcntl lock on a file next to the database while they run (`single_process`).
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

from django.db import connection
from django.db.backends.sqlite3.creation import DatabaseCreation
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from proxvps.worker.identity import is_dead_here
from proxvps.worker.models import TaskSchedule

STALE_AFTER = 600.0
"""Seconds without a heartbeat after which a holder is presumed dead and its lock may be taken over."""
HEARTBEAT_EVERY = 30.0
"""Seconds between two heartbeats of a running pass: well inside STALE_AFTER."""


class LockLostError(Exception):
    """Another process took the task's lock over (it found our heartbeat stale): this pass must stop."""


class AnotherWorkerRunningError(Exception):
    """The SQLite database is already worked on by another process."""


def acquire(name: str, owner: str, stale_after: float = STALE_AFTER) -> bool:
    """Take the task's lock for `owner`; False when a live holder has it."""
    now = timezone.now()
    rows = TaskSchedule.objects.filter(name=name)
    free = (
        Q(holder="") | Q(holder_heartbeat__isnull=True) | Q(holder_heartbeat__lt=now - timedelta(seconds=stale_after))
    )
    taken = dict(holder=owner, holder_since=now, holder_heartbeat=now)
    if rows.filter(free).update(**taken) == 1:
        return True
    current = rows.values_list("holder", flat=True).first()
    # A dead holder on this host: take over from exactly that holder, so two processes that both saw it dead
    # cannot both win.
    return bool(current) and is_dead_here(str(current)) and rows.filter(holder=current).update(**taken) == 1


def heartbeat(name: str, owner: str) -> None:
    """Tell the others the pass is alive. Raises LockLostError if another process took the lock over meanwhile."""
    if TaskSchedule.objects.filter(name=name, holder=owner).update(holder_heartbeat=timezone.now()) != 1:
        raise LockLostError(name)


def beater(name: str, owner: str, every: float = HEARTBEAT_EVERY) -> Callable[[], None]:
    """A heartbeat for a pass to call as often as it likes (between items): it writes at most every `every`
    seconds, so a pass over thousands of services does not write the row thousands of times."""
    last = time.monotonic()

    def beat() -> None:
        nonlocal last
        if time.monotonic() - last >= every:
            heartbeat(name, owner)
            last = time.monotonic()

    return beat


def release(name: str, owner: str) -> None:
    """Free the lock if it is still ours (a lock taken over is left to its new holder)."""
    TaskSchedule.objects.filter(name=name, holder=owner).update(holder="", holder_since=None, holder_heartbeat=None)


def holder_of(name: str) -> TaskSchedule | None:
    return TaskSchedule.objects.filter(name=name).exclude(holder="").first()


def single_process_lock_path() -> Path | None:
    """The lock file of the SQLite database in use (beside it, in the data directory by default); None when the
    database is PostgreSQL, where workers share the work, or an in-memory SQLite that no other process can open."""
    name = str(connection.settings_dict["NAME"])
    if connection.vendor != "sqlite" or DatabaseCreation.is_in_memory_db(name):
        return None
    database = Path(name).resolve()
    return database.with_name(database.name + ".worker-lock")


@contextmanager
def single_process(path: Path | None) -> Iterator[None]:
    """Hold the exclusive lock on `path` (None: nothing to hold) for the block, or raise AnotherWorkerRunningError.

    The kernel drops an fcntl lock when its process ends, however it ends, so a crashed worker never leaves one.
    """
    if path is None:
        yield
        return
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            other = os.pread(descriptor, 32, 0).decode(errors="replace").strip() or "?"
            raise AnotherWorkerRunningError(
                _(
                    "Another proxvps worker or cron (pid %(pid)s) is already running on this SQLite database, and "
                    "SQLite cannot share the work between processes: stop it first or use PostgreSQL."
                )
                % {"pid": other}
            ) from None
        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(descriptor)
