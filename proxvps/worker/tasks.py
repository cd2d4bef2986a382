"""The periodic tasks of SPEC S16, each a function from a TaskRun to a PassResult, and their registry.

A task handles each item (service, snapshot) on its own: one broken item is logged and counted as an error, and
the pass carries on with the others (SPEC S22).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from django.db.models import Max
from django.utils import timezone

from proxvps.domain import states
from proxvps.domain.transitions import BACKUP_CREATE, BACKUP_DELETE, BACKUP_RESTORE, DEPLOY, Operation, operation_for
from proxvps.inventory import tunables
from proxvps.inventory.models import Server, Service
from proxvps.lifecycle.backup_schedule import due_schedules, run_schedule
from proxvps.lifecycle.context import resources_of
from proxvps.lifecycle.passes import ClusterSnapshot, PassContext
from proxvps.lifecycle.requests import OrderRefused
from proxvps.lifecycle.runner import load_service, process_service
from proxvps.lifecycle.snapshots import request_expired_deletes
from proxvps.mail.outbox import deliver_pending
from proxvps.proxmox import ProxmoxError, TaskRef
from proxvps.worker import claims
from proxvps.worker.models import UsageSample
from proxvps.worker.output import CronOutput, spell_seconds
from proxvps.worker.results import PassResult

logger = logging.getLogger(__name__)

BATCH = 10
"""Services claimed at a time: small, so the others stay free for the other workers."""
HELD = 100
"""Services one pass holds at most (running or waiting for their tasks); it claims more only below that."""
POLL = 1.0
"""Longest sleep between two looks for due services while a pass waits for its in-flight operations."""


@dataclass(frozen=True)
class TaskRun:
    """What a pass gets from the worker: its name for leases, where to print, a heartbeat for its lock (raises
    LockLostError when the lock was taken over), the stop signal, and how long it may run."""

    owner: str
    output: CronOutput
    beat: Callable[[], None]
    stop: threading.Event
    budget: float


@dataclass(frozen=True)
class Task:
    name: str
    default_interval: int
    run: Callable[[TaskRun], PassResult]
    locked: bool = True
    """One pass at a time across processes; processVirtualMachines shares its services through claims instead."""


# ------------------------------------------------------------------------------------- processVirtualMachines


def process_virtual_machines(run: TaskRun) -> PassResult:
    """Advance every due service's state machine, claiming services in small batches so that several workers
    (on PostgreSQL) share them.

    A step never sleeps: one that started a Proxmox task returns a Wait saying when to look again. The pass keeps
    the lease of such a waiting service (up to HELD of them) and runs it again when that time comes, within its
    budget, so a deploy that polls its clone still completes in one pass without being given back and claimed
    again at every look; each run reads the service afresh. The worker sleeps (at most POLL seconds at a time), a
    step never does. A service is run again in the same pass only while it is waiting: one that completed,
    paused, failed or raised is settled (and given back) until the next pass; at the end of the pass the waiting
    ones are given back too, due when their step said.

    At the end of the pass the mail outbox is delivered: what a step queued and could not send at once (the SMTP
    server was down, or the process died between the commit and the delivery) goes out then.
    """
    deadline = time.monotonic() + run.budget
    claims.free_dead_leases()
    with PassContext() as ctx:
        books = _ProcessPass(run, ctx)
        try:
            look_for_work = 0.0
            while not run.stop.is_set() and time.monotonic() < deadline:
                due = books.due_now()
                if not due and len(books.waiting) < HELD and time.monotonic() >= look_for_work:
                    due = claims.claim_due(run.owner, BATCH, claims.LEASE_SECONDS, exclude=books.settled)
                    books.hold(due)
                    # None found: look for new work again in POLL seconds, not at every wake of a waiting service.
                    look_for_work = 0.0 if due else time.monotonic() + POLL
                if due:
                    for service_id in due:
                        if not run.stop.is_set():
                            books.run_service(service_id)
                    continue
                wake = books.next_wake()
                if wake is None or wake > deadline:
                    break
                run.stop.wait(min(max(wake - time.monotonic(), 0.0), POLL))
        finally:
            books.give_back()  # stopping, or out of budget: the waiting services go back, due when their step said
    deliver_pending()
    return books.result()


class _ProcessPass:
    """One processVirtualMachines pass's books: the detail line of each service it ran (the last run's outcome),
    the services settled for this pass, and those whose lease it holds with when to run them next."""

    def __init__(self, run: TaskRun, ctx: PassContext) -> None:
        self.run = run
        self.ctx = ctx
        self.lines: dict[int, tuple[str, bool]] = {}
        self.settled: set[int] = set()
        self.waiting: dict[int, float] = {}
        """Held services by the monotonic time at which they are run next (claimed ones: now)."""
        self.kept: dict[int, Service] = {}
        """The waiting services as their last run left them: run again as they are while their row is unchanged."""

    def hold(self, service_ids: list[int]) -> None:
        now = time.monotonic()
        self.waiting.update(dict.fromkeys(service_ids, now))

    def due_now(self) -> list[int]:
        """The held services whose time has come, soonest first."""
        now = time.monotonic()
        return sorted((sid for sid, at in self.waiting.items() if at <= now), key=self.waiting.__getitem__)

    def next_wake(self) -> float | None:
        return min(self.waiting.values(), default=None)

    def give_back(self) -> None:
        for service_id in self.waiting:
            claims.release(service_id, self.run.owner)
        self.waiting.clear()
        self.kept.clear()

    def _settle(self, service_id: int) -> None:
        self.waiting.pop(service_id, None)
        self.settled.add(service_id)
        claims.release(service_id, self.run.owner)

    def run_service(self, service_id: int) -> None:
        owner, kept = self.run.owner, self.kept.pop(service_id, None)
        # The copy kept from the service's last run is run again only if no one wrote the row since.
        if kept is not None and not claims.renew(service_id, owner, claims.LEASE_SECONDS, kept.updated_at):
            kept = None
        if kept is None and not claims.renew(service_id, owner, claims.LEASE_SECONDS):
            self.waiting.pop(service_id, None)  # not ours any more: another worker took it over
            self.settled.add(service_id)
            return
        try:
            service = kept or load_service(service_id)
            report = process_service(service, owner, self.run.output, self.ctx)
        except Exception as error:  # one broken service never stops the pass (SPEC S22)
            self._crashed(service_id, error)
            return
        prefix = f"sid:{report.billing_service_id} action:{report.operation}"
        if report.outcome == "waiting":
            self.kept[service_id] = service
            self.waiting[service_id] = time.monotonic() + report.after
            self.lines[service_id] = (f"{prefix} [waiting] {report.message}".rstrip(), False)
            return
        self._settle(service_id)
        if report.outcome == "complete":
            self.lines[service_id] = (f"{prefix} [success]", False)
        elif report.outcome in ("paused", "failed"):
            self.lines[service_id] = (f"{prefix} [{report.message or report.outcome}]", True)

    def _crashed(self, service_id: int, error: Exception) -> None:
        """A run that raised: log it, close its block, and make it due again only after the retry delay, so it is
        not run again at once by this pass or another worker."""
        retry = tunables.value("PROXVPS_RETRY_SECONDS")
        logger.exception("The run of service %s raised; it is tried again in %ss.", service_id, retry)
        self.run.output.interrupted(service_id)
        claims.defer(service_id, self.run.owner, retry)
        self._settle(service_id)
        found = Service.objects.filter(pk=service_id).values_list("billing_service_id", "state").first()
        sid, state = found or (str(service_id), "")
        operation = operation_for(state)
        self.lines[service_id] = (f"sid:{sid} action:{operation.name if operation else '-'} [{error}]", True)

    def result(self) -> PassResult:
        return PassResult(
            processed=len(self.lines),
            errors=sum(error for _text, error in self.lines.values()),
            details=[text for text, _error in self.lines.values()],
        )


# ----------------------------------------------------------------------------------------- removeOldSnapshots


def remove_old_snapshots(run: TaskRun) -> PassResult:
    """Ask for the deletion of the snapshots of ready services that are older than their plan's snapshot lifetime
    (SPEC S8).

    Each deletion is a snapshot_delete request, as a client's is, rather than a Proxmox call made here: it runs as
    an operation of its own, so it never touches a VM while a backup or restore runs on it, and the service's log
    shows it. Only ready services are read; a busy one is looked at by a later pass. Proxmox has no cluster-wide
    list of snapshots, so this costs one call per VM: services whose package allows no snapshot are not asked
    (their clients cannot make any)."""
    result = PassResult()
    now = timezone.now().timestamp()
    services = (
        Service.objects.filter(state=states.READY, vmid__isnull=False, server__enabled=True)
        .exclude(node="")
        .select_related("plan", "server")
        .order_by("pk")
    )
    with PassContext() as ctx:
        for service in services:
            if run.stop.is_set():
                break
            run.beat()
            assert service.server is not None  # filtered above
            assert service.vmid is not None
            if resources_of(service).snapshots_count == 0:
                continue
            try:
                found = ctx.client(service.server).snapshots(service.node, service.vmid)
                expired = request_expired_deletes(service, found, now, requested_by="removeOldSnapshots")
            except Exception as error:  # SPEC S22
                logger.exception("Removing old snapshots of service %s failed.", service.pk)
                result.errors += 1
                result.details.append(f"sid:{service.billing_service_id} [{error}]")
                continue
            if expired:
                result.processed += 1
                result.details.append(f"sid:{service.billing_service_id} [success] deleting: {', '.join(expired)}")
    return result


# ----------------------------------------------------------------------------------------------- scheduleBackup


def schedule_backup(run: TaskRun) -> PassResult:
    return schedule_backups(run, timezone.now())


def schedule_backups(run: TaskRun, now: datetime) -> PassResult:
    """Today's automatic backups (SPEC S9) of the services whose weekday it is and whose time of day has come at
    `now`: skipped when already asked for or made today, the oldest deleted first when the package's count is
    reached. Only the services it did something for, or had a reason to skip, get a detail line."""
    result = PassResult()
    for schedule in due_schedules(now):
        if run.stop.is_set():
            break
        run.beat()
        sid = schedule.service.billing_service_id
        try:
            outcome = run_schedule(schedule, now)
        except OrderRefused as refusal:
            result.details.append(f"sid:{sid} [skipped] {refusal}")
            continue
        except Exception as error:  # SPEC S22
            logger.exception("The scheduled backup of service %s failed.", schedule.service_id)
            result.errors += 1
            result.details.append(f"sid:{sid} [{error}]")
            continue
        result.processed += outcome.queued
        result.details.append(f"sid:{sid} {outcome.detail}")
    return result


# ----------------------------------------------------------------------------- nowBackupStatus, restoreBackupStatus


def now_backup_status(run: TaskRun) -> PassResult:
    """The backups being made or deleted now, each with its Proxmox task (SPEC S16)."""
    return _follow(run, (BACKUP_CREATE, BACKUP_DELETE))


def restore_backup_status(run: TaskRun) -> PassResult:
    """The restores running now, each with its Proxmox task or the step it is at, and the restores that failed and
    wait for a retry or a reinstall (counted as errors until someone acts)."""
    return _follow(run, (BACKUP_RESTORE,), failed=states.ERROR_RESTORE)


def _follow(run: TaskRun, operations: tuple[Operation, ...], failed: str | None = None) -> PassResult:
    """One line per service in one of these operations: its Proxmox task (running, finished or failed, read without
    touching the VM), or the state it is at between tasks. It only reports: processVirtualMachines runs the steps,
    under the service's lease, so this never races a step."""
    result = PassResult()
    watched = set().union(*(operation.states for operation in operations))
    services = (
        Service.objects.filter(state__in=watched | ({failed} if failed else set()))
        .select_related("server")
        .order_by("pk")
    )
    now = timezone.now()
    with PassContext() as ctx:
        for service in services:
            if run.stop.is_set():
                break
            run.beat()
            prefix = f"sid:{service.billing_service_id}"
            result.processed += 1
            if service.state == failed:
                result.errors += 1
                result.details.append(f"{prefix} [{service.last_error or service.state_label}] status:{service.state}")
                continue
            operation = operation_for(service.state)
            action = f"action:{operation.name if operation else '-'}"
            if not service.task_upid or service.server is None:
                result.details.append(f"{prefix} [in_progress] {action}, status:{service.state}")
                continue
            ref = TaskRef.from_upid(service.task_upid)
            try:
                task = ctx.client(service.server).task_result(ref)
            except ProxmoxError as error:
                result.errors += 1
                result.details.append(f"{prefix} [{error}] {action}")
                continue
            if task is None:
                since = service.step_started_at or now
                result.details.append(
                    f"{prefix} [running] {action}, task:{ref.type}, {spell_seconds((now - since).total_seconds())}"
                )
            elif task.ok:
                result.details.append(f"{prefix} [finished] {action}, task:{ref.type}")
            else:
                result.errors += 1
                result.details.append(f"{prefix} [{task.message}] {action}, task:{ref.type}")
    return result


