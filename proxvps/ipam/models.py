"""IP pools and addresses (SPEC S11).

A Pool is one subnet of one server (IPv4 or IPv6) with the gateway, resolvers, bridge and VLAN its addresses
use; its Ranges say which addresses of the subnet may be handed out. An Address row exists for each address
handed to a service: the unique constraint on (pool, ip) is what makes a double allocation impossible, whatever
the code above it does.

`Address.ip_key` is the address as 32 hex digits. Fixed-width hex sorts and compares like the number on every
database (SQLite stores `ip` as text, where "10.0.0.9" > "10.0.0.10"), so allocation can ask the database for the
allocated addresses of a range window, in order, through the (pool, ip_key) index instead of reading them all.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class Pool(models.Model):
    server = models.ForeignKey("inventory.Server", on_delete=models.CASCADE, related_name="pools")
    name = models.CharField(_("name"), max_length=100)
    network = models.CharField(_("network"), max_length=50, help_text=_("CIDR, for example 192.0.2.0/24"))
    gateway = models.GenericIPAddressField(_("gateway"), null=True, blank=True)
    dns1 = models.GenericIPAddressField(_("DNS server 1"), null=True, blank=True)
    dns2 = models.GenericIPAddressField(_("DNS server 2"), null=True, blank=True)
    bridge = models.CharField(_("bridge"), max_length=50, blank=True, help_text=_("Empty: the plan's bridge."))
    vlan = models.PositiveIntegerField(
        _("VLAN"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(4094)]
    )

    class Meta:
        verbose_name = _("IP pool")
        verbose_name_plural = _("IP pools")
        ordering = ["server", "name"]
        constraints = [models.UniqueConstraint(fields=["server", "name"], name="pool_unique_name_per_server")]

    def __str__(self) -> str:
        return f"{self.name} ({self.network})"

    @property
    def subnet(self) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
        return ipaddress.ip_network(self.network, strict=False)

    def clean(self) -> None:
        try:
            subnet = ipaddress.ip_network(self.network.strip(), strict=False)
        except ValueError:
            raise ValidationError({"network": _("Enter a network in CIDR form, such as 192.0.2.0/24.")}) from None
        self.network = str(subnet)
        for field in ("gateway", "dns1", "dns2"):
            value = getattr(self, field)
            if field == "gateway" and value and ipaddress.ip_address(value) not in subnet:
                raise ValidationError({field: _("The gateway must be inside the pool's network.")})


class PoolRange(models.Model):
    """A run of assignable addresses inside the pool's network, first and last included."""

    pool = models.ForeignKey(Pool, on_delete=models.CASCADE, related_name="ranges")
    first = models.GenericIPAddressField(_("first address"))
    last = models.GenericIPAddressField(_("last address"))

    class Meta:
        verbose_name = _("address range")
        verbose_name_plural = _("address ranges")
        ordering = ["pool", "id"]

    def __str__(self) -> str:
        return f"{self.first} - {self.last}"

    def clean(self) -> None:
        first, last = ipaddress.ip_address(self.first), ipaddress.ip_address(self.last)
        subnet = self.pool.subnet
        if first.version != subnet.version or last.version != subnet.version:
            raise ValidationError(_("The range and the pool's network must be of the same IP version."))
        if first not in subnet or last not in subnet:
            raise ValidationError(_("The range must lie inside the pool's network."))
        if int(first) > int(last):
            raise ValidationError(_("The first address of a range cannot come after the last."))


def address_key(ip: str) -> str:
    """`ip` (any spelling) as the 32 hex digits of its number: the sortable `Address.ip_key`."""
    return f"{int(ipaddress.ip_address(ip.strip())):032x}"


class Address(models.Model):
    """An address handed to a service; the row goes away when the service is removed."""

    pool = models.ForeignKey(Pool, on_delete=models.PROTECT, related_name="addresses")
    ip = models.GenericIPAddressField(_("address"))
    ip_key = models.CharField(_("sort key"), max_length=32, editable=False)
    service = models.ForeignKey(
        "inventory.Service", on_delete=models.PROTECT, related_name="addresses", null=True, blank=True
    )
    allocated_at = models.DateTimeField(_("allocated at"), auto_now_add=True)

    class Meta:
        verbose_name = _("address")
        verbose_name_plural = _("addresses")
        ordering = ["pool", "id"]
        constraints = [
            models.UniqueConstraint(fields=["pool", "ip"], name="address_unique_per_pool"),
            # Also the index the allocator walks; unique as well, so two spellings of one IPv6 address on SQLite
            # (where `ip` is plain text) still cannot both be handed out.
            models.UniqueConstraint(fields=["pool", "ip_key"], name="address_unique_key_per_pool"),
        ]

    def __str__(self) -> str:
        return self.ip

    def save(self, *args: Any, **kwargs: Any) -> None:
        """The key always follows the address, however the row was made (allocator, admin, a test)."""
        self.ip_key = address_key(self.ip)
        super().save(*args, **kwargs)
