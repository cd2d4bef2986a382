"""Client firewall rules and policies: every field parsed into PVE's form or refused with one sentence naming it."""

from __future__ import annotations

from typing import Any

import pytest
from fakepve import firewall as pve_firewall

from proxvps.domain.firewall import MAX_COMMENT, Problem, Rule, RuleError, parse_policy, parse_rule

BASE: dict[str, Any] = {"direction": "in", "action": "ACCEPT"}


def rule(**fields: Any) -> Rule:
    return parse_rule(**{**BASE, **fields})


def refusal(**fields: Any) -> RuleError:
    with pytest.raises(RuleError) as caught:
        parse_rule(**{**BASE, **fields})
    return caught.value


def pve_accepts(parsed: Rule) -> None:
    """PVE's own check of a VM rule (fakepve's port of PVE::Firewall::verify_rule) takes the parsed rule."""
    params = {
        "type": parsed.direction,
        "action": parsed.action,
        "enable": int(parsed.enable),
        "proto": parsed.protocol,
        "source": parsed.source,
        "dest": parsed.dest,
        "sport": parsed.sport,
        "dport": parsed.dport,
        "iface": parsed.iface,
        "log": parsed.log,
        "comment": parsed.comment,
    }
    conf = pve_firewall.empty_conf()
    pve_firewall.verify_rule({k: v for k, v in params.items() if v is not None}, conf, conf, "vm")


# ------------------------------------------------------------------------------------------------ accepted input


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        pytest.param({}, {}, id="the-least-a-rule-needs"),
        pytest.param({"direction": "OUT", "action": "drop"}, {"direction": "out", "action": "DROP"}, id="any-case"),
        pytest.param({"action": " REJECT "}, {"action": "REJECT"}, id="spaces-around"),
        pytest.param({"enable": False}, {"enable": False}, id="disabled"),
        pytest.param({"enable": "off"}, {"enable": False}, id="disabled-as-text"),
        pytest.param({"enable": "on"}, {"enable": True}, id="enabled-as-a-checkbox-sends-it"),
        pytest.param({"enable": 0}, {"enable": False}, id="disabled-as-a-number"),
        pytest.param({"protocol": "TCP"}, {"protocol": "tcp"}, id="protocol-lower-cased"),
        pytest.param({"protocol": "17"}, {"protocol": "udp"}, id="protocol-number-named"),
        pytest.param({"protocol": "ipv6-icmp"}, {"protocol": "ipv6-icmp"}, id="ipv6-icmp"),
        pytest.param({"protocol": "icmpv6"}, {"protocol": "icmpv6"}, id="pves-icmpv6-alias"),
        pytest.param({"protocol": "gre"}, {"protocol": "gre"}, id="a-protocol-without-ports"),
        pytest.param({"protocol": ""}, {"protocol": None}, id="empty-protocol-is-any"),
        pytest.param({"source": "192.0.2.7"}, {"source": "192.0.2.7"}, id="ipv4-address"),
        pytest.param({"source": "192.0.2.0/24"}, {"source": "192.0.2.0/24"}, id="ipv4-network"),
        pytest.param({"source": "192.0.2.7/32"}, {"source": "192.0.2.7/32"}, id="ipv4-host-network"),
        pytest.param({"dest": "0.0.0.0/0"}, {"dest": "0.0.0.0/0"}, id="everything-ipv4"),
        pytest.param({"source": "192.0.2.0/255.255.255.0"}, {"source": "192.0.2.0/24"}, id="netmask-as-prefix"),
        pytest.param({"dest": "2001:DB8:0:0::1"}, {"dest": "2001:db8::1"}, id="ipv6-compressed-lower"),
        pytest.param({"dest": "2001:db8::/32"}, {"dest": "2001:db8::/32"}, id="ipv6-network"),
        pytest.param(
            {"source": "2001:db8::/64", "dest": "2001:db8:1::5"},
            {"source": "2001:db8::/64", "dest": "2001:db8:1::5"},
            id="both-ipv6",
        ),
        pytest.param({"protocol": "tcp", "dport": "22"}, {"protocol": "tcp", "dport": "22"}, id="one-port"),
        pytest.param({"protocol": "tcp", "dport": 443}, {"protocol": "tcp", "dport": "443"}, id="port-as-a-number"),
        pytest.param(
            {"protocol": "tcp", "dport": "80:85"}, {"protocol": "tcp", "dport": "80:85"}, id="range-pve-spelling"
        ),
        pytest.param(
            {"protocol": "tcp", "dport": "80-85"}, {"protocol": "tcp", "dport": "80:85"}, id="range-with-a-dash"
        ),
        pytest.param(
            {"protocol": "udp", "sport": "1000 - 2000"},
            {"protocol": "udp", "sport": "1000:2000"},
            id="range-with-spaces",
        ),
        pytest.param(
            {"protocol": "tcp", "dport": "8080:8080"}, {"protocol": "tcp", "dport": "8080"}, id="range-of-one"
        ),
        pytest.param({"protocol": "tcp", "dport": "22, 80,443"}, {"protocol": "tcp", "dport": "22,80,443"}, id="list"),
        pytest.param(
            {"protocol": "tcp", "dport": "22,1000-2000,443"},
            {"protocol": "tcp", "dport": "22,1000:2000,443"},
            id="mixed",
        ),
        pytest.param(
            {"protocol": "tcp", "dport": "1,65535"}, {"protocol": "tcp", "dport": "1,65535"}, id="lowest-and-highest"
        ),
        pytest.param(
            {"protocol": "tcp", "dport": ",".join(str(p) for p in range(1, 16))},
            {"protocol": "tcp", "dport": ",".join(str(p) for p in range(1, 16))},
            id="fifteen-ports",
        ),
        pytest.param({"protocol": "sctp", "dport": "9899"}, {"protocol": "sctp", "dport": "9899"}, id="sctp-has-ports"),
        pytest.param({"protocol": "tcp", "dport": "080"}, {"protocol": "tcp", "dport": "80"}, id="leading-zero"),
        pytest.param({"iface": "net0"}, {"iface": "net0"}, id="iface"),
        pytest.param({"iface": "NET31"}, {"iface": "net31"}, id="last-iface"),
        pytest.param({"log": "info"}, {"log": "info"}, id="log-level"),
        pytest.param({"log": "NOLOG"}, {"log": "nolog"}, id="log-level-any-case"),
        pytest.param({"log": ""}, {"log": None}, id="no-log-level"),
        pytest.param({"comment": "  ssh from the office  "}, {"comment": "ssh from the office"}, id="comment"),
        pytest.param({"comment": "ü" * MAX_COMMENT}, {"comment": "ü" * MAX_COMMENT}, id="longest-comment"),
        pytest.param({"source": "", "dest": None, "dport": " "}, {}, id="empty-fields-left-out"),
    ],
)
def test_a_valid_rule_is_parsed_into_the_form_pve_stores(fields: dict[str, Any], expected: dict[str, Any]) -> None:
    parsed = rule(**fields)
    wanted = {**Rule("in", "ACCEPT").__dict__, **expected}
    assert parsed.__dict__ == wanted
    pve_accepts(parsed)


