"""Handing pool addresses to services and taking them back (SPEC S4, S6, S11).

Allocation follows NetBox's pattern: lock, recheck, write, with a database constraint underneath. Inside one
transaction the server's pools of the address family are locked (a PostgreSQL advisory lock; on SQLite the
`BEGIN IMMEDIATE` write transaction the settings ask for serialises writers instead), then the service's
holdings and the free addresses are read under the lock, and only then are rows written. The unique constraints
on (pool, ip) and (pool, ip_key) stay the last word: a writer that bypassed the lock (an admin adding a row by
hand) makes the insert fail, and the allocation runs again and takes the next address.

The lowest free address is found without reading a pool's allocations into Python: one aggregate per range
says whether the allocated addresses are a dense run from the range's first address (the usual case: then the next
free one follows the highest), and only a range with holes is walked, a window of keys at a time, in index order.

Everything between taking the lock and committing is serialised across all workers, so that stretch runs three
plain SQL statements (read, insert, commit) instead of ORM querysets: building a queryset costs more Python time
than the database spends answering it, time every waiting worker would pay (bench/ipam.py: from about 110 to
about 250 allocations a second with eight processes).

DHCP mode (the plan's `dhcp`) allocates nothing: the caller checks the plan and does not call `allocate`.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal, Protocol

from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from proxvps.domain.cloudinit import PoolAddress
from proxvps.ipam.models import Address, Pool, PoolRange

Family = Literal[4, 6]

ATTEMPTS: Final = 5
"""Allocations tried when the unique constraint refuses an insert (a writer the lock did not stop)."""
LOCK_NAMESPACE: Final = 0x4950414D
"""First key of the PostgreSQL advisory locks of allocation ("IPAM"); the second is server id * 2 + (IPv6)."""
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


# The statements of the allocation path. Tables are named from the models' Meta by `_sql`; every value is a bound
# parameter. `_FIELDS` is the column order in which Address rows are read and written.
_FIELDS: Final = ["id", "pool_id", "ip", "ip_key", "service_id", "allocated_at"]
_SELECT_POOLS: Final = (
    "SELECT p.id, p.network, p.gateway, p.dns1, p.dns2, r.first, r.last FROM {pool} p"
    " LEFT JOIN {range} r ON r.pool_id = p.id WHERE p.server_id = %s AND p.network {like} %s"
    " ORDER BY p.name, p.id, r.id"
)
_LOCK: Final = "SELECT pg_advisory_xact_lock(%s, %s)"
_SELECT_HELD: Final = (
    "SELECT id, pool_id, ip, ip_key, service_id, allocated_at FROM {address} WHERE service_id = %s ORDER BY id"
)
_COUNT_HELD: Final = "(SELECT COUNT(*) FROM {address} WHERE service_id = %s AND pool_id IN ({marks}))"
_SELECT_USE: Final = (
    "SELECT COUNT(*), MAX(ip_key), {held} FROM {address} WHERE pool_id = %s AND ip_key BETWEEN %s AND %s{reserved}"
)
_SELECT_WINDOW: Final = (
    "SELECT ip_key FROM {address} WHERE pool_id = %s AND ip_key BETWEEN %s AND %s ORDER BY ip_key LIMIT %s"
)
_INSERT: Final = (
    "INSERT INTO {address} (pool_id, ip, ip_key, service_id, allocated_at) VALUES (%s, %s, %s, %s, %s) RETURNING id"
)


def _sql(template: str, **parts: str) -> str:
    """`template` with the quoted table names and any other SQL `parts` (never a value) filled in."""
    quote = connection.ops.quote_name
    tables = {
        "pool": quote(Pool._meta.db_table),
        "range": quote(PoolRange._meta.db_table),
        "address": quote(Address._meta.db_table),
    }
    return template.format(**tables, **parts)


def _marks(count: int) -> str:
    """Placeholders for `count` bound parameters: `%s, %s, %s`."""
    return ", ".join(["%s"] * count)


def _rows(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def _pools(server_pk: Any, family: Family) -> tuple[set[int], list[Span]]:
    """The server's pools of the family: their ids, and their spans (pools by name, addresses ascending).

    Pool settings are configuration, read before the lock: only the addresses need the recheck under it. An IPv6
    network is the one with a colon.
    """
    rows = _rows(_sql(_SELECT_POOLS, like="LIKE" if family == 6 else "NOT LIKE"), [server_pk, "%:%"])
    grouped: dict[int, tuple[Pool, list[tuple[str, str]]]] = {}
    for pool_id, network, gateway, dns1, dns2, first, last in rows:
        _pool, bounds = grouped.setdefault(
            pool_id, (Pool(id=pool_id, network=network, gateway=gateway, dns1=dns1, dns2=dns2), [])
        )
        if first is not None:
            bounds.append((first, last))
    return set(grouped), [span for pool, bounds in grouped.values() for span in assignable_spans(pool, bounds)]


def _lock(server_pk: Any, family: Family) -> None:
    """Take the lock on the server's pools of the family until the transaction ends.

    PostgreSQL: a transaction-level advisory lock keyed on (server, family), which every allocation from those
    pools takes. Row locks on the pools (`SELECT ... FOR UPDATE`) do the same job but, measured with
    bench/ipam.py, hand over from one waiting worker to the next about a fifth more slowly. SQLite: nothing to
    do, the write transaction the settings open with BEGIN IMMEDIATE already excludes every other writer.
    """
    if connection.vendor == "postgresql":
        _rows(_LOCK, [LOCK_NAMESPACE, int(server_pk) * 2 + (family == 6)])


def _held(service: AddressHolder, pool_ids: set[int]) -> list[Address]:
    """The service's addresses in these pools, in allocation order."""
    rows = _rows(_sql(_SELECT_HELD), [service.pk])
    return [Address.from_db(connection.alias, _FIELDS, row) for row in rows if row[1] in pool_ids]


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


