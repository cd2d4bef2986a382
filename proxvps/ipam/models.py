"""IP pools and addresses (SPEC S11), and the DNS zones their records are kept in (SPEC S12).

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
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from proxvps.dns import DnsConfigError, ProviderKind, ZoneSettings, canonical_name, normalize_url
from proxvps.encryption import EncryptedTextField
from proxvps.ipam.choices import DnsProvider


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
        gateway = _address_or_none(self.gateway)
        if gateway is not None and gateway not in subnet:
            raise ValidationError({"gateway": _("The gateway must be inside the pool's network.")})


def _address_or_none(text: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address, or None when empty or not an address: the field's own validation says so, in its words."""
    try:
        return ipaddress.ip_address(text) if text else None
    except ValueError:
        return None


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
        first, last = _address_or_none(self.first), _address_or_none(self.last)
        if first is None or last is None:
            return  # the field's own validation names the address that is not one
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


class DnsZone(models.Model):
    """A forward or reverse zone kept at a DNS provider (SPEC S12). Services get A/AAAA records in the forward zone
    that is the longest suffix of their hostname, and a PTR in the reverse zone holding each of their addresses.

    The name and the URL are stored in canonical form (`proxvps.dns.canonical_name`, `normalize_url`), whatever
    the admin typed: `example.com.` and `example.com` are one zone, `hestia.example.com` becomes
    `https://hestia.example.com:8083/api/`.
    """

    name = models.CharField(
        _("zone"),
        max_length=253,
        unique=True,
        help_text=_("For example example.com or 2.0.192.in-addr.arpa; a trailing dot is optional."),
    )
    provider = models.CharField(_("provider"), max_length=20, choices=DnsProvider.choices)
    url = models.CharField(
        _("API URL"),
        max_length=500,
        blank=True,
        help_text=_(
            "PowerDNS: http://dns.example.com:8081; HestiaCP: https://hestia.example.com:8083; Cloudflare: empty "
            "for api.cloudflare.com. Normalised on save."
        ),
    )
    credentials = EncryptedTextField(
        _("API key"),
        help_text=_(
            "PowerDNS: the API key. Cloudflare: an API token allowed to edit the zone's DNS. HestiaCP: "
            "ACCESS_KEY:SECRET_KEY, or a legacy API key."
        ),
    )
    server_id = models.CharField(
        _("server or account id"),
        max_length=100,
        blank=True,
        help_text=_(
            "PowerDNS: the server id (empty: localhost). Cloudflare: the account id (optional). HestiaCP: the user "
            "that owns the zone (empty: admin)."
        ),
    )
    ttl = models.PositiveIntegerField(
        _("TTL (s)"), default=3600, validators=[MinValueValidator(60), MaxValueValidator(604800)]
    )
    enabled = models.BooleanField(_("enabled"), default=True)
    # How the last sync of a service's records in this zone went, for the staff dashboard (SPEC S18).
    last_synced_at = models.DateTimeField(_("last sync"), null=True, blank=True, editable=False)
    last_sync_error = models.TextField(_("last sync error"), blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("DNS zone")
        verbose_name_plural = _("DNS zones")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_provider_display()})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Normalised however the row is saved (admin, API, a test), so every zone is matched the same way."""
        self.normalize()
        super().save(*args, **kwargs)

    def normalize(self) -> None:
        """Name and URL in canonical form; ValidationError naming the field when either is unusable."""
        errors: dict[str, str] = {}
        try:
            self.name = canonical_name(self.name)
        except DnsConfigError as error:
            errors["name"] = str(error)
        try:
            self.url = normalize_url(self.provider, self.url)
        except DnsConfigError as error:
            errors["provider" if self.provider not in DnsProvider.values else "url"] = str(error)
        if errors:
            raise ValidationError(errors)

    def clean(self) -> None:
        self.normalize()

    def zone_settings(self) -> ZoneSettings:
        """What the DNS adapter needs to manage this zone (reads the decrypted credentials)."""
        return ZoneSettings(
            provider=cast(ProviderKind, self.provider),
            zone=self.name,
            url=self.url,
            credentials=self.credentials,
            account=self.server_id,
            ttl=self.ttl,
        )
