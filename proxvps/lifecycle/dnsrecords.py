"""The service's DNS records (SPEC S12).

Placeholder of the DNS engineer's module, replaced at merge: it keeps only the signature terminate calls. No DNS
zone is configured in this installation yet, so there is nothing to delete.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from proxvps.lifecycle.context import StepContext
from proxvps.lifecycle.outcomes import Done, Outcome


def delete_records(ctx: StepContext) -> Outcome:
    """Delete the service's forward and reverse records; never blocks the operation."""
    return Done(_("skip - no DNS zone configured"))
