"""A client's firewall rules and policies on the service's VM (SPEC S13, S17): list, add, delete, drag-reorder and
the input/output policies.

These back the client area and the API. Each is a synchronous Proxmox call (PVE runs no task for the firewall) on
a connection of its own, made only once the input is checked: a rule or policy `proxvps.domain.firewall` refuses,
a position outside the list, a plan without the firewall or a service without a VM send no write to Proxmox.

Positions are PVE's: 0 is the rule evaluated first. A write applies to the list the client was shown: the caller
passes back the `digest` that `list_rules` returned, and if the rules changed since (another tab, staff), the write
is refused (`FirewallRefused`) instead of deleting or moving the wrong rule. Without a digest, the list as read just
before the write is the reference.

Refusals are `FirewallRefused` (one translated sentence) and `proxvps.domain.firewall.RuleError` (one sentence per
refused field, for a form to show next to each field: render it with gettext); Proxmox's own failures stay
`ProxmoxError`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Final

from django.utils.translation import gettext as _

from proxvps.domain import states
from proxvps.domain.firewall import Direction, Rule, Verdict, parse_policy, parse_rule
from proxvps.domain.transitions import DEPLOY
from proxvps.inventory.connect import client_for
from proxvps.inventory.models import Server, Service
from proxvps.proxmox import FirewallOptions, FirewallRule, FirewallRuleSpec, ProxmoxConflictError, VmFirewall

DEFAULT_POLICIES: Final[dict[Direction, Verdict]] = {"in": "DROP", "out": "ACCEPT"}
"""PVE's policies of a VM firewall whose options never set one."""
_GONE: Final = frozenset({states.TERMINATE, states.ERROR_TERMINATE, states.REMOVE})


class FirewallRefused(ValueError):  # noqa: N818 - a refusal, not a failure: the message is the answer
    """The firewall cannot be changed as asked; the message says why in one sentence."""


@dataclass(frozen=True)
class RuleList:
    """The VM's rules in evaluation order, and the digest of the list as read (None for an empty list)."""

    rules: list[FirewallRule]
    digest: str | None


@dataclass(frozen=True)
class Policies:
    """What happens to packets no rule matches, per direction."""

    policy_in: Verdict
    policy_out: Verdict


def _vm(service: Service) -> tuple[Server, str, int]:
    """The cluster, node and VMID whose firewall the client may change; FirewallRefused when there is none."""
    if not service.plan.firewall_enabled:
        raise FirewallRefused(_("The firewall is not part of this service's plan."))
    if service.state in _GONE:
        raise FirewallRefused(_("This service is terminated: its firewall can no longer be changed."))
    if service.server is None or service.vmid is None or not service.node or service.state in DEPLOY.states:
        raise FirewallRefused(_("This service has no VM yet: its firewall can be changed once the VM is deployed."))
    return service.server, service.node, service.vmid


@contextmanager
def _firewall(service: Service) -> Iterator[tuple[VmFirewall, str, int]]:
    server, node, vmid = _vm(service)
    with client_for(server) as client:
        try:
            yield client.firewall, node, vmid
        except ProxmoxConflictError:
            raise FirewallRefused(
                _("The firewall rules changed since they were shown: reload them and try again.")
            ) from None


def _read(fw: VmFirewall, node: str, vmid: int, digest: str | None) -> RuleList:
    """The rules now; FirewallRefused when they are no longer the list whose digest the client holds."""
    rules = fw.rules(node, vmid)
    listed = RuleList(rules, rules[0].digest if rules else None)
    if digest is not None and digest != listed.digest:
        raise FirewallRefused(_("The firewall rules changed since they were shown: reload them and try again."))
    return listed


def _position(listed: RuleList, position: object) -> int:
    if isinstance(position, bool) or not isinstance(position, int) or not 0 <= position < len(listed.rules):
        raise FirewallRefused(_("There is no rule at position %(position)s.") % {"position": position})
    return position


