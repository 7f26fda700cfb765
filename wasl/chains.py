"""The heads of hash chains (the audit log's and the exchange log's): taking the next numbers
of a chain and moving its head to the new last record's hash, inside the caller's transaction.

A head row is (chain, last_seq, last_hash), a row of the log's own head model. Why SQL: the
numbers must be taken and the head locked in one step, on SQLite too (where
`select_for_update` does nothing): `UPDATE … SET last_seq = last_seq + n … RETURNING` does
both, and the ORM's `update()` returns only a row count. The lock holds until the caller
commits, so appends to one chain are serialised and appends to other chains are not.
Everything else here is the ORM.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import models, transaction

GENESIS = "0" * 64


def advance(
    head: type[models.Model], chain: str, make_hash: Callable[[int, str], str], count: int = 1
) -> tuple[int, str, str]:
    """Take the next `count` numbers of `chain` (its row of the model `head`) and set the head
    to `make_hash(first, prev_hash)`, the hash of the last of those records. Returns (first,
    prev_hash, hash); the caller writes the records in the same transaction."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise RuntimeError("a chain advances only inside the change's database transaction")
    bump = (
        f"UPDATE {head._meta.db_table} SET last_seq = last_seq + %s "  # noqa: S608 — the model's
        "WHERE chain = %s RETURNING last_seq, last_hash"
    )
    with connection.cursor() as cursor:
        cursor.execute(bump, [count, chain])
        row = cursor.fetchone()
        if row is None:  # the chain's first record: make its head (a concurrent maker wins)
            head._default_manager.bulk_create(
                [head(chain=chain, last_seq=0, last_hash=GENESIS)], ignore_conflicts=True
            )
            cursor.execute(bump, [count, chain])
            row = cursor.fetchone()
    first, prev = int(row[0]) - count + 1, str(row[1])
    digest = make_hash(first, prev)
    head._default_manager.filter(chain=chain).update(last_hash=digest)
    return first, prev, digest
