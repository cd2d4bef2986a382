"""Who may call what: bearer tokens with scopes for billing systems and staff, the session for clients.

A missing or unknown token answers 401; a good token of another scope answers 403, so a billing system that
calls a staff endpoint learns that its token works but may not do that. Clients never hold a token: the client
area's one-time sign-in link opens a session bound to their billing client id (`proxvps.inventory.client_access`),
and the client endpoints accept that session, CSRF-checked on every call that changes something.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.errors import AuthorizationError
from ninja.security import APIKeyCookie, HttpBearer

from proxvps.api.models import ApiToken, TokenScope
from proxvps.inventory.client_access import session_client


class ScopedBearer(HttpBearer):
    """Accepts a live token whose scope is one of `scopes`; a live token of another scope is refused with 403."""

    def __init__(self, *scopes: str) -> None:
        super().__init__()
        self.scopes = frozenset(scopes)

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        row = ApiToken.authenticate(token)
        if row is None:
            return None
        if row.scope not in self.scopes:
            raise AuthorizationError()
        return row


class ClientSession(APIKeyCookie):
    """The client area's session: the billing client id it was opened for, or None (401)."""

    param_name = settings.SESSION_COOKIE_NAME

    def authenticate(self, request: HttpRequest, key: str | None) -> str | None:
        return session_client(request)


billing_auth = ScopedBearer(TokenScope.BILLING)
staff_read_auth = ScopedBearer(TokenScope.STAFF_READ, TokenScope.STAFF_WRITE)
staff_write_auth = ScopedBearer(TokenScope.STAFF_WRITE)
client_auth = ClientSession(csrf=True)
