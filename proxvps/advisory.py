"""PostgreSQL advisory locks: the one thing here the ORM cannot say, so the one module that opens a cursor.

A transaction-level advisory lock marks a resource (an address about to be handed out) as one transaction's without
locking any row a reader needs, and is released by the commit or rollback that ends the transaction. On
SQLite there is nothing to take: the settings open every write transaction with BEGIN IMMEDIATE, which already
excludes every other writer.
"""

from __future__ import annotations

from django.db import connection


def lock_for_transaction(namespace: int, key: int) -> None:
    """Take the advisory lock (namespace, key) until the current transaction ends, waiting while another
    transaction holds it. Nothing to take on SQLite, whose write transaction already excludes every other writer."""
    if not connection.in_atomic_block:
        raise RuntimeError("an advisory lock is taken inside transaction.atomic(): it is released when that ends")
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [namespace, key])
