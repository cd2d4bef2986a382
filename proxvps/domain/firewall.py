"""A client's firewall rules and policies, checked before anything reaches Proxmox (SPEC S13, S21).

The client area sends what a person typed; PVE would refuse much of the bad input too, but with messages meant
for its admins (`invalid format - backwards range '20:10' not allowed`), after a round trip, and some of it it
accepts with a meaning the client did not intend (`192.0.2.5/24` is silently the whole /24 in an IP set). So a
rule is parsed here into the form PVE stores, following PVE's own checks (PVE::Firewall's verify_rule,
parse_port_name_number_or_range and parse_address_list), narrowed to what a client's rule needs:

- direction `in` or `out` and action ACCEPT, DROP or REJECT (security groups, macros and aliases are the
  admin's, not the client's);
- protocol: a name from a Proxmox node's /etc/protocols (or its number), lower case;
- source and destination: one IPv4 or IPv6 address or network (CIDR), both of one IP version;
- ports: numbers, ranges (`80:85`, or `80-85`, which PVE spells with a colon) and lists of them (`22,80,443`),
  at most 15 numbers with a range counting as two, and only with a protocol that has ports;
- interface `net0` ... `net31`, a log level, and a one-line comment.

Every refusal is one sentence naming the field (`Destination port: 70000 is not a port (1-65535).`), and all the
refusals of a rule are reported at once. The sentences are marked with `N_` and translated where they are shown
(`RuleError.render` with gettext): this module imports no Django.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final, Literal, TypeVar

from proxvps.domain.transitions import N_

T = TypeVar("T")
Direction = Literal["in", "out"]
Verdict = Literal["ACCEPT", "DROP", "REJECT"]
"""What a rule's action or a direction's policy does with a packet."""

DIRECTIONS: Final[tuple[Direction, ...]] = ("in", "out")
VERDICTS: Final[tuple[Verdict, ...]] = ("ACCEPT", "DROP", "REJECT")
LOG_LEVELS: Final = ("emerg", "alert", "crit", "err", "warning", "notice", "info", "debug", "nolog")
"""PVE's log levels of a rule (and of a direction's policy), `nolog` the default."""

PROTOCOLS: Final = MappingProxyType(
    {
        "icmp": 1, "igmp": 2, "ipencap": 4, "tcp": 6, "egp": 8, "udp": 17, "dccp": 33, "ipv6": 41,
        "ipv6-route": 43, "ipv6-frag": 44, "gre": 47, "esp": 50, "ah": 51, "ipv6-icmp": 58, "icmpv6": 58,
        "ipv6-nonxt": 59, "ipv6-opts": 60, "ospf": 89, "ipip": 94, "pim": 103, "vrrp": 112, "l2tp": 115,
        "sctp": 132, "udplite": 136,
    }
)  # fmt: skip
"""Protocol names of Debian's /etc/protocols that a Proxmox node resolves, with their numbers; `icmpv6` is PVE's
own alias of `ipv6-icmp`."""
PORT_PROTOCOLS: Final = frozenset({"tcp", "udp", "udplite", "dccp", "sctp"})
"""The protocols PVE accepts ports with."""
_PROTOCOL_NAMES: Final = MappingProxyType({number: name for name, number in PROTOCOLS.items() if name != "icmpv6"})
_IPV4_ONLY: Final = frozenset({"icmp"})
_IPV6_ONLY: Final = frozenset({"ipv6-icmp", "icmpv6"})

MAX_PORT_NUMBERS: Final = 15
"""PVE's limit for a port list (iptables' multiport match): a range counts as two."""
MAX_COMMENT: Final = 200
MAX_SHOWN: Final = 60
"""Characters of a refused value a message repeats; the rest is cut off."""

_DIRECTIONS: Final[Mapping[str, Direction]] = MappingProxyType({way: way for way in DIRECTIONS})
_VERDICTS: Final[Mapping[str, Verdict]] = MappingProxyType({verdict: verdict for verdict in VERDICTS})
_LOG_LEVELS: Final = MappingProxyType({level: level for level in LOG_LEVELS})
_NOT_A_DIRECTION: Final = N_("%(field)s: %(value)s is not in or out.")
_NOT_A_VERDICT: Final = N_("%(field)s: %(value)s is not ACCEPT, DROP or REJECT.")
_NOT_A_LOG_LEVEL: Final = N_(
    "%(field)s: %(value)s is not a log level (emerg, alert, crit, err, warning, notice, info, debug or nolog)."
)
_PORT_ITEM = re.compile(r"([0-9]+)(?:\s*([-:])\s*([0-9]+))?")
_IFACE = re.compile(r"net(?:[0-9]|[12][0-9]|3[01])")
_TRUE: Final = frozenset({"1", "on", "yes", "true"})
_FALSE: Final = frozenset({"0", "off", "no", "false"})

LABELS: Final = MappingProxyType(
    {
        "direction": N_("Direction"),
        "action": N_("Action"),
        "enable": N_("Enabled"),
        "protocol": N_("Protocol"),
        "source": N_("Source"),
        "dest": N_("Destination"),
        "sport": N_("Source port"),
        "dport": N_("Destination port"),
        "iface": N_("Interface"),
        "log": N_("Log level"),
        "comment": N_("Comment"),
        "policy": N_("Policy"),
    }
)
"""The name of each field as a person reads it: the start of every refusal."""


def _same(text: str) -> str:
    return text


@dataclass(frozen=True)
class Problem:
    """One refused field: `message` is an `N_`-marked sentence with `%(field)s` and the other `params`."""

    field: str
    message: str
    params: Mapping[str, object] = dataclasses.field(default_factory=dict)

    def render(self, translate: Callable[[str], str] = _same) -> str:
        return translate(self.message) % {**self.params, "field": translate(LABELS[self.field])}


class RuleError(ValueError):
    """Input a rule or policy cannot be made of; `problems` holds one sentence per refused field."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = list(problems)
        if not self.problems:
            raise ValueError("a RuleError needs at least one problem")
        super().__init__(self.render())

    @property
    def fields(self) -> list[str]:
        return [problem.field for problem in self.problems]

    def render(self, translate: Callable[[str], str] = _same) -> str:
        """Every refusal, one sentence each, in `translate`'s language."""
        return " ".join(problem.render(translate) for problem in self.problems)


