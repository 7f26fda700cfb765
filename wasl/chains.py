"""The heads of hash chains (the audit log's and the exchange log's): taking the next number
of a chain and moving its head to the new record's hash, inside the caller's transaction.

A head row is (chain, last_seq, last_hash). Why SQL: the next number must be taken and the
head locked in one step, on SQLite too (where `select_for_update` does nothing): `UPDATE …
SET last_seq = last_seq + 1 … RETURNING` does both, and the ORM's `update()` returns only a
row count. The lock holds until the caller commits, so appends to one chain are serialised and
appends to other chains are not. The head's table is named by the caller (each log keeps its
own heads), which the ORM could not take either.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction

GENESIS = "0" * 64


def advance(table: str, chain: str, make_hash: Callable[[int, str], str]) -> tuple[int, str, str]:
    """Take the next number of `chain` (head table `table`, a constant of the code) and set
    the head to `make_hash(seq, prev_hash)`. Returns (seq, prev_hash, hash); the caller
    writes the record in the same transaction."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise RuntimeError("a chain advances only inside the change's database transaction")
    bump = (
        f"UPDATE {table} SET last_seq = last_seq + 1 WHERE chain = %s "  # noqa: S608 — a constant
        "RETURNING last_seq, last_hash"
    )
    with connection.cursor() as cursor:
        cursor.execute(bump, [chain])
        row = cursor.fetchone()
        if row is None:  # the chain's first record: make its head (a concurrent maker wins)
            cursor.execute(
                f"INSERT INTO {table} (chain, last_seq, last_hash) VALUES (%s, 0, %s) "  # noqa: S608
                "ON CONFLICT (chain) DO NOTHING",
                [chain, GENESIS],
            )
            cursor.execute(bump, [chain])
            row = cursor.fetchone()
        seq, prev = int(row[0]), str(row[1])
        digest = make_hash(seq, prev)
        cursor.execute(
            f"UPDATE {table} SET last_hash = %s WHERE chain = %s",  # noqa: S608
            [digest, chain],
        )
    return seq, prev, digest
