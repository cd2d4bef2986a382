"""The periodic tasks of SPEC S16, each a function from a TaskRun to a PassResult, and their registry. The three
backup tasks (scheduleBackup, nowBackupStatus, restoreBackupStatus) are registered when backups are built.

A task handles each item (service, snapshot) on its own: one broken item is logged and counted as an error, and
the pass carries on with the others (SPEC S22).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from django.conf import settings
from django.db.models import Max
from django.utils import timezone

from proxvps.domain import states
from proxvps.domain.transitions import operation_for
from proxvps.inventory.models import Server, Service
from proxvps.lifecycle.context import resources_of
from proxvps.lifecycle.passes import ClusterSnapshot, PassContext
from proxvps.lifecycle.runner import process_service
from proxvps.mail.outbox import deliver_pending
from proxvps.proxmox import ProxmoxError
from proxvps.worker import claims
from proxvps.worker.models import UsageSample
from proxvps.worker.output import CronOutput
from proxvps.worker.results import PassResult

logger = logging.getLogger(__name__)

BATCH = 10
"""Services claimed at a time: small, so the others stay free for the other workers."""
POLL = 1.0
"""Longest sleep between two looks for due services while a pass waits for its in-flight operations."""
DAY = 86400


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

    A step never sleeps: one that started a Proxmox task returns a Wait with a short next_attempt_at. The pass
    keeps going round while such in-flight services come due again within its budget, so a deploy that polls its
    clone still completes in one pass; the worker sleeps (at most POLL seconds at a time), a step never does.
    A service is run again in the same pass only while it is waiting: one that completed, paused, failed or raised
    is settled until the next pass.

    At the end of the pass the mail outbox is delivered: what a step queued and could not send at once (the SMTP
    server was down, or the process died between the commit and the delivery) goes out then.
    """
    deadline = time.monotonic() + run.budget
    claims.free_dead_leases()
    with PassContext() as ctx:
        books = _ProcessPass(run, ctx)
        while not run.stop.is_set() and time.monotonic() < deadline:
            claimed = claims.claim_due(run.owner, BATCH, claims.LEASE_SECONDS, exclude=books.settled)
            if not claimed:
                wake = claims.next_due(books.in_flight)
                if wake is None:
                    break
                wait = max((wake - timezone.now()).total_seconds(), 0.05)
                if time.monotonic() + wait > deadline:
                    break
                run.stop.wait(min(wait, POLL))
                continue
            pending = list(claimed)
            try:
                while pending and not run.stop.is_set():
                    service_id = pending.pop(0)
                    try:
                        if claims.renew(service_id, run.owner, claims.LEASE_SECONDS):
                            books.run_service(service_id)
                    finally:
                        claims.release(service_id, run.owner)
            finally:
                for service_id in pending:  # stopping: give back what we will not run
                    claims.release(service_id, run.owner)
    deliver_pending()
    return books.result()


class _ProcessPass:
    """One processVirtualMachines pass's books: the detail line of each service it ran (the last run's outcome),
    the services settled for this pass, and those waiting for a Proxmox task."""

    def __init__(self, run: TaskRun, ctx: PassContext) -> None:
        self.run = run
        self.ctx = ctx
        self.lines: dict[int, tuple[str, bool]] = {}
        self.settled: set[int] = set()
        self.in_flight: set[int] = set()

    def run_service(self, service_id: int) -> None:
        try:
            report = process_service(service_id, self.run.owner, self.run.output, self.ctx)
        except Exception as error:  # one broken service never stops the pass (SPEC S22)
            self._crashed(service_id, error)
            return
        prefix = f"sid:{report.billing_service_id} action:{report.operation}"
        if report.outcome == "waiting":
            self.in_flight.add(service_id)
            self.lines[service_id] = (f"{prefix} [waiting] {report.message}".rstrip(), False)
            return
        self.settled.add(service_id)
        self.in_flight.discard(service_id)
        if report.outcome == "complete":
            self.lines[service_id] = (f"{prefix} [success]", False)
        elif report.outcome in ("paused", "failed"):
            self.lines[service_id] = (f"{prefix} [{report.message or report.outcome}]", True)

    def _crashed(self, service_id: int, error: Exception) -> None:
        """A run that raised: log it, close its block, and make it due again only after the retry delay, so it is
        not run again at once by this pass or another worker."""
        retry = settings.PROXVPS_RETRY_SECONDS
        logger.exception("The run of service %s raised; it is tried again in %ss.", service_id, retry)
        self.run.output.interrupted(service_id)
        claims.defer(service_id, self.run.owner, retry)
        self.settled.add(service_id)
        self.in_flight.discard(service_id)
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
    """Delete the snapshots of ready services that are older than their plan's snapshot lifetime (SPEC S8).

    The deletions are Proxmox tasks this pass starts and does not wait for: a deletion that fails leaves the
    snapshot in place, and the next pass tries again. Proxmox has no cluster-wide list of snapshots, so this costs
    one call per VM: services whose package allows no snapshot are not asked (their clients cannot make any)."""
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
            cutoff = now - service.plan.snapshot_lifetime_days * DAY
            try:
                client = ctx.client(service.server)
                old = [
                    snapshot.name
                    for snapshot in client.snapshots(service.node, service.vmid)
                    if snapshot.snaptime is not None and snapshot.snaptime < cutoff
                ]
                for name in old:
                    client.delete_snapshot(service.node, service.vmid, name)
            except Exception as error:  # SPEC S22
                logger.exception("Removing old snapshots of service %s failed.", service.pk)
                result.errors += 1
                result.details.append(f"sid:{service.billing_service_id} [{error}]")
                continue
            if old:
                result.processed += 1
                result.details.append(f"sid:{service.billing_service_id} [success] deleted: {', '.join(old)}")
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
                if service.state in states.DEPLOY_STATES:
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
        Task("collectingStatistics", 3600, collect_statistics),
    )
}
"""Every periodic task in the order a cron pass runs them (the seed's order)."""
