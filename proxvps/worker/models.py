"""What the worker keeps in the database: each periodic task's schedule and lock, and usage samples.

A TaskSchedule row is both the task's timetable (interval, last run, last result) and its lock (holder and
heartbeat): one row per task, so `proxvps cron --list`, the admin and every worker process read the same facts.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from proxvps.inventory.models import Service


class TaskSchedule(models.Model):
    """One periodic task (SPEC S16): how often it runs, how its last pass went, and who runs it now."""

    name = models.CharField(_("task"), max_length=64, unique=True)
    interval = models.PositiveIntegerField(
        _("interval (s)"), help_text=_("Seconds between two passes; 0 disables the task.")
    )
    last_started_at = models.DateTimeField(_("last pass started"), null=True, blank=True)
    last_finished_at = models.DateTimeField(_("last pass finished"), null=True, blank=True)
    last_processed = models.PositiveIntegerField(_("processed in the last pass"), default=0)
    last_errors = models.PositiveIntegerField(_("errors in the last pass"), default=0)
    # The lock: the process running a pass now (hostname:pid:random), since when, and its last sign of life.
    holder = models.CharField(_("running in"), max_length=100, blank=True)
    holder_since = models.DateTimeField(_("running since"), null=True, blank=True)
    holder_heartbeat = models.DateTimeField(_("last heartbeat"), null=True, blank=True)

    class Meta:
        verbose_name = _("periodic task")
        verbose_name_plural = _("periodic tasks")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class UsageSample(models.Model):
    """A service's usage figures as one read of /cluster/resources showed them (SPEC S20).

    The network and disk figures are PVE's counters (bytes since the VM started), so usage over a period is the
    sum of the increases between samples; CPU is the share in use and memory the bytes in use at that moment.
    """

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="usage_samples")
    taken_at = models.DateTimeField(_("taken at"))
    netin = models.BigIntegerField(_("network in (bytes)"), default=0)
    netout = models.BigIntegerField(_("network out (bytes)"), default=0)
    diskread = models.BigIntegerField(_("disk read (bytes)"), default=0)
    diskwrite = models.BigIntegerField(_("disk written (bytes)"), default=0)
    cpu = models.FloatField(_("CPU share"), default=0.0)
    mem = models.BigIntegerField(_("memory (bytes)"), default=0)

    class Meta:
        verbose_name = _("usage sample")
        verbose_name_plural = _("usage samples")
        ordering = ["service", "taken_at"]
        indexes = [models.Index(fields=["service", "taken_at"], name="usage_service_time")]

    def __str__(self) -> str:
        return f"{self.service_id} @ {self.taken_at:%Y-%m-%d %H:%M:%S}"
