"""The inventory app: Proxmox clusters, their nodes and templates, plans, and the services sold on them."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InventoryConfig(AppConfig):
    name = "proxvps.inventory"
    verbose_name = _("Inventory")