# --------------------------------------------------------------------------------------- collectingStatistics


def collect_statistics(run: TaskRun) -> PassResult:
    """Store a usage sample of every service with a VM, from one read of /cluster/resources per server (never
    one call per VM), for graphs and usage billing (SPEC S20). A service whose node is not known yet (still
    deploying) is skipped (SPEC S22)."""
    result = PassResult()
    taken_at = timezone.now()
    services = list(
        Service.objects.filter(server__isnull=False, server__enabled=True, vmid__isnull=False)
        .exclude(state=states.REMOVE)
        .select_related("server")
        .order_by("pk")
    )
    last = dict(
        UsageSample.objects.filter(service__in=services)
        .values("service")
        .annotate(at=Max("taken_at"))
        .values_list("service", "at")
    )
    samples: list[UsageSample] = []
    with PassContext() as ctx:
        clusters: dict[int, ClusterSnapshot | str] = {}
        for service in services:
            if run.stop.is_set():
                break
            run.beat()
            sid = service.billing_service_id
            assert service.server is not None  # filtered above
            assert service.vmid is not None
            if not service.node:
                result.details.append(f"sid:{sid} [skipped] node not known yet")
                continue
            cluster = _cluster(ctx, service.server, clusters)
            if isinstance(cluster, str):
                result.errors += 1
                result.details.append(f"sid:{sid} [{cluster}]")
                continue
            vm = cluster.vms.get(service.vmid)
            if vm is None:
                if service.state in DEPLOY.states:
                    result.details.append(f"sid:{sid} [skipped] VM not created yet")
                else:
                    result.errors += 1
                    result.details.append(f"sid:{sid} [VM {service.vmid} is not on {service.server.name}]")
                continue
            samples.append(
                UsageSample(
                    service=service,
                    taken_at=taken_at,
                    netin=vm.netin or 0,
                    netout=vm.netout or 0,
                    diskread=vm.diskread or 0,
                    diskwrite=vm.diskwrite or 0,
                    cpu=vm.cpu or 0.0,
                    mem=vm.mem or 0,
                )
            )
            previous = last.get(service.pk)
            since = timezone.localtime(previous).strftime("%Y-%m-%d %H:%M:%S") if previous else "never"
            result.processed += 1
            result.details.append(f"sid:{sid} [success] last:{since}, collected")
    UsageSample.objects.bulk_create(samples)
    return result


def _cluster(ctx: PassContext, server: Server, seen: dict[int, ClusterSnapshot | str]) -> ClusterSnapshot | str:
    """The server's resources, or why they could not be read (asked once per pass, failure included)."""
    if server.pk not in seen:
        try:
            seen[server.pk] = ctx.snapshot(server)
        except ProxmoxError as error:
            logger.warning("Reading the resources of %s failed: %s", server.name, error)
            seen[server.pk] = str(error)
    return seen[server.pk]


TASKS: Final[dict[str, Task]] = {
    task.name: task
    for task in (
        Task("processVirtualMachines", 60, process_virtual_machines, locked=False),
        Task("removeOldSnapshots", 60, remove_old_snapshots),
        Task("restoreBackupStatus", 60, restore_backup_status),
        Task("nowBackupStatus", 60, now_backup_status),
        Task("scheduleBackup", 60, schedule_backup),
        Task("collectingStatistics", 3600, collect_statistics),
    )
}
"""Every periodic task in the order a cron pass runs them (the seed's order)."""
