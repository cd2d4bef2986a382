"""The staff console's permissions, held by a model with no table (Django keeps permissions per model).

Roles are Django groups made of these (see `proxvps.web.staff.roles`): a viewer reads everything, an operator
also runs operations on services, an administrator also changes servers, plans, settings and API tokens.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class StaffConsole(models.Model):
    """No rows: the holder of the console's permissions."""

    class Meta:
        managed = False
        default_permissions = ()
        verbose_name = _("staff console")
        permissions = [
            ("view_console", _("Can read the staff console")),
            ("run_operations", _("Can run operations on services")),
            ("administer", _("Can change servers, plans, settings and API tokens")),
        ]

    def __str__(self) -> str:
        return str(self._meta.verbose_name)


class SavedFilter(models.Model):
    """The filters a staff member last used on a console list, restored on their next visit (SPEC S18: filters
    remembered per admin)."""

    user = models.ForeignKey("auth.User", on_delete=models.CASCADE, related_name="+")
    page = models.CharField(_("list"), max_length=40)
    values = models.JSONField(_("filters"), default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("saved filter")
        verbose_name_plural = _("saved filters")
        constraints = [models.UniqueConstraint(fields=["user", "page"], name="saved_filter_unique_per_list")]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.page}"
