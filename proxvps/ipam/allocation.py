"""Handing pool addresses to services and taking them back (SPEC S4, S11, S6).

Allocation follows NetBox's pattern (`ipam/api/views.py`, available IPs): lock, read what is free, write, in one
transaction, with a database constraint underneath. The lock is a PostgreSQL advisory lock per server and address
family (`proxvps.advisory`), held from before the read of what is free until the commit, so what was read free is
still free when it is written; it is held for three short statements, and workers ordering at once queue for it
rather than retry. On SQLite the `BEGIN IMMEDIATE` write transaction serialises writers instead. The unique
constraints on (pool, ip) and (pool, ip_key) stay the last word: a writer that bypassed the lock (an admin adding a
row by hand) makes the insert fail, and the allocation runs again and takes the next address.

The lowest free address is found without reading a pool's allocations into Python: one aggregate per span says
whether its rows are a dense run from its first address (then the next free one follows the highest), and only a
span with holes is walked, a window of keys at a time, in index order.

DHCP mode (the plan's `dhcp`) allocates nothing: the caller checks the plan and does not call `allocate`.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal, Protocol

from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from proxvps.advisory import lock_for_transaction
from proxvps.domain.cloudinit import PoolAddress
from proxvps.ipam.models import Address, Pool, PoolRange

Family = Literal[4, 6]

ATTEMPTS: Final = 5
"""Allocations tried when the unique constraint refuses an insert (a writer the lock did not stop)."""
LOCK_NAMESPACE: Final = 0x4950414D
"""With the family added, the first key of allocation's PostgreSQL advisory locks ("IPAM"); the second is the
server's id."""
WINDOW: Final = 512
"""Allocated keys read per query when a range with holes is walked."""


class NamedServer(Protocol):
    """What allocation needs of a server: its key and, for the exhaustion message, its name."""

    @property
    def pk(self) -> Any: ...
    @property
    def name(self) -> str: ...


class AddressHolder(Protocol):
    """A service as allocation sees it (ipam may not import inventory: the two layers are independent)."""

    @property
    def pk(self) -> Any: ...
    @property
    def server(self) -> NamedServer | None: ...


class PoolExhausted(Exception):  # noqa: N818 - an expected outcome callers branch on, not a fault
    """The server's pools of one family have fewer free addresses than asked for; nothing was changed."""

    def __init__(self, server: str, family: Family) -> None:
        self.server = server
        self.family = family
        super().__init__(
            _("No free IPv%(family)d address is left in the pools of server %(server)s.")
            % {"family": family, "server": server}
        )


def _key(number: int) -> str:
    return f"{number:032x}"


@dataclass(frozen=True)
class Span:
    """Assignable addresses of one pool as numbers: its ranges merged and clipped to the pool's network.

    `reserved` holds the addresses inside the span that are never handed out: the network address, the IPv4
    broadcast, the gateway and the pool's own resolvers.
    """

    pool_id: int
    first: int
    last: int
    reserved: frozenset[int]

    @property
    def size(self) -> int:
        return self.last - self.first + 1 - len(self.reserved)

    @property
    def reserved_keys(self) -> list[str]:
        return sorted(_key(number) for number in self.reserved)

    def contains(self) -> Q:
        """The rows that take one of the span's assignable addresses (not a row at an address reserved later,
        such as a new gateway)."""
        inside = Q(pool_id=self.pool_id, ip_key__range=(_key(self.first), _key(self.last)))
        return inside & ~Q(ip_key__in=self.reserved_keys) if self.reserved else inside


def _reserved(pool: Pool, subnet: ipaddress.IPv4Network | ipaddress.IPv6Network) -> set[int]:
    """Addresses of the pool's network a VM must never get (RFC 3021 / RFC 6164 point-to-point links keep all)."""
    reserved: set[int] = set()
    if subnet.num_addresses > 2:
        reserved.add(int(subnet.network_address))
        if subnet.version == 4:
            reserved.add(int(subnet.broadcast_address))
    for text in (pool.gateway, pool.dns1, pool.dns2):
        if text:
            address = ipaddress.ip_address(text)
            if address.version == subnet.version:
                reserved.add(int(address))
    return reserved


