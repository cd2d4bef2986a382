"""Staff roles and the check every console view makes (SPEC S18, S21).

A role is a Django group holding the console's permissions (`proxvps.web.models.StaffConsole`, created with the
groups by the web app's first migration): Viewer reads everything, Operator also runs operations on services,
Administrator also changes servers, plans, settings and API tokens. A superuser holds all three.

`staff_view` wraps every view: no staff session is the sign-in page for a page and 401 for an htmx request or a
change; a member without the permission gets 403 with one sentence, whatever the page showed them.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from functools import wraps
from typing import Concatenate, ParamSpec, cast

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

P = ParamSpec("P")
View = Callable[Concatenate[HttpRequest, P], HttpResponse]


class Permission(StrEnum):
    """The console's permissions, as `user.has_perm` names them."""

    VIEW = "web.view_console"
    OPERATE = "web.run_operations"
    ADMINISTER = "web.administer"


ROLE_NAMES = ("Viewer", "Operator", "Administrator")
"""The groups the first migration makes, from least to most allowed."""


def may(request: HttpRequest, permission: Permission) -> bool:
    user = request.user
    return bool(user.is_authenticated and user.is_active and user.has_perm(permission))


def _refused(request: HttpRequest, status: int, sentence: str) -> HttpResponse:
    if getattr(request, "htmx", False) or request.method != "GET":
        response = HttpResponse(sentence, status=status, content_type="text/plain; charset=utf-8")
        if status == 401 and getattr(request, "htmx", False):
            response["HX-Refresh"] = "true"  # the session ended while the page polled: show the sign-in
        return response
    return render(request, "staff/refused.html", {"sentence": sentence}, status=status)


def staff_view(permission: Permission = Permission.VIEW) -> Callable[[View[P]], View[P]]:
    """Wrap a console view: signed in as staff, holding `permission`. Never cached."""

    def wrap(view: View[P]) -> View[P]:
        @never_cache
        @wraps(view)
        def wrapped(request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
            if not request.user.is_authenticated:
                if request.method == "GET" and not getattr(request, "htmx", False):
                    return redirect_to_login(request.get_full_path(), reverse("staff-sign-in"))
                return _refused(request, 401, _("You are not signed in."))
            if not may(request, Permission.VIEW):
                return _refused(request, 403, _("Your account has no access to the staff console."))
            if not may(request, permission):
                return _refused(request, 403, _("Your role does not allow this; ask an administrator."))
            # Saved on every request, so the session's expiry (set at sign-in) counts from the last request: it
            # ends after that long idle, not that long after signing in.
            request.session.modified = True
            return view(request, *args, **kwargs)

        return cast(View[P], wrapped)

    return wrap


def requested_by(request: HttpRequest) -> str:
    """Who asked, as an operation request and the action log record it."""
    return f"staff: {request.user.get_username()}"
