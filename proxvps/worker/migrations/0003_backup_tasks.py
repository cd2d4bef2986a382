"""The three backup tasks of SPEC S16 with their default intervals (seconds; 0 would disable one)."""

from django.db import migrations

DEFAULT_INTERVALS = {
    "restoreBackupStatus": 60,
    "nowBackupStatus": 60,
    "scheduleBackup": 60,
}


def create_tasks(apps, schema_editor):
    TaskSchedule = apps.get_model("worker", "TaskSchedule")
    for name, interval in DEFAULT_INTERVALS.items():
        TaskSchedule.objects.get_or_create(name=name, defaults={"interval": interval})


def remove_tasks(apps, schema_editor):
    apps.get_model("worker", "TaskSchedule").objects.filter(name__in=DEFAULT_INTERVALS).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("worker", "0002_default_tasks"),
    ]

    operations = [
        migrations.RunPython(create_tasks, remove_tasks),
    ]
