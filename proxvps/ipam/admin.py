"""The Django admin for pools, addresses and DNS zones, until the staff area replaces it.

A zone's API key is write-only (`proxvps.secret_forms`): never rendered, kept when the field is left empty.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from proxvps.ipam.models import Address, DnsZone, Pool, PoolRange
from proxvps.secret_forms import WriteOnlySecretField, WriteOnlySecretsForm


class PoolRangeInline(admin.TabularInline):  # type: ignore[type-arg]
    model = PoolRange
    extra = 1


@admin.register(Pool)
class PoolAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "server", "network", "gateway", "bridge", "vlan")
    inlines = [PoolRangeInline]


admin.site.register(Address, list_display=("ip", "pool", "service", "allocated_at"))


class DnsZoneForm(WriteOnlySecretsForm):
    credentials = WriteOnlySecretField(label=_("API key"), help_text=DnsZone._meta.get_field("credentials").help_text)
    secret_fields = ("credentials",)

    class Meta:
        model = DnsZone
        fields = ("name", "provider", "url", "credentials", "server_id", "ttl", "enabled")


@admin.register(DnsZone)
class DnsZoneAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    form = DnsZoneForm
    list_display = ("name", "provider", "url", "server_id", "ttl", "enabled")
    list_filter = ("provider", "enabled")
    search_fields = ("name",)