@dataclass(frozen=True)
class Rule:
    """A valid client rule in the form PVE stores it. Make one with `parse_rule`, which checks every field."""

    direction: Direction
    action: Verdict
    enable: bool = True
    protocol: str | None = None
    source: str | None = None
    dest: str | None = None
    sport: str | None = None
    dport: str | None = None
    iface: str | None = None
    log: str | None = None
    comment: str | None = None


def _shown(value: object) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 1] + "…"


class _Checker:
    """Collects the problems of one rule while its fields are parsed."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def refuse(self, name: str, message: str, **params: object) -> None:
        self.problems.append(Problem(name, message, params))

    def text(self, name: str, value: object) -> str | None:
        """The value as stripped text, None when empty; a whole number is taken as its digits."""
        if value is None:
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        if isinstance(value, str):
            return value.strip() or None
        self.refuse(name, N_("%(field)s: %(value)s is not text."), value=_shown(value))
        return None

    def choice(
        self, name: str, value: object, choices: Mapping[str, T], message: str, required: bool = True
    ) -> T | None:
        """One of `choices`, whose keys are the accepted spellings: upper or lower case, as given there."""
        refused = len(self.problems)
        text = self.text(name, value)
        if text is None:
            if required and len(self.problems) == refused:
                self.refuse(name, N_("%(field)s: a value is required."))
            return None
        found = choices.get(text.upper()) or choices.get(text.lower())
        if found is None:
            self.refuse(name, message, value=_shown(text))
        return found

    def flag(self, name: str, value: object) -> bool:
        if isinstance(value, bool):
            return value
        text = (self.text(name, value) or "").lower()
        if text in _TRUE or text in _FALSE:
            return text in _TRUE
        self.refuse(name, N_("%(field)s: %(value)s is neither on nor off."), value=_shown(value))
        return False

    def protocol(self, value: object) -> str | None:
        text = self.text("protocol", value)
        if text is None:
            return None
        name = _PROTOCOL_NAMES.get(int(text)) if text.isdigit() and text.isascii() else text.lower()
        if name not in PROTOCOLS:
            self.refuse(
                "protocol",
                N_("%(field)s: %(value)s is not a protocol Proxmox knows (such as tcp, udp or icmp)."),
                value=_shown(text),
            )
            return None
        return name

    def address(self, name: str, value: object) -> tuple[str | None, int | None]:
        """The address or network in PVE's spelling, and its IP version."""
        text = self.text(name, value)
        if text is None:
            return None, None
        try:
            if "%" in text:  # an IPv6 zone (fe80::1%eth0): ipaddress takes it, PVE does not
                raise ValueError(text)
            if "/" not in text:
                address = ipaddress.ip_address(text)
                return str(address), address.version
            network = ipaddress.ip_network(text, strict=False)
            start = ipaddress.ip_address(text.partition("/")[0])
        except ValueError:
            self.refuse(name, N_("%(field)s: %(value)s is not an IP address or network (CIDR)."), value=_shown(text))
            return None, None
        if start != network.network_address:
            self.refuse(
                name,
                N_("%(field)s: %(value)s is not a network address: the network is %(network)s."),
                value=_shown(text),
                network=str(network),
            )
            return None, None
        return str(network), network.version

    def ports(self, name: str, value: object) -> str | None:
        """A port list in PVE's spelling (`22,80:85`): every item checked, ranges with a colon."""
        text = self.text(name, value)
        if text is None:
            return None
        items: list[str] = []
        numbers = 0
        for item in (part.strip() for part in text.split(",")):
            found = _PORT_ITEM.fullmatch(item) if item.isascii() else None
            if found is None:
                self.refuse(
                    name,
                    N_("%(field)s: %(value)s is not a port, a range such as 1000:2000 or a list such as 22,80,443."),
                    value=_shown(item or text),
                )
                return None
            first, _separator, last = found.groups()
            bounds = [int(first)] if last is None else [int(first), int(last)]
            for port in bounds:
                if not 1 <= port <= 65535:
                    self.refuse(name, N_("%(field)s: %(value)s is not a port (1-65535)."), value=str(port))
                    return None
            if len(bounds) == 2 and bounds[0] > bounds[1]:
                self.refuse(name, N_("%(field)s: range %(value)s ends before it starts."), value=item)
                return None
            if len(bounds) == 2 and bounds[0] == bounds[1]:
                bounds = bounds[:1]
            items.append(":".join(str(port) for port in bounds))
            numbers += len(bounds)
        if numbers > MAX_PORT_NUMBERS:
            self.refuse(
                name,
                N_("%(field)s: at most %(limit)s ports, a range counting as two."),
                limit=MAX_PORT_NUMBERS,
            )
            return None
        return ",".join(items)

    def iface(self, value: object) -> str | None:
        text = self.text("iface", value)
        if text is None:
            return None
        if not _IFACE.fullmatch(text.lower()):
            self.refuse(
                "iface",
                N_("%(field)s: %(value)s is not a network device of the VM (net0 to net31)."),
                value=_shown(text),
            )
            return None
        return text.lower()

    def comment(self, value: object) -> str | None:
        text = self.text("comment", value)
        if text is None:
            return None
        if not text.isprintable():
            self.refuse("comment", N_("%(field)s: line breaks and other control characters are not allowed."))
            return None
        if len(text) > MAX_COMMENT:
            self.refuse("comment", N_("%(field)s: at most %(limit)s characters."), limit=MAX_COMMENT)
            return None
        return text


