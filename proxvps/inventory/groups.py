"""Why a plan cannot deploy into its server group, in one of the four cases SPEC S18 (seed v3.1) names: no group
chosen, the group deleted, the group empty, or the group pointing at a server that was deleted. The plan's page
shows the problem with how to fix it; the deploy's first step stops with the same reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.utils.translation import gettext as _

from proxvps.inventory.models import Plan


class GroupProblemKind(StrEnum):
    NOT_SELECTED = "not_selected"
    DELETED = "deleted"
    EMPTY = "empty"
    MISSING_SERVER = "missing_server"


@dataclass(frozen=True)
class GroupProblem:
    kind: GroupProblemKind
    message: str
    fix: str


def group_problem(plan: Plan) -> GroupProblem | None:
    """The plan's server-group problem, or None when its group has servers that all exist."""
    group = plan.server_group
    if group is None:
        if plan.server_group_name:
            return GroupProblem(
                GroupProblemKind.DELETED,
                _("The server group %(group)s no longer exists.") % {"group": plan.server_group_name},
                _("Choose another server group for this plan, or create the group again and choose it."),
            )
        return GroupProblem(
            GroupProblemKind.NOT_SELECTED,
            _("No server group is selected for this plan."),
            _("Choose the server group whose servers this plan deploys into, under VM configuration."),
        )
    present = set(group.servers.values_list("name", flat=True))
    missing = sorted(name for name in group.server_names if name not in present)
    if missing:
        return GroupProblem(
            GroupProblemKind.MISSING_SERVER,
            _("The server group %(group)s refers to a server that was deleted: %(servers)s.")
            % {"group": group.name, "servers": ", ".join(missing)},
            _("Edit the group under Servers → Server groups: choose the servers it should use and save it."),
        )
    if not present:
        return GroupProblem(
            GroupProblemKind.EMPTY,
            _("The server group %(group)s has no servers assigned.") % {"group": group.name},
            _("Add a server to the group under Servers → Server groups → %(group)s.") % {"group": group.name},
        )
    return None
