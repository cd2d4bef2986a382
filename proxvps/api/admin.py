"""The Django admin for API tokens: listed and revoked here; made with `proxvps create-api-token`."""

from django.contrib import admin

from proxvps.api.models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "scope", "created_at", "last_used_at", "revoked")
    readonly_fields = ("lookup", "created_at", "last_used_at")

    def has_add_permission(self, request: object) -> bool:
        return False
