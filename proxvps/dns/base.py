"""Desired records -> plan -> apply, the shape octoDNS gives DNS sync, shared by the three providers.

A caller says what a zone should hold at the names it owns (`RecordSet`s: one name, one type, its values) or
which values must go. The provider reads what the zone holds at those names, `plan_sync` / `plan_removal`
compare the two and give the changes, and each change is applied on its own: one refused record never stops the
others, and a zone that already holds what is wanted gets no request at all (applying twice changes nothing).

Names and values are compared in one canonical spelling (lower case, IDNA, no trailing dot; addresses in their
compressed form), so `Example.COM.` and `example.com` are one zone and `2001:0db8::0001` and `2001:db8::1` one
value. Each provider writes them the way its API wants (PowerDNS: names ending in a dot).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Final, Literal, Protocol

import dns.exception
import dns.name
from django.utils.translation import gettext as _

from proxvps.dns.errors import DnsConfigError, DnsError

RecordKey = tuple[str, str]
"""(canonical name, type)."""

NAME_VALUED: Final = frozenset({"PTR", "CNAME", "NS"})
"""Types whose value is a domain name: compared canonically, written with a trailing dot where a provider wants."""


def _parse(name: str) -> dns.name.Name:
    try:
        parsed = dns.name.from_text(name.strip())
    except (dns.exception.DNSException, UnicodeError):
        raise DnsConfigError(_("%(name)s is not a valid DNS name.") % {"name": name}) from None
    if parsed == dns.name.root:
        raise DnsConfigError(_("%(name)s is not a valid DNS name.") % {"name": name or '""'})
    return parsed


def canonical_name(name: str) -> str:
    """`name` lower case, in IDNA, without the trailing dot: `Example.COM.` -> `example.com`."""
    return str(_parse(name).canonicalize().to_text(omit_final_dot=True))


def absolute(name: str) -> str:
    """The fully qualified spelling, ending in a dot: `example.com` -> `example.com.`."""
    return canonical_name(name) + "."


def relative(name: str, zone: str) -> str:
    """`name` relative to `zone` (`@` for the apex), as panels such as HestiaCP write record names."""
    return str(_parse(name).canonicalize().relativize(_parse(zone).canonicalize()).to_text())


def in_zone(name: str, zone: str) -> bool:
    """True when `name` is `zone` or lies below it; a trailing dot on either side changes nothing."""
    return bool(_parse(name).canonicalize().is_subdomain(_parse(zone).canonicalize()))


def best_zone(name: str, zones: Iterable[str]) -> str | None:
    """The zone among `zones` that holds `name`: the longest suffix (`a.b.example.com` goes to `b.example.com`
    when both it and `example.com` are configured); None when none holds it."""
    holding = [zone for zone in zones if in_zone(name, zone)]
    return max(holding, key=lambda zone: len(_parse(zone).labels), default=None)


def canonical_value(rtype: str, value: str) -> str:
    """A record value in the one spelling we compare: addresses compressed, names canonical."""
    text = value.strip()
    if rtype in ("A", "AAAA"):
        try:
            return ipaddress.ip_address(text).compressed
        except ValueError:
            return text
    if rtype in NAME_VALUED:
        return canonical_name(text)
    return text


def qualified_value(rtype: str, value: str) -> str:
    """A value as written to providers that want names fully qualified (PowerDNS, HestiaCP): ending in a dot."""
    return absolute(value) if rtype in NAME_VALUED else value


@dataclass(frozen=True)
class RecordSet:
    """All records of one type at one name (an RRset). No values: the zone holds none of them."""

    name: str
    type: str
    ttl: int
    values: frozenset[str]

    @classmethod
    def of(cls, name: str, rtype: str, values: Iterable[str], ttl: int) -> RecordSet:
        """A record set in canonical spelling, whatever spelling its parts came in."""
        kind = rtype.upper()
        return cls(canonical_name(name), kind, ttl, frozenset(canonical_value(kind, value) for value in values))

    @property
    def key(self) -> RecordKey:
        return (self.name, self.type)


Action = Literal["create", "update", "delete"]


@dataclass(frozen=True)
class Change:
    """One record set going from `before` to `after` (None: absent)."""

    before: RecordSet | None
    after: RecordSet | None

    @property
    def action(self) -> Action:
        if self.before is None:
            return "create"
        return "delete" if self.after is None else "update"

    @property
    def key(self) -> RecordKey:
        either = self.after or self.before
        assert either is not None
        return either.key

    @property
    def ttl(self) -> int:
        either = self.after or self.before
        assert either is not None
        return either.ttl

    def edits(self) -> list[tuple[str | None, str | None]]:
        """The change as per-record edits for providers that hold records one by one (Cloudflare, HestiaCP):
        `(old, new)` rewrites a record in place (a changed value, or a kept one with a new TTL), `(None, new)` adds
        one, `(old, None)` removes one. Rewriting in place keeps the name answering throughout."""
        old = set(self.before.values) if self.before else set()
        new = set(self.after.values) if self.after else set()
        gone, added = sorted(old - new), sorted(new - old)
        edits: list[tuple[str | None, str | None]] = list(zip(gone, added, strict=False))
        edits += [(value, None) for value in gone[len(added) :]]
        edits += [(None, value) for value in added[len(gone) :]]
        if self.before and self.after and self.before.ttl != self.after.ttl:
            edits += [(value, value) for value in sorted(old & new)]
        return edits


@dataclass(frozen=True)
class Plan:
    zone: str
    changes: tuple[Change, ...]

    @property
    def empty(self) -> bool:
        return not self.changes


def _by_key(record_sets: Iterable[RecordSet]) -> dict[RecordKey, RecordSet]:
    return {record_set.key: record_set for record_set in record_sets if record_set.values}


def plan_sync(zone: str, existing: Iterable[RecordSet], wanted: Sequence[RecordSet]) -> Plan:
    """The changes that make each wanted record set exactly so (a wanted set with no values: absent). Names and
    types nobody asked about are left alone."""
    have = _by_key(existing)
    changes: list[Change] = []
    for want in wanted:
        current = have.get(want.key)
        if not want.values:
            if current is not None:
                changes.append(Change(current, None))
        elif current is None:
            changes.append(Change(None, want))
        elif current.values != want.values or current.ttl != want.ttl:
            changes.append(Change(current, want))
    return Plan(canonical_name(zone), tuple(changes))


def plan_removal(zone: str, existing: Iterable[RecordSet], unwanted: Sequence[RecordSet]) -> Plan:
    """The changes that take the unwanted values away and keep every other value at those names (a terminated
    service's address goes from a name another service still answers on; its PTR goes, a foreign one stays)."""
    have = _by_key(existing)
    changes: list[Change] = []
    for drop in unwanted:
        current = have.get(drop.key)
        if current is None or not current.values & drop.values:
            continue
        left = current.values - drop.values
        after = RecordSet(current.name, current.type, current.ttl, left) if left else None
        changes.append(Change(current, after))
    return Plan(canonical_name(zone), tuple(changes))


class ZoneProvider(Protocol):
    """One zone at one provider. `existing` reads what the zone holds at the given names; `apply` makes one change.
    Both raise DnsError subclasses only."""

    @property
    def zone(self) -> str: ...

    def existing(self, keys: Collection[RecordKey]) -> list[RecordSet]: ...

    def apply(self, change: Change) -> None: ...

    def close(self) -> None: ...


@dataclass
class ZoneResult:
    """What happened in one zone: its plan and the record sets that failed, or why the zone could not be read."""

    zone: str
    plan: Plan | None = None
    failed: dict[RecordKey, str] = field(default_factory=dict)
    error: str = ""

    @property
    def applied(self) -> list[Change]:
        return [change for change in self.plan.changes if change.key not in self.failed] if self.plan else []


def _apply(provider: ZoneProvider, plan: Plan) -> ZoneResult:
    result = ZoneResult(plan.zone, plan)
    for change in plan.changes:
        try:
            provider.apply(change)
        except DnsError as error:
            result.failed[change.key] = str(error)
    return result


def sync(provider: ZoneProvider, wanted: Sequence[RecordSet]) -> ZoneResult:
    """Make the zone hold the wanted record sets; every record set is tried on its own."""
    try:
        existing = provider.existing({want.key for want in wanted})
    except DnsError as error:
        return ZoneResult(canonical_name(provider.zone), error=str(error))
    return _apply(provider, plan_sync(provider.zone, existing, wanted))


def remove(provider: ZoneProvider, unwanted: Sequence[RecordSet]) -> ZoneResult:
    """Take the unwanted values out of the zone, keeping any other value at those names."""
    try:
        existing = provider.existing({drop.key for drop in unwanted})
    except DnsError as error:
        return ZoneResult(canonical_name(provider.zone), error=str(error))
    return _apply(provider, plan_removal(provider.zone, existing, unwanted))
