"""The three backup tasks of SPEC S16 with their default intervals (seconds; 0 would disable one)."""

from django.db import migrations

from proxvps.worker.migrations._task_rows import add_tasks


class Migration(migrations.Migration):

    dependencies = [
        ("worker", "0002_default_tasks"),
    ]

    operations = [
        add_tasks({"restoreBackupStatus": 60, "nowBackupStatus": 60, "scheduleBackup": 60}),
    ]
