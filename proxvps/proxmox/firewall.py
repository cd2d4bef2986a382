"""A VM's firewall on Proxmox: options, rules and IP sets (`client.firewall`).

All calls are synchronous in PVE (no task). Writes accept the `digest` read with the list so a concurrent
change is refused with `ProxmoxConflictError` instead of editing the wrong rule position.
"""

from __future__ import annotations

from collections.abc import Sequence

from proxvps.proxmox.session import Params, Session, path
from proxvps.proxmox.types import FirewallOptions, FirewallRule, FirewallRuleSpec, IpSet, IpSetEntry


def _base(node: str, vmid: int, *rest: str | int) -> str:
    return path("nodes", node, "qemu", vmid, "firewall", *rest)


class VmFirewall:
    """The firewall calls of one cluster session, at VM level."""

    def __init__(self, session: Session) -> None:
        self._session = session

    # ------------------------------------------------------------------ options

    def options(self, node: str, vmid: int) -> FirewallOptions:
        return FirewallOptions.from_api(self._session.call_object("GET", _base(node, vmid, "options")))

    def set_options(self, node: str, vmid: int, options: FirewallOptions, delete: Sequence[str] = ()) -> None:
        """Set every option that is not None in `options` (its digest, if any, guards the write)."""
        params: Params = {
            "enable": options.enable,
            "dhcp": options.dhcp,
            "ndp": options.ndp,
            "radv": options.radv,
            "macfilter": options.macfilter,
            "ipfilter": options.ipfilter,
            "log_level_in": options.log_level_in,
            "log_level_out": options.log_level_out,
            "policy_in": options.policy_in,
            "policy_out": options.policy_out,
            "digest": options.digest,
            "delete": ",".join(delete) or None,
        }
        self._session.call("PUT", _base(node, vmid, "options"), params)

    # -------------------------------------------------------------------- rules

    def rules(self, node: str, vmid: int) -> list[FirewallRule]:
        """The rules in order (position 0 is evaluated first)."""
        return [FirewallRule.from_api(item) for item in self._session.call_list("GET", _base(node, vmid, "rules"))]

    def create_rule(self, node: str, vmid: int, rule: FirewallRuleSpec, digest: str | None = None) -> None:
        """Add a rule at the top (PVE ignores a position on create; `move_rule` places it)."""
        params: dict[str, str | int | None] = {**rule.params(), "digest": digest}
        self._session.call("POST", _base(node, vmid, "rules"), params)

    def update_rule(
        self,
        node: str,
        vmid: int,
        pos: int,
        rule: FirewallRuleSpec,
        delete: Sequence[str] = (),
        digest: str | None = None,
    ) -> None:
        """Replace the fields of the rule at `pos` with `rule`'s; `delete` clears fields (e.g. `dport`)."""
        params: dict[str, str | int | None] = {
            **rule.params(),
            "delete": ",".join(delete) or None,
            "digest": digest,
        }
        self._session.call("PUT", _base(node, vmid, "rules", pos), params)

    def move_rule(self, node: str, vmid: int, pos: int, moveto: int, digest: str | None = None) -> None:
        """Move the rule at `pos` in front of the rule now at `moveto` (drag-reorder in the client area)."""
        self._session.call("PUT", _base(node, vmid, "rules", pos), {"moveto": moveto, "digest": digest})

    def delete_rule(self, node: str, vmid: int, pos: int, digest: str | None = None) -> None:
        self._session.call("DELETE", _base(node, vmid, "rules", pos), {"digest": digest})

    # ------------------------------------------------------------------- ipsets

    def ipsets(self, node: str, vmid: int) -> list[IpSet]:
        return [IpSet.from_api(item) for item in self._session.call_list("GET", _base(node, vmid, "ipset"))]

    def create_ipset(self, node: str, vmid: int, name: str, comment: str | None = None) -> None:
        self._session.call("POST", _base(node, vmid, "ipset"), {"name": name, "comment": comment})

    def delete_ipset(self, node: str, vmid: int, name: str, force: bool = False) -> None:
        """Delete an IP set; PVE refuses a non-empty one unless `force`."""
        self._session.call("DELETE", _base(node, vmid, "ipset", name), {"force": force or None})

    def ipset_entries(self, node: str, vmid: int, name: str) -> list[IpSetEntry]:
        data = self._session.call_list("GET", _base(node, vmid, "ipset", name))
        return [IpSetEntry.from_api(item) for item in data]

    def add_ipset_entry(
        self, node: str, vmid: int, name: str, cidr: str, comment: str | None = None, nomatch: bool = False
    ) -> None:
        params: Params = {"cidr": cidr, "comment": comment, "nomatch": nomatch or None}
        self._session.call("POST", _base(node, vmid, "ipset", name), params)

    def delete_ipset_entry(self, node: str, vmid: int, name: str, cidr: str) -> None:
        self._session.call("DELETE", _base(node, vmid, "ipset", name, cidr))