def assignable_spans(pool: Pool, ranges: Iterable[tuple[str, str]]) -> list[Span]:
    """The pool's ranges (first, last) as merged, ascending spans; a range of the other family is skipped and one
    reaching outside the network is cut at its edge.

    Merging matters: two overlapping ranges must not offer one address twice in a single allocation.
    """
    subnet = pool.subnet
    low, high = int(subnet.network_address), int(subnet.broadcast_address)
    bounds: list[tuple[int, int]] = []
    for first_text, last_text in ranges:
        first, last = ipaddress.ip_address(first_text), ipaddress.ip_address(last_text)
        if first.version != subnet.version or last.version != subnet.version:
            continue
        start, end = max(int(first), low), min(int(last), high)
        if start <= end:
            bounds.append((start, end))
    merged: list[tuple[int, int]] = []
    for start, end in sorted(bounds):
        if merged and start <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    reserved = _reserved(pool, subnet)
    return [Span(pool.pk, start, end, frozenset(n for n in reserved if start <= n <= end)) for start, end in merged]


def _spans(server_pk: Any, family: Family) -> list[Span]:
    """The assignable spans of the server's pools of the family, pools by name, addresses ascending. Pool settings
    are configuration, read before the lock: only the addresses are read under it."""
    ranges = PoolRange.objects.filter(pool__server_id=server_pk).select_related("pool")
    grouped: dict[int, tuple[Pool, list[tuple[str, str]]]] = {}
    for row in ranges.order_by("pool__name", "pool_id", "pk"):
        if row.pool.subnet.version == family:
            grouped.setdefault(row.pool_id, (row.pool, []))[1].append((row.first, row.last))
    return [span for pool, bounds in grouped.values() for span in assignable_spans(pool, bounds)]


def _take(numbers: Iterator[int], wanted: int) -> list[int]:
    found: list[int] = []
    for number in numbers:
        if len(found) == wanted:
            break
        found.append(number)
    return found


def _free_run(start: int, end: int, reserved: frozenset[int]) -> Iterator[int]:
    """Numbers from start to end, reserved ones left out; lazy, as a gap may be 2**64 long."""
    number = start
    while number <= end:
        if number not in reserved:
            yield number
        number += 1


def _assignable_upto(span: Span, top: int) -> int:
    """How many assignable addresses of the span are at or below `top`: the rows a dense run up to `top` holds."""
    if top < span.first:
        return 0
    end = min(span.last, top)
    return end - span.first + 1 - sum(1 for number in span.reserved if number <= end)


def _free_in(span: Span, wanted: int) -> list[int]:
    """Up to `wanted` lowest free addresses of the span. One aggregate says whether the taken ones are a dense run
    from the start (the usual case: the free ones follow the highest); only a span with holes is walked, a window
    of keys at a time along the (pool, ip_key) index."""
    use = Address.objects.filter(span.contains()).aggregate(used=Count("pk"), top=Max("ip_key"))
    if use["top"] is None:
        return _take(_free_run(span.first, span.last, span.reserved), wanted)
    top = int(use["top"], 16)
    if use["used"] == _assignable_upto(span, top):
        return _take(_free_run(top + 1, span.last, span.reserved), wanted)
    found: list[int] = []
    cursor = span.first
    while len(found) < wanted and cursor <= span.last:
        window = list(
            Address.objects.filter(pool_id=span.pool_id, ip_key__range=(_key(cursor), _key(span.last)))
            .order_by("ip_key")
            .values_list("ip_key", flat=True)[:WINDOW]
        )
        for key in window:
            number = int(key, 16)
            found += _take(_free_run(cursor, number - 1, span.reserved), wanted - len(found))
            cursor = number + 1
            if len(found) == wanted:
                return found
        if len(window) < WINDOW:
            found += _take(_free_run(cursor, span.last, span.reserved), wanted - len(found))
            break
    return found


def _lowest_free(spans: list[Span], wanted: int) -> list[tuple[int, int]]:
    """Up to `wanted` lowest free addresses (pool id, number), pools in order."""
    picked: list[tuple[int, int]] = []
    for span in spans:
        if len(picked) == wanted:
            break
        picked += [(span.pool_id, number) for number in _free_in(span, wanted - len(picked))]
    return picked


