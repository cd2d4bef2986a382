"""What every console page shows around its content: the navigation, who is signed in with which role, and what
that role may do (so a page shows only the buttons that will work; the views check again on every request)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from proxvps.web.staff.roles import Permission, may


@dataclass(frozen=True)
class Section:
    slug: str
    label: Promise
    icon: str
    url_name: str
    permission: Permission = Permission.VIEW


SECTIONS = (
    Section("dashboard", _("Dashboard"), "speedometer2", "staff-dashboard"),
    Section("services", _("Services"), "hdd-stack", "staff-services"),
    Section("servers", _("Servers"), "server", "staff-servers"),
    Section("plans", _("Plans"), "box-seam", "staff-plans"),
    Section("settings", _("Settings"), "sliders", "staff-settings", Permission.ADMINISTER),
    Section("tokens", _("API tokens"), "key", "staff-tokens", Permission.ADMINISTER),
)


def role_of(request: HttpRequest) -> tuple[str, Promise]:
    """The highest role the member holds, as a slug and a label."""
    if may(request, Permission.ADMINISTER):
        return "administrator", _("Administrator")
    if may(request, Permission.OPERATE):
        return "operator", _("Operator")
    return "viewer", _("Viewer")


def page(request: HttpRequest, template: str, context: dict[str, Any], section: str, status: int = 200) -> HttpResponse:
    role, label = role_of(request)
    nav = [
        {"label": s.label, "icon": s.icon, "url": reverse(s.url_name), "current": s.slug == section}
        for s in SECTIONS
        if may(request, s.permission)
    ]
    context = {
        **context,
        "staff_nav": nav,
        "staff_role": role,
        "staff_role_label": label,
        "can_operate": may(request, Permission.OPERATE),
        "can_administer": may(request, Permission.ADMINISTER),
    }
    return render(request, template, context, status=status)