def parse_rule(
    *,
    direction: object,
    action: object,
    enable: object = True,
    protocol: object = None,
    source: object = None,
    dest: object = None,
    sport: object = None,
    dport: object = None,
    iface: object = None,
    log: object = None,
    comment: object = None,
) -> Rule:
    """The rule these fields describe, normalised as PVE stores it; RuleError lists every field refused.

    Case is forgiven where PVE's meaning is unambiguous (`accept`, `TCP`, `IN`); empty fields are left out."""
    check = _Checker()
    way = check.choice("direction", direction, _DIRECTIONS, _NOT_A_DIRECTION)
    verdict = check.choice("action", action, _VERDICTS, _NOT_A_VERDICT)
    enabled = check.flag("enable", enable)
    proto = check.protocol(protocol)
    source_text, source_version = check.address("source", source)
    dest_text, dest_version = check.address("dest", dest)
    sport_text = check.ports("sport", sport)
    dport_text = check.ports("dport", dport)
    iface_text = check.iface(iface)
    log_text = check.choice("log", log, _LOG_LEVELS, _NOT_A_LOG_LEVEL, required=False)
    comment_text = check.comment(comment)

    if source_version and dest_version and source_version != dest_version:
        check.refuse(
            "dest",
            N_("%(field)s: %(value)s is IPv%(version)s but the source is IPv%(other)s; a rule is for one IP version."),
            value=dest_text,
            version=dest_version,
            other=source_version,
        )
    versions = {version for version in (source_version, dest_version) if version}
    if proto in _IPV4_ONLY and 6 in versions:
        check.refuse("protocol", N_("%(field)s: icmp is for IPv4; use ipv6-icmp with IPv6 addresses."))
    if proto in _IPV6_ONLY and 4 in versions:
        check.refuse("protocol", N_("%(field)s: %(value)s is for IPv6; use icmp with IPv4 addresses."), value=proto)
    for name, ports in (("sport", sport_text), ("dport", dport_text)):
        if ports and proto not in PORT_PROTOCOLS:
            check.refuse(name, N_("%(field)s: ports need the protocol tcp, udp, udplite, dccp or sctp."))

    if check.problems or verdict is None or way is None:
        raise RuleError(check.problems)
    return Rule(
        direction=way,
        action=verdict,
        enable=enabled,
        protocol=proto,
        source=source_text,
        dest=dest_text,
        sport=sport_text,
        dport=dport_text,
        iface=iface_text,
        log=log_text,
        comment=comment_text,
    )


def parse_policy(direction: object, policy: object) -> tuple[Direction, Verdict]:
    """The direction and the policy for packets no rule matched; RuleError when either is refused."""
    check = _Checker()
    way = check.choice("direction", direction, _DIRECTIONS, _NOT_A_DIRECTION)
    verdict = check.choice("policy", policy, _VERDICTS, _NOT_A_VERDICT)
    if check.problems or way is None or verdict is None:
        raise RuleError(check.problems)
    return way, verdict
