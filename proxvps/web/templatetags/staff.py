"""Template filters of the staff console."""

from __future__ import annotations

from django import template

from proxvps.domain import states
from proxvps.domain.transitions import ACTIVE_STATES

register = template.Library()

FAILED = frozenset({states.ERROR, states.ERROR_TERMINATE, states.ERROR_RESTORE})


@register.filter
def state_colour(state: str) -> str:
    """A lifecycle state's badge colour, as NetBox's ChoiceSets give each status one."""
    if state in FAILED:
        return "text-bg-danger"
    if state == states.READY:
        return "text-bg-success"
    if state in ACTIVE_STATES:
        return "text-bg-primary"
    if state == states.SUSPENDED:
        return "text-bg-warning"
    return "text-bg-secondary"
