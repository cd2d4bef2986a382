"""DNS records of a service's addresses as steps (SPEC S12).

Placeholder in this branch, replaced at merge by the DNS engineer's module (same name and signature): no DNS
provider is wired in yet, so there is nothing to delete.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from proxvps.lifecycle.context import StepContext
from proxvps.lifecycle.outcomes import Done, Outcome


def delete_records(ctx: StepContext) -> Outcome:
    """Delete the forward and reverse records of the service's addresses; never blocks the operation."""
    return Done(_("skip - no DNS zone configured"))
