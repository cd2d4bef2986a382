from django.db import migrations, models


def remember_groups(apps, schema_editor):
    """Existing plans and groups start with what they point at now."""
    Plan = apps.get_model("inventory", "Plan")
    ServerGroup = apps.get_model("inventory", "ServerGroup")
    for group in ServerGroup.objects.all():
        group.server_names = sorted(group.servers.values_list("name", flat=True))
        group.save(update_fields=["server_names"])
        Plan.objects.filter(server_group=group).update(server_group_name=group.name)


class Migration(migrations.Migration):
    dependencies = [
        ("inventory", "0007_client_permissions_template_names_reverse_names"),
    ]

    operations = [
        migrations.AddField(
            model_name="plan",
            name="server_group_name",
            field=models.CharField(
                blank=True,
                editable=False,
                help_text="Kept when the group is deleted, so the plan can say which group it lost.",
                max_length=100,
                verbose_name="server group as last chosen",
            ),
        ),
        migrations.AddField(
            model_name="servergroup",
            name="server_names",
            field=models.JSONField(
                blank=True,
                default=list,
                editable=False,
                help_text="The names of the servers chosen at the last save: a deleted one is named in the plan's warning.",
                verbose_name="servers as last chosen",
            ),
        ),
        migrations.AddField(
            model_name="template",
            name="client_description",
            field=models.TextField(
                blank=True,
                help_text="A line or two on what the system is for, shown beside its name when a client picks one.",
                verbose_name="description shown to clients",
            ),
        ),
        migrations.RunPython(remember_groups, migrations.RunPython.noop),
    ]
