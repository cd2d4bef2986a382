"""The console's permissions and the three staff roles as groups: Viewer, Operator, Administrator."""

from django.db import migrations, models

PERMISSIONS = {
    "view_console": "Can read the staff console",
    "run_operations": "Can run operations on services",
    "administer": "Can change servers, plans, settings and API tokens",
}
ROLES = {
    "Viewer": ("view_console",),
    "Operator": ("view_console", "run_operations"),
    "Administrator": ("view_console", "run_operations", "administer"),
}


def create_roles(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    content_type, _ = ContentType.objects.get_or_create(app_label="web", model="staffconsole")
    permissions = {
        codename: Permission.objects.get_or_create(
            content_type=content_type, codename=codename, defaults={"name": name}
        )[0]
        for codename, name in PERMISSIONS.items()
    }
    for role, codenames in ROLES.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.add(*(permissions[c] for c in codenames))


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.CreateModel(
            name="StaffConsole",
            fields=[("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID"))],
            options={
                "verbose_name": "staff console",
                "managed": False,
                "default_permissions": (),
                "permissions": [
                    ("view_console", "Can read the staff console"),
                    ("run_operations", "Can run operations on services"),
                    ("administer", "Can change servers, plans, settings and API tokens"),
                ],
            },
        ),
        migrations.RunPython(create_roles, remove_roles),
    ]
