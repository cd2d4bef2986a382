"""The periodic tasks of SPEC S16 built so far with their default intervals (seconds; 0 would disable one). The
backup tasks (scheduleBackup, nowBackupStatus, restoreBackupStatus) come with backups themselves."""

from django.db import migrations

from proxvps.worker.migrations._task_rows import add_tasks


class Migration(migrations.Migration):

    dependencies = [
        ("worker", "0001_initial"),
    ]

    operations = [
        add_tasks({"processVirtualMachines": 60, "removeOldSnapshots": 60, "collectingStatistics": 3600}),
    ]
