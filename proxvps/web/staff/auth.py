"""Staff sign-in and sign-out (SPEC S21): a Django user holding the console's view permission (a role).

django-axes counts failed attempts per username and address and, past the limit, refuses them for the cool-off
time with the lock-out page, before the password is even checked. A signed-in session ends after
PROXVPS_STAFF_SESSION_SECONDS without a request.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView, LogoutView
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _

from proxvps.web.staff.roles import Permission


class StaffSignInForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("The username or the password is wrong. Both are case-sensitive."),
        "no_role": _("This account has no staff role; ask an administrator for one."),
    }

    def confirm_login_allowed(self, user: Any) -> None:
        super().confirm_login_allowed(user)
        if not user.has_perm(Permission.VIEW):
            raise ValidationError(self.error_messages["no_role"], code="no_role")


class StaffSignIn(LoginView):
    template_name = "staff/sign_in.html"
    form_class = StaffSignInForm
    redirect_authenticated_user = True
    next_page = "staff-dashboard"

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_valid(form)
        self.request.session.set_expiry(settings.PROXVPS_STAFF_SESSION_SECONDS)
        return response


class StaffSignOut(LogoutView):
    next_page = "staff-sign-in"
