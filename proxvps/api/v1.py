"""The /api/v1/ API object, its routers and its error shape."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError

from proxvps.api import billing, services, staff

api = NinjaAPI(title="proxvps", version="1", urls_namespace="api-v1")
api.add_router("/billing/", billing.router)
api.add_router("/staff/", staff.router)
api.add_router("/services/", services.router)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(
        request, {"error": "not_found", "detail": _("There is no such object."), "fields": {}}, status=404
    )


@api.exception_handler(AuthenticationError)
def _unauthorised(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(
        request,
        {
            "error": "unauthorised",
            "detail": _("A valid API token with the right scope is required."),
            "fields": {},
        },
        status=401,
    )


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    fields = {".".join(str(p) for p in e.get("loc", ())[1:]) or "body": str(e.get("msg", "")) for e in exc.errors}
    return api.create_response(
        request,
        {"error": "invalid", "detail": _("The request is not valid; see the fields."), "fields": fields},
        status=422,
    )
