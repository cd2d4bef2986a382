"""API tokens, for administrators (SPEC S18: access control): issue one (shown once, on the page that made it,
never again), see when each was last used, revoke one. The console reads and writes the API's token rows; only
their SHA-256 is stored (`proxvps.api.models`)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from proxvps.api.models import ApiToken, TokenScope
from proxvps.web.staff.pages import page
from proxvps.web.staff.roles import Permission, staff_view


class TokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"), max_length=100, help_text=gettext_lazy("Who or what uses it: whmcs, backup-bot.")
    )
    scope = forms.ChoiceField(label=gettext_lazy("Scope"), choices=TokenScope.choices)


@staff_view(Permission.ADMINISTER)
def token_list(request: HttpRequest) -> HttpResponse:
    """The tokens; a valid form posted here issues one and this answer is the only place it is ever shown."""
    form = TokenForm(request.POST or None)
    issued = ""
    if request.method == "POST" and form.is_valid():
        row, issued = ApiToken.issue(form.cleaned_data["name"].strip(), form.cleaned_data["scope"])
        form = TokenForm()
        messages.success(request, _("Token %(name)s is issued. Copy it now: it is not shown again.") % {"name": row})
    context = {"tokens": ApiToken.objects.order_by("revoked", "name"), "form": form, "issued": issued}
    return page(request, "staff/tokens.html", context, "tokens")


@staff_view(Permission.ADMINISTER)
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=pk)
    ApiToken.objects.filter(pk=token.pk).update(revoked=True)
    messages.success(request, _("Token %(name)s is revoked: it no longer opens the API.") % {"name": token})
    return redirect("staff-tokens")
