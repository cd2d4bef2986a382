"""The operation the data migrations that bring periodic tasks (SPEC S16) share: add each task with its default
interval (seconds; 0 would disable one) unless it is there, and take them away again when migrating back.

It lives beside the migrations and only they use it; the loader skips a module whose name starts with `_`. The
functions are module-level and bound with `partial`, so a squash can still serialize the operations.
"""

from functools import partial

from django.db import migrations


def create(intervals, apps, schema_editor):
    TaskSchedule = apps.get_model("worker", "TaskSchedule")
    for name, interval in intervals.items():
        TaskSchedule.objects.get_or_create(name=name, defaults={"interval": interval})


def remove(intervals, apps, schema_editor):
    apps.get_model("worker", "TaskSchedule").objects.filter(name__in=intervals).delete()


def add_tasks(intervals):
    """A RunPython that adds the tasks of `intervals` (name: seconds) and, backwards, removes them."""
    return migrations.RunPython(partial(create, intervals), partial(remove, intervals))