@dataclass(frozen=True)
class SpanUse:
    """How a span is taken: rows on its assignable addresses, the highest of them, and (when asked) how many
    addresses the service already holds in the pools being allocated from."""

    used: int
    top: int | None
    held: int


def _span_use(span: Span, service: AddressHolder | None = None, pool_ids: Iterable[int] = ()) -> SpanUse:
    """One statement under the lock. Asked with the service, it also counts the service's holdings, so a first
    allocation (none held, the common case) needs no query of its own for them."""
    reserved = span.reserved_keys
    params: list[Any] = [span.pool_id, _key(span.first), _key(span.last), *reserved]
    held = "0"
    if service is not None:
        ids = list(pool_ids)
        held = _sql(_COUNT_HELD, marks=_marks(len(ids)))
        params = [service.pk, *ids, *params]
    not_reserved = f" AND ip_key NOT IN ({_marks(len(reserved))})" if reserved else ""
    ((used, top, held_count),) = _rows(_sql(_SELECT_USE, held=held, reserved=not_reserved), params)
    return SpanUse(used=used, top=int(top, 16) if top else None, held=held_count)


def _free_in(span: Span, use: SpanUse, wanted: int) -> list[int]:
    """Up to `wanted` lowest free addresses of the span: after the highest taken one when the taken ones are a
    dense run from the start, else found by walking the (pool, ip_key) index a window at a time."""
    if use.top is None:
        return _take(_free_run(span.first, span.last, span.reserved), wanted)
    if use.used == use.top - span.first + 1 - sum(1 for n in span.reserved if n <= use.top):
        return _take(_free_run(use.top + 1, span.last, span.reserved), wanted)
    found: list[int] = []
    cursor = span.first
    while len(found) < wanted and cursor <= span.last:
        window = _rows(_sql(_SELECT_WINDOW), [span.pool_id, _key(cursor), _key(span.last), WINDOW])
        for (key,) in window:
            number = int(key, 16)
            found += _take(_free_run(cursor, number - 1, span.reserved), wanted - len(found))
            cursor = number + 1
            if len(found) == wanted:
                return found
        if len(window) < WINDOW:
            found += _take(_free_run(cursor, span.last, span.reserved), wanted - len(found))
            break
    return found


def _insert(service: AddressHolder, pool_id: int, number: int) -> Address:
    ip, key, now = str(ipaddress.ip_address(number)), _key(number), timezone.now()
    ops = connection.ops
    ((address_id,),) = _rows(
        _sql(_INSERT),
        [pool_id, ops.adapt_ipaddressfield_value(ip), key, service.pk, ops.adapt_datetimefield_value(now)],
    )
    return Address.from_db(connection.alias, _FIELDS, (address_id, pool_id, ip, key, service.pk, now))


def _ensure(service: AddressHolder, server: NamedServer, family: Family, count: int) -> list[Address]:
    pool_ids, spans = _pools(server.pk, family)
    _lock(server.pk, family)
    uses = [_span_use(spans[0], service, pool_ids)] if spans else []
    held = _held(service, pool_ids) if not uses or uses[0].held else []
    if len(held) > count:
        Address.objects.filter(pk__in=[address.pk for address in held[count:]]).delete()
    if len(held) >= count:
        return held[:count]
    missing = count - len(held)
    picked: list[tuple[int, int]] = []
    for index, span in enumerate(spans):
        use = uses[0] if index == 0 else _span_use(span)
        picked += [(span.pool_id, number) for number in _free_in(span, use, missing - len(picked))]
        if len(picked) == missing:
            break
    if len(picked) < missing:
        raise PoolExhausted(server.name, family)
    return held + [_insert(service, pool_id, number) for pool_id, number in picked]


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
    attempt = 1
    while True:
        try:
            with transaction.atomic():
                return _ensure(service, server, family, count)
        except IntegrityError:
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
    rows = Address.objects.filter(service_id=service.pk).select_related("pool").order_by("id")
    return sorted(rows, key=lambda address: ":" in address.ip)


def pool_addresses(service: AddressHolder) -> tuple[list[PoolAddress], list[PoolAddress]]:
    """The service's IPv4 and IPv6 addresses with their pools' prefix, gateway and resolvers, primary first: what
    `proxvps.domain.cloudinit.static_network` takes."""
    found: tuple[list[PoolAddress], list[PoolAddress]] = ([], [])
    for address in addresses_of(service):
        pool = address.pool
        entry = PoolAddress(address.ip, pool.subnet.prefixlen, gateway=pool.gateway, dns1=pool.dns1, dns2=pool.dns2)
        found[":" in address.ip].append(entry)
    return found
