"""The periodic tasks of SPEC S16 built so far with their default intervals (seconds; 0 would disable one). The
backup tasks (scheduleBackup, nowBackupStatus, restoreBackupStatus) come with backups themselves."""

from django.db import migrations

DEFAULT_INTERVALS = {
    "processVirtualMachines": 60,
    "removeOldSnapshots": 60,
    "collectingStatistics": 3600,
}


def create_tasks(apps, schema_editor):
    TaskSchedule = apps.get_model("worker", "TaskSchedule")
    for name, interval in DEFAULT_INTERVALS.items():
        TaskSchedule.objects.get_or_create(name=name, defaults={"interval": interval})


def remove_tasks(apps, schema_editor):
    apps.get_model("worker", "TaskSchedule").objects.filter(name__in=DEFAULT_INTERVALS).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("worker", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(create_tasks, remove_tasks),
    ]
