"""The Django admin for the worker: staff change a task's interval (0 disables it) and read its last pass."""

from __future__ import annotations

from django.contrib import admin

from proxvps.worker.models import TaskSchedule, UsageSample


@admin.register(TaskSchedule)
class TaskScheduleAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "interval", "last_started_at", "last_processed", "last_errors", "holder")
    fields = ("name", "interval", "last_started_at", "last_finished_at", "last_processed", "last_errors", "holder")
    readonly_fields = ("name", "last_started_at", "last_finished_at", "last_processed", "last_errors", "holder")

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(UsageSample)
class UsageSampleAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("service", "taken_at", "cpu", "mem", "netin", "netout", "diskread", "diskwrite")
    list_filter = ("taken_at",)
    date_hierarchy = "taken_at"

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False
