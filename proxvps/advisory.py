"""PostgreSQL advisory locks: the one thing here the ORM cannot say, so the one module that opens a cursor.

A transaction-level advisory lock marks a resource (an address about to be handed out) as one transaction's without
locking any row a reader needs, and is released by the commit or rollback that ends the transaction. On
SQLite there is nothing to take: the settings open every write transaction with BEGIN IMMEDIATE, which already
excludes every other writer.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection

# The keys are tried in the array's order and the scan stops at the LIMIT: a plain function scan feeds the filter
# one row at a time. Were a plan ever to try more, the extra locks would only make other workers pass over those
# keys until this transaction ends.
FIRST_FREE = "SELECT key FROM unnest(%s::integer[]) AS key WHERE pg_try_advisory_xact_lock(%s, key) LIMIT %s"


def try_lock_first(namespace: int, keys: Sequence[int], wanted: int) -> list[int]:
    """Of `keys` (in order), take the first `wanted` advisory locks (namespace, key) that no one holds, until the
    current transaction ends, in one round trip; the keys locked, in order. A key someone holds is passed over at
    once, never waited for. On SQLite every key is free: its write transaction already excludes other writers."""
    if not connection.in_atomic_block:
        raise RuntimeError("an advisory lock is taken inside transaction.atomic(): it is released when that ends")
    if connection.vendor != "postgresql":
        return list(keys[:wanted])
    with connection.cursor() as cursor:
        cursor.execute(FIRST_FREE, [list(keys), namespace, wanted])
        return [key for (key,) in cursor.fetchall()]
