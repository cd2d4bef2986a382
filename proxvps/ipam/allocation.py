"""Handing pool addresses to services and taking them back (SPEC S4, S6, S11).

Allocation follows NetBox's pattern: lock, recheck, write, with a database constraint underneath. Inside one
transaction the server's pools of the address family are locked (a PostgreSQL advisory lock; on SQLite the
`BEGIN IMMEDIATE` write transaction the settings ask for serialises writers instead), then the service's
holdings and the free addresses are read under the lock, and only then are rows written. The unique constraints
on (pool, ip) and (pool, ip_key) stay the last word: a writer that bypassed the lock (an admin adding a row by
hand) makes the insert fail, and the allocation runs again and takes the next address.

Everything between taking the lock and committing is serialised across all workers, so the usual case, a
service's first addresses of a family, keeps that stretch as short as it can be:

1. Before the lock, one statement (the survey) reads the pools, their ranges, each pool's row count and highest
   key, and what the service holds. When a pool's rows are a dense run from its first address (the usual case),
   its lowest free addresses follow the highest row: those, and a few more, are the candidates.
2. Then one statement takes the lock and the next inserts the lowest candidates that no row holds (the recheck,
   with a snapshot taken once the lock is granted), all or none, provided the service still holds nothing. On
   PostgreSQL both go in one request; outside a transaction (a worker's step) PostgreSQL runs that request as a
   transaction of its own and commits it at once, so the lock is held for no round trip to the client at all.

Anything else (a service that holds addresses, a pool with holes, candidates all taken by other workers meanwhile,
an exhausted pool) goes the general way under the lock: what the service holds is read, and one aggregate per
range says whether its rows are a dense run (then the next free address follows the highest) or it has holes,
which are found by walking the (pool, ip_key) index a window of keys at a time; the rows are inserted one by one.
Plain SQL throughout, not ORM querysets: building a queryset costs more Python time than the database spends
answering it (bench/ipam.py, eight processes: about 110 allocations a second with querysets, 250 with plain SQL
and the general way). The claim then cut a first allocation from six round trips (BEGIN, pools, lock, use,
insert, COMMIT; three of them under the lock) to two (survey; lock and claim), none under the lock.

DHCP mode (the plan's `dhcp`) allocates nothing: the caller checks the plan and does not call `allocate`.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Final, Literal, Protocol

from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from proxvps import statements
from proxvps.domain.cloudinit import PoolAddress
from proxvps.ipam.models import Address, Pool, PoolRange

Family = Literal[4, 6]

ATTEMPTS: Final = 5
"""Allocations tried when the unique constraint refuses an insert (a writer the lock did not stop)."""
LOCK_NAMESPACE: Final = 0x4950414D
"""First key of the PostgreSQL advisory locks of allocation ("IPAM"); the second is server id * 2 + (IPv6)."""
WINDOW: Final = 512
"""Allocated keys read per query when a range with holes is walked."""
SLACK: Final = 16
"""Candidates a first allocation offers beyond those it needs, for the ones other workers take while it waits for
the lock (each worker ahead of it in the queue takes one)."""


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
_SURVEY: Final = (
    "SELECT p.id, p.network, p.gateway, p.dns1, p.dns2, r.first, r.last,"
    " (SELECT COUNT(*) FROM {address} a WHERE a.pool_id = p.id),"
    " (SELECT MAX(a.ip_key) FROM {address} a WHERE a.pool_id = p.id),"
    " (SELECT COUNT(*) FROM {address} a WHERE a.pool_id = p.id AND a.service_id = %s)"
    " FROM {pool} p LEFT JOIN {range} r ON r.pool_id = p.id WHERE p.server_id = %s AND p.network {like} %s"
    " ORDER BY p.name, p.id, r.id"
)
_LOCK: Final = "SELECT pg_advisory_xact_lock(%s, %s)"
_CLAIM: Final = (
    "WITH picked AS (SELECT c.column1 AS ip, c.column2 AS ip_key FROM (VALUES {candidates}) AS c"
    " WHERE NOT EXISTS (SELECT 1 FROM {address} a WHERE a.pool_id = %s AND a.ip_key = c.column2)"
    " AND NOT EXISTS (SELECT 1 FROM {address} h WHERE h.service_id = %s AND h.pool_id IN ({pools}))"
    " ORDER BY c.column2 LIMIT %s)"
    " INSERT INTO {address} (pool_id, ip, ip_key, service_id, allocated_at)"
    " SELECT %s, CAST(ip AS {ip_type}), ip_key, %s, %s FROM picked WHERE (SELECT COUNT(*) FROM picked) = %s"
    " RETURNING id, ip_key"
)
_SELECT_HELD: Final = (
    "SELECT id, pool_id, ip, ip_key, service_id, allocated_at FROM {address} WHERE service_id = %s ORDER BY id"
)
_SELECT_USE: Final = (
    "SELECT COUNT(*), MAX(ip_key) FROM {address} WHERE pool_id = %s AND ip_key BETWEEN %s AND %s{reserved}"
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


def _lock_key(server_pk: Any, family: Family) -> list[int]:
    return [LOCK_NAMESPACE, int(server_pk) * 2 + (family == 6)]


def _lock(server_pk: Any, family: Family) -> None:
    """Take the lock on the server's pools of the family until the transaction ends.

    PostgreSQL: a transaction-level advisory lock keyed on (server, family), which every allocation from those
    pools takes. Row locks on the pools (`SELECT ... FOR UPDATE`) do the same job but, measured with
    bench/ipam.py, hand over from one waiting worker to the next about a fifth more slowly. SQLite: nothing to
    do, the write transaction the settings open with BEGIN IMMEDIATE already excludes every other writer.
    """
    if connection.vendor == "postgresql":
        _rows(_LOCK, _lock_key(server_pk, family))


def _one_request() -> bool:
    """Whether several statements can go to the database in one request: on PostgreSQL with psycopg's client-side
    binding (Django's default), which sends them as one simple query."""
    return connection.vendor == "postgresql" and not connection.settings_dict["OPTIONS"].get("server_side_binding")


def _alone() -> bool:
    """Whether a claim can be a transaction of its own: no transaction is open (as in a worker's step) and the lock
    and the claim can go in one request, which PostgreSQL then runs as one transaction, committed as it ends."""
    return _one_request() and connection.get_autocommit() and not connection.in_atomic_block


def _locked_rows(server_pk: Any, family: Family, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    """Take the lock, then run `sql`: the rows of `sql`.

    With `_one_request`, both statements go in one request, and `sql` runs as soon as the lock is granted, with a
    snapshot taken then, so it sees every allocation committed before; the lock is held for no round trip at all
    when the request is its own transaction (`_alone`), else for the commit's. SQLite: the write transaction is
    the lock (see `_lock`).
    """
    if not _one_request():
        _lock(server_pk, family)
        return _rows(sql, params)
    with connection.cursor() as cursor:
        cursor.execute(f"{_LOCK}; {sql}", [*_lock_key(server_pk, family), *params])
        cursor.nextset()
        return list(cursor.fetchall())


@dataclass(frozen=True)
class PoolLoad:
    """A pool's allocated rows as the survey counted them, before the lock: how many, and the highest key."""

    rows: int
    top: int | None


@dataclass(frozen=True)
class Survey:
    """What one statement before the lock tells about the server's pools of a family: their spans (pools by name,
    addresses ascending), each pool's load, and how many addresses of these pools the service holds."""

    pool_ids: list[int]
    spans: list[Span]
    loads: dict[int, PoolLoad]
    held: int


def _survey(server_pk: Any, family: Family, service: AddressHolder) -> Survey:
    """Pool settings are configuration, read before the lock; the loads and holdings read with them are a hint
    for choosing candidates, rechecked under the lock. An IPv6 network is the one with a colon."""
    rows = _rows(_sql(_SURVEY, like="LIKE" if family == 6 else "NOT LIKE"), [service.pk, server_pk, "%:%"])
    grouped: dict[int, tuple[Pool, list[tuple[str, str]]]] = {}
    loads: dict[int, PoolLoad] = {}
    held = 0
    for pool_id, network, gateway, dns1, dns2, first, last, count, top, holding in rows:
        if pool_id not in grouped:
            grouped[pool_id] = (Pool(id=pool_id, network=network, gateway=gateway, dns1=dns1, dns2=dns2), [])
            loads[pool_id] = PoolLoad(rows=count, top=int(top, 16) if top else None)
            held += holding
        if first is not None:
            grouped[pool_id][1].append((first, last))
    spans = [span for pool, bounds in grouped.values() for span in assignable_spans(pool, bounds)]
    return Survey(pool_ids=list(grouped), spans=spans, loads=loads, held=held)


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


@dataclass(frozen=True)
class Offer:
    """Candidates for a first allocation: free addresses of one pool as the survey saw them, lowest first."""

    pool_id: int
    numbers: list[int]


def _first_free(survey: Survey, wanted: int) -> Offer | None:
    """The first pool (in name order) with room, and up to `wanted` of its lowest free addresses, as the survey
    sees them: the addresses after the pool's highest row, when its rows are a dense run from the start of its
    spans (the usual case). None when a pool with holes comes first (finding those is the walk's job, under the
    lock) or no pool has room.

    Only a hint: the claim rechecks each candidate under the lock. Rows outside a pool's ranges (left by an edit
    of the ranges) can make a pool with a hole look dense; the hole is then filled by a later walk instead."""
    for pool_id in survey.pool_ids:
        spans = [span for span in survey.spans if span.pool_id == pool_id]
        load = survey.loads[pool_id]
        if load.rows != (0 if load.top is None else sum(_assignable_upto(span, load.top) for span in spans)):
            return None
        after = -1 if load.top is None else load.top
        found: list[int] = []
        for span in spans:
            found += _take(_free_run(max(span.first, after + 1), span.last, span.reserved), wanted - len(found))
        if found:
            return Offer(pool_id, found)
    return None


@lru_cache(maxsize=64)
def _claim_sql(candidates: int, pools: int) -> str:
    """The claim's text for so many candidates and pools, built once per process (which has one database): the
    address column's type alone took a tenth of an allocation's CPU to look up each time."""
    return _sql(
        _CLAIM,
        ip_type=str(Address._meta.get_field("ip").db_type(connection)),
        candidates=", ".join(["(%s, %s)"] * candidates),
        pools=_marks(pools),
    )


def _claim(
    service: AddressHolder, server: NamedServer, family: Family, survey: Survey, offer: Offer, count: int
) -> list[Address]:
    """The lock, then one statement that inserts the `count` lowest candidates no row holds yet (the recheck), all
    or none, provided the service still holds none of these pools' addresses (the survey said so before the
    lock): the new rows, lowest first, or none. One pool's candidates only, so that each costs two bound
    parameters and the statement stays short enough for psycopg to cache its parsing."""
    pool_id = offer.pool_id
    ips = {_key(number): str(ipaddress.ip_address(number)) for number in offer.numbers}
    now = timezone.now()
    sql = _claim_sql(len(ips), len(survey.pool_ids))
    params = [
        *[value for key, ip in ips.items() for value in (ip, key)],
        pool_id,
        service.pk,
        *survey.pool_ids,
        count,
        pool_id,
        service.pk,
        connection.ops.adapt_datetimefield_value(now),
        count,
    ]
    rows = _locked_rows(server.pk, family, sql, params)
    return [
        Address.from_db(connection.alias, _FIELDS, (address_id, pool_id, ips[key], key, service.pk, now))
        for address_id, key in sorted(rows)
    ]


def _first_claim(
    service: AddressHolder, server: NamedServer, family: Family, survey: Survey, count: int
) -> list[Address]:
    """A first allocation (the service holds none of these pools' addresses, the usual case) claims the survey's
    candidates: the new rows, or none when the survey offers none or other workers took too many of them."""
    offer = _first_free(survey, count + SLACK) if count and not survey.held else None
    return [] if offer is None else _claim(service, server, family, survey, offer, count)


def _held(service: AddressHolder, pool_ids: Iterable[int]) -> list[Address]:
    """The service's addresses in these pools, in allocation order."""
    wanted = set(pool_ids)
    rows = _rows(_sql(_SELECT_HELD), [service.pk])
    return [Address.from_db(connection.alias, _FIELDS, row) for row in rows if row[1] in wanted]


@dataclass(frozen=True)
class SpanUse:
    """How a span is taken: rows on its assignable addresses, and the highest of them."""

    used: int
    top: int | None


def _span_use(span: Span) -> SpanUse:
    """One statement under the lock."""
    reserved = span.reserved_keys
    not_reserved = f" AND ip_key NOT IN ({_marks(len(reserved))})" if reserved else ""
    params = [span.pool_id, _key(span.first), _key(span.last), *reserved]
    ((used, top),) = _rows(_sql(_SELECT_USE, reserved=not_reserved), params)
    return SpanUse(used=used, top=int(top, 16) if top else None)


def _free_in(span: Span, use: SpanUse, wanted: int) -> list[int]:
    """Up to `wanted` lowest free addresses of the span: after the highest taken one when the taken ones are a
    dense run from the start, else found by walking the (pool, ip_key) index a window at a time."""
    if use.top is None:
        return _take(_free_run(span.first, span.last, span.reserved), wanted)
    if use.used == _assignable_upto(span, use.top):
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


def _settle(service: AddressHolder, server: NamedServer, family: Family, count: int, survey: Survey) -> list[Address]:
    """The general path, under the lock: read what the service holds, release extras or walk the spans for the
    lowest free addresses and insert them one by one."""
    held = _held(service, survey.pool_ids)
    if len(held) > count:
        Address.objects.filter(pk__in=[address.pk for address in held[count:]]).delete()
    if len(held) >= count:
        return held[:count]
    missing = count - len(held)
    picked: list[tuple[int, int]] = []
    for span in survey.spans:
        picked += [(span.pool_id, number) for number in _free_in(span, _span_use(span), missing - len(picked))]
        if len(picked) == missing:
            break
    if len(picked) < missing:
        raise PoolExhausted(server.name, family)
    return held + [_insert(service, pool_id, number) for pool_id, number in picked]


def _ensure(
    service: AddressHolder, server: NamedServer, family: Family, count: int, survey: Survey, claim: bool
) -> list[Address]:
    """Inside the transaction: the first claim (when asked: none was made on its own), else the general way under
    the lock (taken again if the claim took it: advisory locks nest within a transaction)."""
    if claim and (claimed := _first_claim(service, server, family, survey, count)):
        return claimed
    _lock(server.pk, family)
    return _settle(service, server, family, count, survey)


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
    survey = _survey(server.pk, family, service)
    if count == 0 and survey.held == 0:
        return []
    alone = _alone()
    if alone:
        try:
            if claimed := _first_claim(service, server, family, survey, count):
                return claimed
        except IntegrityError:
            pass  # a writer that bypassed the lock: the transaction below tries again
    attempt = 1
    while True:
        try:
            with transaction.atomic():
                return _ensure(service, server, family, count, survey, claim=not alone)
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
    primary (the one cloud-init's ipconfig0 carries). Read with the hot path's statements (one per pool besides
    the rows' own): a deploy reads them in several steps, and the queryset cost ten times as much."""
    rows = statements.select(Address, {"service": service.pk})
    pools = {pool_id: statements.load(Pool, pool_id) for pool_id in {row.pool_id for row in rows}}
    for row in rows:
        row.pool = pools[row.pool_id]
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
