"""Bearer-token authentication with scopes for the REST API."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer

from proxvps.api.models import ApiToken, TokenScope


class ScopedBearer(HttpBearer):
    """Accepts a live token whose scope is one of `scopes`."""

    def __init__(self, *scopes: str) -> None:
        super().__init__()
        self.scopes = frozenset(scopes)

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        row = ApiToken.authenticate(token)
        if row is None or row.scope not in self.scopes:
            return None
        return row


billing_auth = ScopedBearer(TokenScope.BILLING)
staff_read_auth = ScopedBearer(TokenScope.STAFF_READ, TokenScope.STAFF_WRITE)
