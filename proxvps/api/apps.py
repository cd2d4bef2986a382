"""The REST API app: tokens for billing systems and staff, and the /api/v1/ endpoints."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "proxvps.api"
    verbose_name = _("REST API")
