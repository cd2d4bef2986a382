"""The web app: the client area (and, later, the staff area) as Django pages."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    name = "proxvps.web"
    verbose_name = _("Web area")
