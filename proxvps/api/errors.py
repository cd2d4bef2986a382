"""The one error shape of the REST API, `{error, detail, fields}`, and the exceptions endpoints raise to answer
with it.

An endpoint raises ApiError (or lets a known exception through: a missing object, a refused order, a model
validation error, a database conflict) and `install_error_handlers` turns it into the answer with the right
status code, so no endpoint builds an error body by hand and none answers in another shape.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError as ModelValidationError
from django.db import DatabaseError, IntegrityError
from django.db.models import ProtectedError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError

from proxvps.api.schemas import PATTERN_SENTENCES, ErrorOut
from proxvps.domain.firewall import RuleError
from proxvps.domain.options import OptionError
from proxvps.lifecycle.advance import LeaseLostError
from proxvps.lifecycle.firewall_rules import FirewallRefused
from proxvps.lifecycle.requests import OrderRefused
from proxvps.proxmox import ProxmoxError

logger = logging.getLogger(__name__)

ERROR_STATUSES = frozenset({400, 401, 403, 404, 409, 422, 502, 503})
"""The statuses every operation documents with the error shape: schemathesis holds us to the document."""


def answers(schema: Any, *statuses: int) -> dict[Any, Any]:
    """An operation's documented responses: `schema` on success (200, or the statuses given), the error shape on
    every error status."""
    return {frozenset(statuses or (200,)): schema, ERROR_STATUSES: ErrorOut}


class ApiError(Exception):
    """An answer other than success: status, a short code, one sentence for a person, per-field messages."""

    def __init__(self, status: int, error: str, detail: str, fields: Mapping[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.error = error
        self.detail = detail
        self.fields = dict(fields or {})


def not_found(detail: str | None = None) -> ApiError:
    return ApiError(404, "not_found", detail or _("There is no such object."))


def _body(error: str, detail: str, fields: Mapping[str, str] | None = None) -> dict[str, object]:
    return {"error": error, "detail": detail, "fields": dict(fields or {})}


def refusal(exc: OrderRefused) -> ApiError:
    """An order or change the lifecycle refused: 422 naming the options when the options are the reason, 409 when
    the service's state is (it cannot change while it is being built, terminated, ...)."""
    cause = exc.__cause__
    if isinstance(cause, OptionError):
        fields = {f"options.{name}": message for name, message in cause.problems}
        return ApiError(422, "invalid", str(exc), fields)
    if isinstance(cause, ValueError):
        return ApiError(422, "invalid", str(exc))
    return ApiError(409, "conflict", str(exc))


def model_invalid(exc: ModelValidationError) -> ApiError:
    """A model's `full_clean` refused the values: 422 with its messages by field."""
    if hasattr(exc, "error_dict"):
        fields = {name: " ".join(str(m) for e in errors for m in e.messages) for name, errors in exc.error_dict.items()}
        return ApiError(422, "invalid", _("The request is not valid; see the fields."), fields)
    return ApiError(422, "invalid", " ".join(exc.messages))


def _sentence(error: Mapping[str, Any]) -> str:
    """A validation error as a person reads it: for a pattern, what the value may hold, not the expression."""
    if error.get("type") == "string_pattern_mismatch":
        pattern = str((error.get("ctx") or {}).get("pattern", ""))
        return str(PATTERN_SENTENCES.get(pattern, _("This value holds characters it may not hold.")))
    return str(error.get("msg", ""))


