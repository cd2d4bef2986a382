"""A client's firewall rules and policies on a deployed VM in the sandbox: added, listed, dragged, deleted, policies
changed, each read back from Proxmox; bad input refused with a sentence naming the field and not one request sent."""

from __future__ import annotations

from typing import Any

import pytest

from proxvps.domain import states
from proxvps.domain.firewall import RuleError
from proxvps.inventory.connect import client_for
from proxvps.inventory.models import Plan, Server, Service
from proxvps.lifecycle.firewall_rules import (
    FirewallRefused,
    Policies,
    add_rule,
    delete_rule,
    list_rules,
    move_rule,
    read_policies,
    set_policy,
)
from proxvps.lifecycle.orders import order_service
from proxvps.proxmox import FirewallRule, FirewallRuleSpec
from tests.lifecycle.conftest import drive

pytestmark = pytest.mark.django_db


@pytest.fixture
def ready(cluster: Server, plan: Plan) -> Service:
    service = order_service(billing_service_id="6101", client_ref="77", plan=plan)
    drive(service)
    assert service.state == states.READY
    return service


def on_proxmox(cluster: Server, service: Service) -> list[FirewallRule]:
    """The VM's rules as Proxmox has them, read on a connection of the test's own."""
    assert service.vmid is not None
    with client_for(cluster) as client:
        return client.firewall.rules(service.node, service.vmid)


def comments(rules: list[FirewallRule]) -> list[str | None]:
    return [rule.comment for rule in rules]


class RequestLog:
    """What the sandbox was asked from a point on."""

    def __init__(self, sandbox: Any) -> None:
        self._requests: list[tuple[str, str, Any]] = sandbox.pve.requests
        self._start = len(self._requests)

    @property
    def since(self) -> list[tuple[str, str]]:
        return [(method, path) for method, path, _body in self._requests[self._start :]]

    @property
    def writes(self) -> list[tuple[str, str]]:
        return [(method, path) for method, path in self.since if method != "GET"]


@pytest.fixture
def requests(sandbox: Any) -> RequestLog:
    return RequestLog(sandbox)


def add(service: Service, comment: str, **fields: Any) -> None:
    add_rule(service, {"direction": "in", "action": "ACCEPT", "comment": comment, **fields})


def test_rules_are_added_at_the_top_and_listed_as_proxmox_stores_them(cluster: Server, ready: Service) -> None:
    add_rule(ready, {"direction": "in", "action": "accept", "protocol": "TCP", "dport": "22", "comment": "ssh"})
    stored = add_rule(
        ready,
        {
            "direction": "out",
            "action": "REJECT",
            "enable": False,
            "protocol": "udp",
            "dest": "2001:DB8::/32",
            "sport": "1000-2000,53",
            "iface": "net0",
            "log": "info",
            "comment": "no dns",
        },
    )

    listed = list_rules(ready)
    assert listed.digest
    assert listed.rules == on_proxmox(cluster, ready)
    first, second = listed.rules
    assert (first.pos, first.type, first.action, first.enable, first.proto, first.dest, first.sport) == (
        0,
        "out",
        "REJECT",
        False,
        "udp",
        "2001:db8::/32",
        "1000:2000,53",
    )
    assert (first.iface, first.log, first.comment) == ("net0", "info", "no dns")
    assert (second.pos, second.type, second.action, second.proto, second.dport, second.comment) == (
        1,
        "in",
        "ACCEPT",
        "tcp",
        "22",
        "ssh",
    )
    assert (stored.sport, stored.dest) == ("1000:2000,53", "2001:db8::/32")


def test_a_rule_is_dragged_to_a_new_position(cluster: Server, ready: Service) -> None:
    for name in ("d", "c", "b", "a"):
        add(ready, name)
    assert comments(on_proxmox(cluster, ready)) == ["a", "b", "c", "d"]

    move_rule(ready, 0, 2)
    assert comments(on_proxmox(cluster, ready)) == ["b", "c", "a", "d"]
    move_rule(ready, 3, 0)
    assert comments(on_proxmox(cluster, ready)) == ["d", "b", "c", "a"]
    move_rule(ready, 1, 3, digest=list_rules(ready).digest)
    assert comments(on_proxmox(cluster, ready)) == ["d", "c", "a", "b"]


def test_dragging_a_rule_onto_its_own_place_writes_nothing(ready: Service, requests: RequestLog) -> None:
    add(ready, "only")
    before = len(requests.writes)
    move_rule(ready, 0, 0)
    assert len(requests.writes) == before


def test_a_rule_is_deleted_by_its_position(cluster: Server, ready: Service) -> None:
    for name in ("c", "b", "a"):
        add(ready, name)
    delete_rule(ready, 1, digest=list_rules(ready).digest)
    assert comments(on_proxmox(cluster, ready)) == ["a", "c"]
    delete_rule(ready, 1)
    assert comments(on_proxmox(cluster, ready)) == ["a"]


def test_the_policies_change_per_direction_and_read_back(cluster: Server, ready: Service) -> None:
    assert read_policies(ready) == Policies(policy_in="DROP", policy_out="ACCEPT")  # the plan's, set on deploy

    set_policy(ready, "in", "accept")
    set_policy(ready, "out", "REJECT")

    assert read_policies(ready) == Policies(policy_in="ACCEPT", policy_out="REJECT")
    assert ready.vmid is not None
    with client_for(cluster) as client:
        options = client.firewall.options(ready.node, ready.vmid)
    assert (options.policy_in, options.policy_out, options.enable, options.log_level_in) == (
        "ACCEPT",
        "REJECT",
        True,
        "info",
    )


