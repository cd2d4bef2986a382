"""The IPAM app: address pools per server and the addresses handed to services."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IpamConfig(AppConfig):
    name = "proxvps.ipam"
    verbose_name = _("IP addresses")