def _pick(server: NamedServer, family: Family, spans: list[Span], missing: int) -> list[tuple[int, int]]:
    """The `missing` lowest free addresses, read under the lock of the server's pools of the family, which this
    transaction then holds until it commits. Raises PoolExhausted."""
    lock_for_transaction(LOCK_NAMESPACE + family, server.pk)
    picked = _lowest_free(spans, missing)
    if len(picked) < missing:
        raise PoolExhausted(server.name, family)
    return picked


def _ensure(
    service: AddressHolder, server: NamedServer, family: Family, count: int, spans: list[Span]
) -> list[Address]:
    """Inside the transaction: what the service holds (one run of a service at a time: the worker's lease), extras
    released, and what is missing picked under the lock (see `_pick`) and inserted."""
    mine = Address.objects.filter(service_id=service.pk, pool__server_id=server.pk).order_by("pk")
    held = [row for row in mine if (":" in row.ip) == (family == 6)]
    if len(held) > count:
        Address.objects.filter(pk__in=[address.pk for address in held[count:]]).delete()
    if len(held) >= count:
        return held[:count]
    now = timezone.now()
    new = [
        Address(pool_id=pool_id, ip=str(ipaddress.ip_address(number)), ip_key=_key(number), service_id=service.pk)
        for pool_id, number in _pick(server, family, spans, count - len(held))
    ]
    for address in new:
        address.allocated_at = now
    return held + Address.objects.bulk_create(new)


def allocate(service: AddressHolder, family: Family, count: int) -> list[Address]:
    """Make the service hold exactly `count` addresses of `family` from its server's pools; return them, primary
    first.

    Idempotent: a retry after a crash keeps what the service already holds and adds only what is missing; a
    smaller count releases the most recently allocated extras, so the primary address never changes. New
    addresses are the lowest free ones, pools in name order. Raises PoolExhausted, having changed nothing, when
    the pools cannot supply the missing addresses. The caller sets `service.server` first. Inside a transaction
    of its own, a caller allocating both families does IPv4 first, like everyone, so two never deadlock.
    """
    if count < 0:
        raise ValueError(f"an address count cannot be negative, got {count}")
    server = service.server
    if server is None:
        raise ValueError("the service has no server yet: addresses come from the pools of the service's server")
    spans = _spans(server.pk, family)
    attempt = 1
    while True:
        try:
            with transaction.atomic():
                return _ensure(service, server, family, count, spans)
        except IntegrityError:
            # A writer that bypassed the lock (a row added by hand) took an address we picked: pick again.
            if attempt == ATTEMPTS:
                raise
            attempt += 1


def release(service: AddressHolder) -> int:
    """Give every address of the service back to its pool; the number released.

    The caller decides when: a terminated service releases, one in `error_terminate` keeps its addresses while
    its VM may still exist (SPEC S6).
    """
    released, _per_model = Address.objects.filter(service_id=service.pk).delete()
    return released


def addresses_of(service: AddressHolder) -> list[Address]:
    """The service's addresses, IPv4 first, then IPv6, each in allocation order: the first of a family is its
    primary (the one cloud-init's ipconfig0 carries)."""
    rows = Address.objects.filter(service_id=service.pk).select_related("pool").order_by("pk")
    return sorted(rows, key=lambda address: ":" in address.ip)


def pool_addresses(addresses: Sequence[Address]) -> tuple[list[PoolAddress], list[PoolAddress]]:
    """A service's IPv4 and IPv6 addresses (as `addresses_of` gives them) with their pools' prefix, gateway and
    resolvers, primary first: what `proxvps.domain.cloudinit.static_network` takes."""
    found: tuple[list[PoolAddress], list[PoolAddress]] = ([], [])
    for address in addresses:
        pool = address.pool
        entry = PoolAddress(address.ip, pool.subnet.prefixlen, gateway=pool.gateway, dns1=pool.dns1, dns2=pool.dns2)
        found[":" in address.ip].append(entry)
    return found