# ------------------------------------------------------------------------------------------------ refused input


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        pytest.param({"direction": "sideways"}, "direction", "Direction: sideways is not in or out.", id="direction"),
        pytest.param({"direction": "group"}, "direction", "Direction: group is not in or out.", id="security-group"),
        pytest.param({"direction": ""}, "direction", "Direction: a value is required.", id="no-direction"),
        pytest.param({"direction": None}, "direction", "Direction: a value is required.", id="direction-none"),
        pytest.param({"action": "ALLOW"}, "action", "Action: ALLOW is not ACCEPT, DROP or REJECT.", id="action"),
        pytest.param({"action": ""}, "action", "Action: a value is required.", id="no-action"),
        pytest.param({"action": ["ACCEPT"]}, "action", "Action: ['ACCEPT'] is not text.", id="action-not-text"),
        pytest.param({"enable": "maybe"}, "enable", "Enabled: maybe is neither on nor off.", id="enable"),
        pytest.param(
            {"protocol": "tcpx"},
            "protocol",
            "Protocol: tcpx is not a protocol Proxmox knows (such as tcp, udp or icmp).",
            id="unknown-protocol",
        ),
        pytest.param(
            {"protocol": "999"},
            "protocol",
            "Protocol: 999 is not a protocol Proxmox knows (such as tcp, udp or icmp).",
            id="unknown-protocol-number",
        ),
        pytest.param(
            {"source": "10.0.0.300"},
            "source",
            "Source: 10.0.0.300 is not an IP address or network (CIDR).",
            id="bad-ipv4",
        ),
        pytest.param(
            {"source": "10.0.0.0/33"},
            "source",
            "Source: 10.0.0.0/33 is not an IP address or network (CIDR).",
            id="bad-cidr-prefix",
        ),
        pytest.param(
            {"dest": "10.0.0.0/"}, "dest", "Destination: 10.0.0.0/ is not an IP address or network (CIDR).", id="slash"
        ),
        pytest.param(
            {"dest": "010.0.0.1"},
            "dest",
            "Destination: 010.0.0.1 is not an IP address or network (CIDR).",
            id="leading-zero-octet",
        ),
        pytest.param(
            {"dest": "fe80::1%eth0"},
            "dest",
            "Destination: fe80::1%eth0 is not an IP address or network (CIDR).",
            id="ipv6-zone",
        ),
        pytest.param(
            {"source": "example.com"},
            "source",
            "Source: example.com is not an IP address or network (CIDR).",
            id="host-name",
        ),
        pytest.param(
            {"source": "192.0.2.1,192.0.2.2"},
            "source",
            "Source: 192.0.2.1,192.0.2.2 is not an IP address or network (CIDR).",
            id="address-list",
        ),
        pytest.param(
            {"source": "+ipfilter-net0"},
            "source",
            "Source: +ipfilter-net0 is not an IP address or network (CIDR).",
            id="ipset-reference",
        ),
        pytest.param(
            {"source": "192.0.2.5/24"},
            "source",
            "Source: 192.0.2.5/24 is not a network address: the network is 192.0.2.0/24.",
            id="host-bits-set",
        ),
        pytest.param(
            {"dest": "2001:db8::1/32"},
            "dest",
            "Destination: 2001:db8::1/32 is not a network address: the network is 2001:db8::/32.",
            id="ipv6-host-bits-set",
        ),
        pytest.param(
            {"source": "192.0.2.1", "dest": "2001:db8::1"},
            "dest",
            "Destination: 2001:db8::1 is IPv6 but the source is IPv4; a rule is for one IP version.",
            id="mixed-versions",
        ),
        pytest.param(
            {"protocol": "icmp", "dest": "2001:db8::1"},
            "protocol",
            "Protocol: icmp is for IPv4; use ipv6-icmp with IPv6 addresses.",
            id="icmp-with-ipv6",
        ),
        pytest.param(
            {"protocol": "icmpv6", "source": "192.0.2.1"},
            "protocol",
            "Protocol: icmpv6 is for IPv6; use icmp with IPv4 addresses.",
            id="icmpv6-with-ipv4",
        ),
        pytest.param(
            {"protocol": "tcp", "dport": "70000"},
            "dport",
            "Destination port: 70000 is not a port (1-65535).",
            id="port-70000",
        ),
        pytest.param(
            {"protocol": "tcp", "dport": "0"}, "dport", "Destination port: 0 is not a port (1-65535).", id="port-0"
        ),
        pytest.param(
            {"protocol": "tcp", "dport": "1000:70000"},
            "dport",
            "Destination port: 70000 is not a port (1-65535).",
            id="range-end-too-high",
        ),
        pytest.param(
            {"protocol": "udp", "sport": "20-10"},
            "sport",
            "Source port: range 20-10 ends before it starts.",
            id="range-20-10",
        ),
        pytest.param(
            {"protocol": "tcp", "dport": "ssh"},
            "dport",
            "Destination port: ssh is not a port, a range such as 1000:2000 or a list such as 22,80,443.",
            id="service-name",
        ),
        pytest.param(
            {"protocol": "tcp", "dport": "22,,80"},
            "dport",
            "Destination port: 22,,80 is not a port, a range such as 1000:2000 or a list such as 22,80,443.",
            id="empty-list-item",
        ),
        pytest.param(
            {"protocol": "tcp", "dport": "1:2:3"},
            "dport",
            "Destination port: 1:2:3 is not a port, a range such as 1000:2000 or a list such as 22,80,443.",
            id="two-colons",
        ),
        pytest.param(
            {"protocol": "tcp", "dport": "-5"},
            "dport",
            "Destination port: -5 is not a port, a range such as 1000:2000 or a list such as 22,80,443.",
            id="negative",
        ),
        pytest.param(
            {"protocol": "tcp", "dport": "٢٢"},
            "dport",
            "Destination port: ٢٢ is not a port, a range such as 1000:2000 or a list such as 22,80,443.",
            id="non-ascii-digits",
        ),
        pytest.param(
            {"protocol": "tcp", "dport": ",".join(str(p) for p in range(1, 17))},
            "dport",
            "Destination port: at most 15 ports, a range counting as two.",
            id="sixteen-ports",
        ),
        pytest.param(
            {"protocol": "tcp", "dport": "1:2,3:4,5:6,7:8,9:10,11:12,13:14,15:16"},
            "dport",
            "Destination port: at most 15 ports, a range counting as two.",
            id="eight-ranges",
        ),
        pytest.param(
            {"dport": "22"},
            "dport",
            "Destination port: ports need the protocol tcp, udp, udplite, dccp or sctp.",
            id="port-without-protocol",
        ),
        pytest.param(
            {"protocol": "icmp", "sport": "22"},
            "sport",
            "Source port: ports need the protocol tcp, udp, udplite, dccp or sctp.",
            id="port-with-icmp",
        ),
        pytest.param(
            {"iface": "eth0"},
            "iface",
            "Interface: eth0 is not a network device of the VM (net0 to net31).",
            id="host-iface",
        ),
        pytest.param(
            {"iface": "net32"},
            "iface",
            "Interface: net32 is not a network device of the VM (net0 to net31).",
            id="iface-out-of-range",
        ),
        pytest.param(
            {"log": "loud"},
            "log",
            "Log level: loud is not a log level (emerg, alert, crit, err, warning, notice, info, debug or nolog).",
            id="log-level",
        ),
        pytest.param(
            {"comment": "one\ntwo"},
            "comment",
            "Comment: line breaks and other control characters are not allowed.",
            id="comment-line-feed",
        ),
        pytest.param(
            {"comment": "x" * (MAX_COMMENT + 1)},
            "comment",
            f"Comment: at most {MAX_COMMENT} characters.",
            id="comment-too-long",
        ),
    ],
)
def test_bad_input_is_refused_with_one_sentence_naming_the_field(
    fields: dict[str, Any], field: str, message: str
) -> None:
    error = refusal(**fields)
    assert error.fields == [field]
    assert str(error) == message


