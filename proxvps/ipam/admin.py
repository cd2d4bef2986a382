"""The Django admin for pools and addresses, until the staff area replaces it."""

from django.contrib import admin

from proxvps.ipam.models import Address, Pool, PoolRange


class PoolRangeInline(admin.TabularInline):  # type: ignore[type-arg]
    model = PoolRange
    extra = 1


@admin.register(Pool)
class PoolAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "server", "network", "gateway", "bridge", "vlan")
    inlines = [PoolRangeInline]


admin.site.register(Address, list_display=("ip", "pool", "service", "allocated_at"))