def _field_name(loc: Any) -> str:
    """`client.email` for django-ninja's ("body", "body", "client", "email"); `period` for ("query", "period")."""
    parts = [str(p) for p in loc]
    parts = parts[2:] if parts[:1] == ["body"] else parts[1:]
    return ".".join(parts) or "body"


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's 404 handler: under /api/ an address no route matches answers in the error shape too."""
    if request.path.startswith("/api/"):
        return JsonResponse(_body("not_found", str(_("There is no such object."))), status=404)
    return defaults.page_not_found(request, exception)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's 400 handler (a body over DATA_UPLOAD_MAX_MEMORY_SIZE, a bad Host header), in the error shape under
    /api/."""
    if request.path.startswith("/api/"):
        detail = _("The request cannot be read (a body over the size limit, or a malformed header).")
        return JsonResponse(_body("bad_request", str(detail)), status=400)
    return defaults.bad_request(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """Django's 500 handler, in the error shape under /api/; the error itself is in the server's log."""
    if request.path.startswith("/api/"):
        detail = _("Something went wrong on our side; it has been logged. Try again in a moment.")
        return JsonResponse(_body("internal", str(detail)), status=500)
    return defaults.server_error(request)


def install_error_handlers(api: NinjaAPI) -> None:
    """Every exception an endpoint may raise answers in the error shape."""

    def respond(request: HttpRequest, error: ApiError) -> HttpResponse:
        return api.create_response(request, _body(error.error, error.detail, error.fields), status=error.status)

    @api.exception_handler(ApiError)
    def _api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
        return respond(request, exc)

    @api.exception_handler(Http404)
    def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return respond(request, not_found())

    @api.exception_handler(AuthenticationError)
    def _unauthorised(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        detail = _("A valid API token or client session is required.")
        return respond(request, ApiError(401, "unauthorised", detail))

    @api.exception_handler(AuthorizationError)
    def _forbidden(request: HttpRequest, exc: AuthorizationError) -> HttpResponse:
        return respond(request, ApiError(403, "forbidden", _("This token's scope does not allow this call.")))

    @api.exception_handler(HttpError)
    def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        # Raised by django-ninja itself: a body that is not JSON (400) or a failed CSRF check (403).
        if exc.status_code == 400:
            detail = _(
                "The request body is not a JSON object this API can read (malformed, another JSON value, or holding "
                "a NUL character)."
            )
            return respond(request, ApiError(400, "bad_request", detail))
        if exc.status_code == 403:
            detail = _("The CSRF check failed: send the csrftoken cookie's value in the X-CSRFToken header.")
            return respond(request, ApiError(403, "forbidden", detail))
        return respond(request, ApiError(exc.status_code, "error", str(exc.message)))

    @api.exception_handler(ValidationError)
    def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        fields = {_field_name(e.get("loc", ())): _sentence(e) for e in exc.errors}
        return respond(request, ApiError(422, "invalid", _("The request is not valid; see the fields."), fields))

    @api.exception_handler(OrderRefused)
    def _refused(request: HttpRequest, exc: OrderRefused) -> HttpResponse:
        return respond(request, refusal(exc))

    @api.exception_handler(FirewallRefused)
    def _firewall_refused(request: HttpRequest, exc: FirewallRefused) -> HttpResponse:
        # The plan, the service's state or the rules as they are now (changed since the client read them) refuse.
        return respond(request, ApiError(409, "conflict", str(exc)))

    @api.exception_handler(RuleError)
    def _bad_rule(request: HttpRequest, exc: RuleError) -> HttpResponse:
        fields = {problem.field: problem.render(_) for problem in exc.problems}
        return respond(request, ApiError(422, "invalid", exc.render(_), fields))

    @api.exception_handler(LeaseLostError)
    def _changed(request: HttpRequest, exc: LeaseLostError) -> HttpResponse:
        detail = _("The service changed while this request was handled; send it again.")
        return respond(request, ApiError(409, "conflict", detail))

    @api.exception_handler(ModelValidationError)
    def _model_invalid(request: HttpRequest, exc: ModelValidationError) -> HttpResponse:
        return respond(request, model_invalid(exc))

    @api.exception_handler(ProtectedError)
    def _protected(request: HttpRequest, exc: ProtectedError) -> HttpResponse:
        detail = _("This object is still in use (%(count)s related objects) and cannot be deleted.") % {
            "count": len(exc.protected_objects)
        }
        return respond(request, ApiError(409, "conflict", detail))

    @api.exception_handler(ProxmoxError)
    def _proxmox(request: HttpRequest, exc: ProxmoxError) -> HttpResponse:
        # The cluster refused or did not answer a live read or a change made at once (firewall rules, ISO list).
        detail = _("Proxmox could not do this now: %(error)s") % {"error": str(exc).rstrip(".") + "."}
        return respond(request, ApiError(502, "proxmox", detail))

    @api.exception_handler(DatabaseError)
    def _database(request: HttpRequest, exc: DatabaseError) -> HttpResponse:
        logger.warning("An API request met a database error: %s", exc)
        detail = _("The database does not answer right now; nothing was changed. Try again in a moment.")
        return respond(request, ApiError(503, "unavailable", detail))

    @api.exception_handler(IntegrityError)
    def _integrity(request: HttpRequest, exc: IntegrityError) -> HttpResponse:
        detail = _("The change conflicts with existing data (a name or address already in use).")
        return respond(request, ApiError(409, "conflict", detail))
