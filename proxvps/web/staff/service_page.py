"""One service as staff see it (SPEC S18): its record, live status and use, graphs three to a row, the action log
step by step with timings, grouped by operation, newest first and paged, a red banner with the last error and the
step it happened at, and the buttons of `actions`.

The page reads the database only; the live status and the graphs come after it, from the caches of
`proxvps.lifecycle.live`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from proxvps.domain.transitions import OPERATIONS, operation_for
from proxvps.inventory.choices import StepResult
from proxvps.inventory.models import ActionLog, Service
from proxvps.lifecycle import live
from proxvps.lifecycle.rdns import reverse_entries
from proxvps.web.client import GRAPHS, TIMEFRAME_LABELS
from proxvps.web.fragments import graph_json
from proxvps.web.progress import progress_of
from proxvps.web.staff.actions import available
from proxvps.web.staff.pages import page
from proxvps.web.staff.roles import staff_view

LOG_PAGE = 40


@dataclass
class LogGroup:
    """Consecutive log rows of one operation (one run of it, or the part of it on this page)."""

    operation: str
    label: str
    rows: list[ActionLog] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return any(row.result == StepResult.ERROR for row in self.rows)

    @property
    def duration(self) -> float:
        return round(sum(row.duration for row in self.rows), 2)


def log_groups(rows: list[ActionLog]) -> list[LogGroup]:
    """The rows (newest first) gathered into runs of one operation each."""
    groups: list[LogGroup] = []
    for row in rows:
        if not groups or groups[-1].operation != row.operation:
            known = OPERATIONS.get(row.operation)
            groups.append(LogGroup(row.operation, str(known.label) if known else row.operation))
        groups[-1].rows.append(row)
    return groups


def last_failure(service: Service) -> ActionLog | None:
    """The log row of the error the service shows, when it shows one."""
    if not service.last_error:
        return None
    return ActionLog.objects.filter(service=service, result=StepResult.ERROR).order_by("-started_at", "-pk").first()


def _service(pk: int) -> Service:
    return get_object_or_404(Service.objects.select_related("plan", "server", "template", "request"), pk=pk)


@staff_view()
@require_GET
def service_page(request: HttpRequest, pk: int) -> HttpResponse:
    service = _service(pk)
    timeframe = request.GET.get("timeframe", "hour")
    context: dict[str, Any] = {
        "service": service,
        "addresses": reverse_entries(service),
        "failure": last_failure(service),
        "operation": operation_for(service.state),
        "progress": progress_of(service),
        "actions": available(service),
        "timeframe": timeframe if timeframe in live.TIMEFRAMES else "hour",
        "timeframes": [(value, TIMEFRAME_LABELS[value]) for value in live.TIMEFRAMES],
        "graphs": GRAPHS,
    }
    context.update(_log_context(request, service))
    return page(request, "staff/service.html", context, "services")


def _log_context(request: HttpRequest, service: Service) -> dict[str, Any]:
    rows = ActionLog.objects.filter(service=service).order_by("-started_at", "-pk")
    shown = Paginator(rows, LOG_PAGE).get_page(request.GET.get("log"))
    return {"log_page": shown, "log_groups": log_groups(list(shown.object_list))}


@staff_view()
@require_GET
def action_log(request: HttpRequest, pk: int) -> HttpResponse:
    """The log card, polled while an operation runs, with the state and the error banner swapped out of band: the
    page follows the operation to its end without a reload."""
    service = _service(pk)
    context = {
        "service": service,
        "operation": operation_for(service.state),
        "progress": progress_of(service),
        "failure": last_failure(service),
        "oob": True,
        **_log_context(request, service),
    }
    return render(request, "staff/fragments/log.html", context)


@staff_view()
@require_GET
def status(request: HttpRequest, pk: int) -> HttpResponse:
    """The VM's power state and use now (read fresh every second while an operation runs, else cached 30 s)."""
    service = _service(pk)
    busy = operation_for(service.state) is not None
    context: dict[str, Any] = {"service": service, "busy": busy}
    try:
        vm = live.vm_status(service, fresh=busy)
    except live.LiveUnavailable as error:
        context["unavailable"] = str(error)
    else:
        context.update(
            vm=vm,
            cpu_percent=round((vm.cpu or 0) * 100, 1),
            mem_percent=round(100 * (vm.mem or 0) / vm.maxmem, 1) if vm.maxmem else 0,
            uptime=timedelta(seconds=vm.uptime or 0),
        )
    return render(request, "staff/fragments/status.html", context)


@staff_view()
@require_GET
def graph_data(request: HttpRequest, pk: int, timeframe: str) -> HttpResponse:
    return graph_json(_service(pk), timeframe)