def _spec(rule: Rule) -> FirewallRuleSpec:
    return FirewallRuleSpec(
        type=rule.direction,
        action=rule.action,
        enable=rule.enable,
        proto=rule.protocol,
        source=rule.source,
        dest=rule.dest,
        sport=rule.sport,
        dport=rule.dport,
        iface=rule.iface,
        log=rule.log,
        comment=rule.comment,
    )


def list_rules(service: Service) -> RuleList:
    """The VM's rules, first evaluated first, with the digest to pass back with a change."""
    with _firewall(service) as (fw, node, vmid):
        return _read(fw, node, vmid, None)


def read_policies(service: Service) -> Policies:
    """The VM's input and output policies (PVE's defaults where the options set none)."""
    with _firewall(service) as (fw, node, vmid):
        options = fw.options(node, vmid)
    policy_in = parse_policy("in", options.policy_in or DEFAULT_POLICIES["in"])[1]
    policy_out = parse_policy("out", options.policy_out or DEFAULT_POLICIES["out"])[1]
    return Policies(policy_in=policy_in, policy_out=policy_out)


def add_rule(service: Service, fields: Mapping[str, object]) -> Rule:
    """Check the rule `fields` describe (the keyword arguments of `parse_rule`) and add it at the top of the list,
    where PVE puts a new rule (no position shifts under it: no digest needed); the rule as stored. RuleError or
    FirewallRefused, with nothing sent, when refused."""
    _vm(service)
    rule = parse_rule(**fields)
    with _firewall(service) as (fw, node, vmid):
        fw.create_rule(node, vmid, _spec(rule))
    return rule


CLEARABLE = ("iface", "source", "dest", "proto", "sport", "dport", "log", "comment")
"""The optional fields of a rule: an edit that leaves one empty clears it."""


def update_rule(service: Service, position: int, fields: Mapping[str, object], digest: str | None = None) -> Rule:
    """Replace the rule at `position` of the list whose `digest` the client holds with the one `fields` describe
    (checked as `add_rule` checks it); a field left empty is cleared. RuleError or FirewallRefused, with nothing
    sent, when refused."""
    _vm(service)
    rule = parse_rule(**fields)
    spec = _spec(rule)
    cleared = [name for name in CLEARABLE if getattr(spec, name) is None]
    with _firewall(service) as (fw, node, vmid):
        listed = _read(fw, node, vmid, digest)
        fw.update_rule(node, vmid, _position(listed, position), spec, delete=cleared, digest=listed.digest)
    return rule


def delete_rule(service: Service, position: int, digest: str | None = None) -> None:
    """Delete the rule at `position` of the list whose `digest` the client holds."""
    with _firewall(service) as (fw, node, vmid):
        listed = _read(fw, node, vmid, digest)
        fw.delete_rule(node, vmid, _position(listed, position), digest=listed.digest)


def move_rule(service: Service, source: int, target: int, digest: str | None = None) -> None:
    """Drag-reorder: the rule at `source` ends up at position `target`, the others keeping their order."""
    with _firewall(service) as (fw, node, vmid):
        listed = _read(fw, node, vmid, digest)
        start, end = _position(listed, source), _position(listed, target)
        if start == end:
            return
        # PVE puts the rule in front of the one at `moveto`, counted before the move: one further when moving down.
        fw.move_rule(node, vmid, start, end + 1 if end > start else end, digest=listed.digest)


def set_policy(service: Service, direction: object, policy: object) -> None:
    """Set the input (`in`) or output (`out`) policy. RuleError, with nothing sent, for a direction or policy that
    is none of PVE's."""
    _vm(service)
    way, verdict = parse_policy(direction, policy)
    options = FirewallOptions(policy_in=verdict) if way == "in" else FirewallOptions(policy_out=verdict)
    with _firewall(service) as (fw, node, vmid):
        fw.set_options(node, vmid, options)