@pytest.mark.parametrize(
    ("fields", "field", "sentence"),
    [
        pytest.param(
            {"source": "10.0.0.5/33"}, "source", "Source: 10.0.0.5/33 is not an IP address or network", id="bad-cidr"
        ),
        pytest.param(
            {"protocol": "tcp", "dport": "70000"},
            "dport",
            "Destination port: 70000 is not a port (1-65535).",
            id="port-70000",
        ),
        pytest.param(
            {"protocol": "udp", "sport": "20-10"},
            "sport",
            "Source port: range 20-10 ends before it starts.",
            id="range-20-10",
        ),
        pytest.param(
            {"protocol": "tcpx"}, "protocol", "Protocol: tcpx is not a protocol Proxmox knows", id="unknown-protocol"
        ),
        pytest.param(
            {"action": "ALLOW"}, "action", "Action: ALLOW is not ACCEPT, DROP or REJECT.", id="unknown-action"
        ),
        pytest.param({"direction": "both"}, "direction", "Direction: both is not in or out.", id="unknown-direction"),
    ],
)
def test_a_refused_rule_changes_nothing_and_sends_nothing(
    cluster: Server, ready: Service, requests: RequestLog, fields: dict[str, Any], field: str, sentence: str
) -> None:
    add(ready, "kept", protocol="tcp", dport="443")
    before = on_proxmox(cluster, ready)
    asked = len(requests.since)

    with pytest.raises(RuleError) as caught:
        add_rule(ready, {"direction": "in", "action": "ACCEPT", **fields})

    assert caught.value.fields == [field]
    assert sentence in str(caught.value)
    assert requests.since[asked:] == [], "not even a read: the rule is checked before anything is sent"
    assert on_proxmox(cluster, ready) == before


@pytest.mark.parametrize(
    ("direction", "policy", "sentence"),
    [
        ("in", "ALLOW", "Policy: ALLOW is not ACCEPT, DROP or REJECT."),
        ("sideways", "DROP", "Direction: sideways is not in or out."),
    ],
)
def test_a_refused_policy_changes_nothing_and_sends_nothing(
    ready: Service, requests: RequestLog, direction: str, policy: str, sentence: str
) -> None:
    with pytest.raises(RuleError, match=sentence):
        set_policy(ready, direction, policy)
    assert requests.since == []
    assert read_policies(ready) == Policies(policy_in="DROP", policy_out="ACCEPT")


@pytest.mark.parametrize("position", [2, -1, "1", True])
def test_a_position_outside_the_list_is_refused_without_a_write(
    cluster: Server, ready: Service, requests: RequestLog, position: Any
) -> None:
    add(ready, "b")
    add(ready, "a")
    writes = len(requests.writes)

    with pytest.raises(FirewallRefused, match="There is no rule at position"):
        delete_rule(ready, position)
    with pytest.raises(FirewallRefused, match="There is no rule at position"):
        move_rule(ready, 0, position)

    assert requests.writes[writes:] == []
    assert comments(on_proxmox(cluster, ready)) == ["a", "b"]


def test_a_change_to_a_list_that_changed_since_it_was_shown_is_refused(cluster: Server, ready: Service) -> None:
    add(ready, "b")
    add(ready, "a")
    shown = list_rules(ready)
    assert ready.vmid is not None
    with client_for(cluster) as client:  # another tab, or staff, adds a rule meanwhile
        client.firewall.create_rule(ready.node, ready.vmid, FirewallRuleSpec("in", "DROP", comment="new"))

    with pytest.raises(FirewallRefused, match="changed since they were shown"):
        delete_rule(ready, 0, digest=shown.digest)
    with pytest.raises(FirewallRefused, match="changed since they were shown"):
        move_rule(ready, 0, 1, digest=shown.digest)

    assert comments(on_proxmox(cluster, ready)) == ["new", "a", "b"]


def test_a_plan_without_the_firewall_refuses_every_change(ready: Service, requests: RequestLog) -> None:
    ready.plan.firewall_enabled = False
    ready.plan.save()

    for call in (
        lambda: list_rules(ready),
        lambda: read_policies(ready),
        lambda: add_rule(ready, {"direction": "in", "action": "ACCEPT"}),
        lambda: delete_rule(ready, 0),
        lambda: move_rule(ready, 0, 1),
        lambda: set_policy(ready, "in", "ACCEPT"),
    ):
        with pytest.raises(FirewallRefused, match="The firewall is not part of this service's plan"):
            call()
    assert requests.since == []


def test_a_service_without_a_vm_yet_refuses_every_change(plan: Plan, requests: RequestLog) -> None:
    service = order_service(billing_service_id="6102", client_ref="77", plan=plan)

    for call in (
        lambda: list_rules(service),
        lambda: add_rule(service, {"direction": "in", "action": "ACCEPT"}),
        lambda: set_policy(service, "out", "DROP"),
    ):
        with pytest.raises(FirewallRefused, match="has no VM yet"):
            call()
    assert requests.since == []


def test_a_terminated_service_refuses_every_change(ready: Service, requests: RequestLog) -> None:
    Service.objects.filter(pk=ready.pk).update(state=states.REMOVE)
    ready.refresh_from_db()

    with pytest.raises(FirewallRefused, match="terminated"):
        add_rule(ready, {"direction": "in", "action": "ACCEPT"})
    assert requests.since == []
