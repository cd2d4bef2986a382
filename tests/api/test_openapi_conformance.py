"""schemathesis, against /api/v1/openapi.json: for every operation a few generated requests (valid and not),
with each caller's credentials; no answer is a server error, and every answer matches the document (status,
content type, body schema)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from django.contrib.sessions.backends.db import SessionStore
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from proxvps.api.models import ApiToken, TokenScope
from proxvps.inventory.client_access import SESSION_KEY
from proxvps.inventory.models import Plan
from proxvps.lifecycle.orders import order_service
from proxvps.wsgi import application

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
CSRF = "c" * 32


class Callers:
    """The credentials each part of the API takes: a billing token, a staff_write token, a client session."""

    def __init__(self) -> None:
        self.billing = ApiToken.issue("schemathesis billing", TokenScope.BILLING)[1]
        self.staff = ApiToken.issue("schemathesis staff", TokenScope.STAFF_WRITE)[1]
        session = SessionStore()
        session[SESSION_KEY] = "42"
        session.create()
        self.session = session.session_key or ""

    def for_path(self, path: str) -> tuple[dict[str, str], dict[str, str]]:
        """(headers, cookies) for an operation."""
        if path.startswith("/api/v1/client/"):
            return {"X-CSRFToken": CSRF}, {"sessionid": self.session, "csrftoken": CSRF}
        token = self.billing if path.startswith("/api/v1/billing/") else self.staff
        return {"Authorization": f"Bearer {token}"}, {}


@pytest.fixture
def callers(db) -> Iterator[Callers]:
    """The credentials, and a plan and a client's service for the generated requests to find.

    Django closes the database connection when a request finishes; the test's transaction lives on that
    connection, so the signal is held off while schemathesis calls the application (as Django's test client does).
    """
    plan = Plan.objects.create(name="VPS S")
    order_service(billing_service_id="1001", client_ref="42", plan=plan)
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield Callers()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


# Bounded: only the fuzzing phase (the coverage phase alone sends hundreds of requests per operation), a few
# examples per operation, valid and invalid data both.
CONFIG = schemathesis.Config.from_dict(
    {
        "seed": 6,
        "phases": {"examples": {"enabled": False}, "coverage": {"enabled": False}, "stateful": {"enabled": False}},
        "generation": {"mode": "all", "max-examples": 6},
    }
)
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application, config=CONFIG)


@schema.parametrize()
@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_answers_as_documented(case, callers: Callers) -> None:
    headers, cookies = callers.for_path(case.path)
    case.call_and_validate(headers=headers, cookies=cookies, checks=CHECKS)
