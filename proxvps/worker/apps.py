"""The worker app: the periodic tasks, their schedule and locks, service claims and the cron output."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkerConfig(AppConfig):
    name = "proxvps.worker"
    verbose_name = _("Worker")
