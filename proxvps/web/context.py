"""What every client area page shows around its content."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.templatetags.static import static

from proxvps.inventory.client_access import client_services, session_client


def provider(request: HttpRequest) -> dict[str, Any]:
    """The provider's name and logo URL (settings PROXVPS_PROVIDER_NAME and PROXVPS_PROVIDER_LOGO), and the
    signed-in client's services for the navigation (a lazy query: a page that does not show them costs none)."""
    logo = settings.PROXVPS_PROVIDER_LOGO
    if logo and not logo.startswith(("http://", "https://", "/")):
        logo = static(logo)
    client = session_client(request) if hasattr(request, "session") else None
    services = client_services(client).order_by("-created_at") if client else []
    return {
        "provider_name": settings.PROXVPS_PROVIDER_NAME,
        "provider_logo": logo,
        "client_signed_in": client is not None,
        "nav_services": services,
    }
