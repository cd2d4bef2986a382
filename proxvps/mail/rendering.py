"""Turning an event's template (staff's version, or the default) into a subject and a body.

Mails are plain text, so the engine does not escape HTML: a password with `&` or `<` must arrive as it is. The
engine knows only Django's built-in tags and filters and loads no template file, and the context holds plain
strings, so an edited template can reach nothing but the values it is given.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import NamedTuple

from django.db import models
from django.template import Context, Engine
from django.utils.translation import gettext as _

from proxvps.mail.defaults import DEFAULTS
from proxvps.mail.models import MailTemplate

logger = logging.getLogger(__name__)

ENGINE = Engine()


class Rendered(NamedTuple):
    subject: str
    body: str


def _render(text: str, context: Mapping[str, object]) -> str:
    return ENGINE.from_string(text).render(Context(dict(context), autoescape=False))


def _one_line(text: str) -> str:
    """A subject is one header line: a template that spans lines is joined with spaces."""
    return " ".join(text.split())


def render(event: str, context: Mapping[str, object], plan: int | None = None) -> Rendered:
    """The event's mail with these values, from staff's template when there is one: the plan's own, else the
    shared one.

    A stored template that fails to render (the forms refuse those, so only one written some other way) falls
    back to the default: the client still gets the mail, and the error is logged for staff."""
    default = DEFAULTS[event]
    rows = MailTemplate.objects.filter(event=event, plan_id__isnull=True)
    if plan is not None:
        rows = MailTemplate.objects.filter(models.Q(plan_id=plan) | models.Q(plan_id__isnull=True), event=event)
    row = rows.order_by(models.F("plan_id").asc(nulls_last=True)).first()
    if row is not None:
        try:
            return Rendered(_one_line(_render(row.subject, context)), _render(row.body, context))
        except Exception:
            logger.exception("The mail template for %s does not render; the default text is used.", event)
    return Rendered(_one_line(_render(str(default.subject), context)), _render(str(default.body), context))


def template_error(event: str, text: str) -> str | None:
    """Why this template text cannot be used for the event (one sentence), or None: it must compile and render
    with an example of the event's values."""
    try:
        _render(text, DEFAULTS[event].example)
    except Exception as error:
        return _("This template cannot be used: %(error)s") % {"error": error}
    return None