def test_every_refused_field_is_reported_at_once_in_the_order_of_the_form() -> None:
    error = refusal(direction="up", action="ALLOW", protocol="tcpx", source="300.1.1.1", dport="70000")
    assert error.fields == ["direction", "action", "protocol", "source", "dport"]


def test_a_long_refused_value_is_cut_in_the_message() -> None:
    message = str(refusal(protocol="x" * 500))
    assert "x" * 59 + "…" in message
    assert "x" * 61 not in message


def test_a_refusal_renders_in_the_translators_language() -> None:
    words = {
        "Destination port": "Zielport",
        "%(field)s: %(value)s is not a port (1-65535).": "%(field)s: %(value)s ist kein Port (1-65535).",
    }
    error = refusal(protocol="tcp", dport="70000")
    assert error.render(lambda text: words.get(text, text)) == "Zielport: 70000 ist kein Port (1-65535)."


def test_a_rule_error_needs_a_problem() -> None:
    with pytest.raises(ValueError, match="at least one problem"):
        RuleError([])
    assert Problem("comment", "%(field)s: fine.").render() == "Comment: fine."


@pytest.mark.parametrize(
    ("direction", "policy", "expected"),
    [("in", "DROP", ("in", "DROP")), ("OUT", "accept", ("out", "ACCEPT")), ("in", " reject ", ("in", "REJECT"))],
)
def test_a_policy_is_accept_drop_or_reject_per_direction(
    direction: str, policy: str, expected: tuple[str, str]
) -> None:
    assert parse_policy(direction, policy) == expected


@pytest.mark.parametrize(
    ("direction", "policy", "message"),
    [
        ("in", "ALLOW", "Policy: ALLOW is not ACCEPT, DROP or REJECT."),
        ("in", "", "Policy: a value is required."),
        ("forward", "DROP", "Direction: forward is not in or out."),
        ("both", None, "Direction: both is not in or out. Policy: a value is required."),
    ],
)
def test_a_bad_policy_or_direction_is_refused(direction: str, policy: str | None, message: str) -> None:
    with pytest.raises(RuleError) as caught:
        parse_policy(direction, policy)
    assert str(caught.value) == message
