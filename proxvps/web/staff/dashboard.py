"""The dashboard (SPEC S18): the fleet at a glance.

The page reads the database only: IP pools with free and used addresses, DNS zones and how their last sync went,
services by state, operations failing now, each periodic task's last pass and lag, mails stuck in the outbox. The
clusters' live use (nodes' CPU, memory and storage, VMs per node) comes after the page, in a fragment fed by one
cached read of /cluster/resources per server (`proxvps.lifecycle.fleet`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from proxvps.domain.transitions import ACTIVE_STATES
from proxvps.inventory.choices import ServiceState
from proxvps.inventory.models import Server, Service
from proxvps.ipam.models import DnsZone, Pool
from proxvps.ipam.usage import pool_usage
from proxvps.lifecycle.fleet import cluster_use
from proxvps.mail.models import OutboxMessage
from proxvps.web.staff.pages import page
from proxvps.web.staff.roles import staff_view
from proxvps.worker.locks import HEARTBEAT_EVERY
from proxvps.worker.models import TaskSchedule

FAILING_SHOWN = 20
STUCK_MAIL_AFTER = timedelta(minutes=10)
"""A mail not sent this long after it was queued counts as stuck (the deliverer tries again within seconds)."""


@dataclass(frozen=True)
class TaskRow:
    """A periodic task's last pass, and how late its next one is."""

    task: TaskSchedule
    lag: timedelta | None
    """How long past its due time the task is (None: disabled or never ran; zero: on time)."""

    @property
    def late(self) -> bool:
        return self.lag is not None and self.lag > timedelta(seconds=max(self.task.interval, HEARTBEAT_EVERY))


def _task_rows(now: datetime) -> list[TaskRow]:
    rows = []
    for task in TaskSchedule.objects.all():
        lag = None
        if task.interval > 0 and task.last_started_at is not None:
            due = task.last_started_at + timedelta(seconds=task.interval)
            lag = max(now - due, timedelta(0))
        rows.append(TaskRow(task, lag))
    return rows


def _worker_alive(tasks: list[TaskRow], now: datetime) -> bool:
    """A worker is alive when some enabled task was started, finished or heartbeaten within twice its interval
    (at least two heartbeats)."""
    for row in tasks:
        task = row.task
        if task.interval <= 0:
            continue
        window = timedelta(seconds=2 * max(task.interval, HEARTBEAT_EVERY))
        signs = [t for t in (task.last_started_at, task.last_finished_at, task.holder_heartbeat) if t is not None]
        if signs and now - max(signs) <= window:
            return True
    return False


def state_counts() -> list[dict[str, object]]:
    """Services per lifecycle state, most first, each with its label."""
    counts = Service.objects.values("state").annotate(count=Count("id")).order_by("-count", "state")
    labels = dict(ServiceState.choices)
    return [
        {"state": row["state"], "label": labels.get(row["state"], row["state"]), "count": row["count"]}
        for row in counts
    ]


@staff_view()
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    tasks = _task_rows(now)
    failing = (
        Service.objects.exclude(last_error="")
        .select_related("plan")
        .only("billing_service_id", "hostname", "state", "last_error", "updated_at", "plan__name")
        .order_by("-updated_at")[:FAILING_SHOWN]
    )
    states = state_counts()
    stuck = OutboxMessage.objects.filter(sent_at__isnull=True, created_at__lt=now - STUCK_MAIL_AFTER)
    context = {
        "servers": list(Server.objects.filter(enabled=True)),
        "pools": pool_usage(Pool.objects.select_related("server").order_by("server__name", "name")),
        "zones": list(DnsZone.objects.order_by("name")),
        "states": states,
        "total_services": sum(int(str(row["count"])) for row in states),
        "in_flight": Service.objects.filter(state__in=ACTIVE_STATES).count(),
        "failing": list(failing),
        "tasks": tasks,
        "worker_alive": _worker_alive(tasks, now),
        "stuck_mails": stuck.count(),
        "stuck_sample": list(stuck.order_by("created_at")[:5]),
    }
    return page(request, "staff/dashboard.html", context, "dashboard")


@staff_view()
@require_GET
def clusters(request: HttpRequest) -> HttpResponse:
    """The live panel: each enabled server's nodes and storages (one cached read per server)."""
    servers = list(Server.objects.filter(enabled=True))
    shown = [(server, cluster_use(server)) for server in servers]
    return render(request, "staff/fragments/clusters.html", {"clusters": shown})
