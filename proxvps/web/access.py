"""How a client area view finds the signed-in client's service, and what it answers without a session.

Every page and fragment goes through `client_view`: no session is a clear page (403) for a page and a 401 for an
htmx fragment or a change; another client's service is a plain 404, the same as an id that does not exist; a
feature the plan does not grant is a 404 for its page and a 403 with one sentence for its change (SPEC S17).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Concatenate, ParamSpec, cast

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from proxvps.inventory.choices import ClientFeature
from proxvps.inventory.client_access import client_services, session_client
from proxvps.inventory.models import Service

P = ParamSpec("P")
ServiceView = Callable[Concatenate[HttpRequest, Service, P], HttpResponse]


def signed_out(request: HttpRequest) -> HttpResponse:
    """No client session: a fragment or a change gets 401, a page the sentence that says how to sign in."""
    if getattr(request, "htmx", False) or request.method != "GET":
        response = HttpResponse(_("You are not signed in."), status=401, content_type="text/plain; charset=utf-8")
        if getattr(request, "htmx", False):
            # The page polls on after its session ended: reload it, so the client reads how to sign in again.
            response["HX-Refresh"] = "true"
        return response
    return render(request, "web/signed_out.html", status=403)


def client_view(
    feature: ClientFeature | None = None,
) -> Callable[[ServiceView[P]], Callable[Concatenate[HttpRequest, str, P], HttpResponse]]:
    """Wrap a view of one service: signed in, the client's own service, unlocked, and (given `feature`) granted by
    the plan. Never cached: every answer is the client's own."""

    def wrap(view: ServiceView[P]) -> Callable[Concatenate[HttpRequest, str, P], HttpResponse]:
        @never_cache
        @wraps(view)
        def wrapped(request: HttpRequest, service_id: str, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
            client = session_client(request)
            if client is None:
                return signed_out(request)
            service = (
                client_services(client)
                .select_related("plan", "template", "server", "request")
                .filter(billing_service_id=service_id)
                .first()
            )
            if service is None:
                raise Http404(service_id)
            if service.is_locked:
                locked = render(request, "web/client_locked.html", {"service": service}, status=403)
                if getattr(request, "htmx", False):
                    locked["HX-Refresh"] = "true"  # suspended while the page was open: show why, in full
                return locked
            if feature is not None and not service.plan.client_may(feature):
                if request.method == "GET":
                    raise Http404(service_id)
                return HttpResponse(
                    _("Your plan does not include %(feature)s.") % {"feature": feature.label},
                    status=403,
                    content_type="text/plain; charset=utf-8",
                )
            return view(request, service, *args, **kwargs)

        return cast(Callable[Concatenate[HttpRequest, str, P], HttpResponse], wrapped)

    return wrap


def requested_by(request: HttpRequest) -> str:
    """Who asked, as an operation request records it: the client, as the API records it too."""
    return f"client: {session_client(request)}"
