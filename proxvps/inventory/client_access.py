"""How a billing client reaches its own services: one-time sign-in links and the session they open.

The billing system asks for a link (SSO); the client's browser follows it once; the client area then knows the
browser by its session, which holds only the billing client id. Every client page and client API call reads that
id here and shows the services of that client and no other.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from proxvps.domain import states
from proxvps.inventory.models import ClientLoginLink, Service

LINK_LIFETIME = timedelta(minutes=2)
SESSION_KEY = "proxvps_client"
SESSION_SECONDS = 8 * 3600
"""How long a client area session lasts without a new sign-in from the billing system."""


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_login_link(service: Service) -> tuple[str, datetime]:
    """A new single-use token for the service's client area and when it expires; only its digest is stored."""
    now = timezone.now()
    ClientLoginLink.objects.filter(expires_at__lt=now).delete()
    token = secrets.token_urlsafe(32)
    link = ClientLoginLink.objects.create(service=service, digest=_digest(token), expires_at=now + LINK_LIFETIME)
    return token, link.expires_at


def redeem_login_link(token: str) -> Service | None:
    """The service a live, unused token opens, marking it used; None for an unknown, used or expired token.

    The conditional UPDATE makes the link single-use even when two requests present it at the same moment.
    """
    now = timezone.now()
    digest = _digest(token)
    claimed = ClientLoginLink.objects.filter(digest=digest, used_at__isnull=True, expires_at__gte=now).update(
        used_at=now
    )
    if claimed != 1:
        return None
    return Service.objects.get(login_links__digest=digest)


def open_client_session(request: HttpRequest, service: Service) -> None:
    """Sign the browser in as the service's client, under a new session key (no fixation)."""
    request.session.cycle_key()
    request.session[SESSION_KEY] = service.client_ref
    request.session.set_expiry(SESSION_SECONDS)


def close_client_session(request: HttpRequest) -> None:
    request.session.flush()


def session_client(request: HttpRequest) -> str | None:
    """The billing client id the browser's session was opened for, or None."""
    client = request.session.get(SESSION_KEY)
    return client if isinstance(client, str) and client else None


def client_services(client_ref: str) -> QuerySet[Service]:
    """The services a client sees: its own, but not those whose VM is gone."""
    return Service.objects.filter(client_ref=client_ref).exclude(state=states.REMOVE)
