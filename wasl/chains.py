"""The heads of hash chains (the audit log's and the exchange log's): taking the next number
of a chain and moving its head to the new record's hash, inside the caller's transaction.

A head row is (chain, last_seq, last_hash). Taking the next number locks the row until the
caller commits, so appends to one chain are serialised and appends to other chains are not.

Each process remembers the head it last wrote. The next append then moves the head in one
conditional statement — only if the head is still exactly what this process wrote (number
and hash). If anything else happened meanwhile (another process appended, the writing
transaction or its savepoint was rolled back, the table was emptied), no row matches and the
head is read, under its lock, as the first time.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction

from wasl import rows

GENESIS = "0" * 64

# (database, head table, chain) -> (last_seq, last_hash) as this process last wrote them.
_written: dict[tuple[str, str, str], tuple[int, str]] = {}


def advance(table: str, chain: str, make_hash: Callable[[int, str], str]) -> tuple[int, str, str]:
    """Take the next number of `chain` (head table `table`, a constant of the code) and set
    the head to `make_hash(seq, prev_hash)`. Returns (seq, prev_hash, hash); the caller
    writes the record in the same transaction."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise RuntimeError("a chain advances only inside the change's database transaction")
    key = (str(connection.settings_dict["NAME"]), table, chain)
    cursor = rows.cursor(connection)
    known = _written.get(key)
    if known is not None:
        seq, prev = known[0] + 1, known[1]
        digest = make_hash(seq, prev)
        cursor.execute(
            f"UPDATE {table} SET last_seq = %s, last_hash = %s "  # noqa: S608 — a constant
            "WHERE chain = %s AND last_seq = %s AND last_hash = %s",
            [seq, digest, chain, known[0], known[1]],
        )
        if cursor.rowcount == 1:
            _written[key] = (seq, digest)
            return seq, prev, digest
    bump = (
        f"UPDATE {table} SET last_seq = last_seq + 1 WHERE chain = %s "  # noqa: S608
        "RETURNING last_seq, last_hash"
    )
    cursor.execute(bump, [chain])
    row = cursor.fetchone()
    if row is None:
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
    _written[key] = (seq, digest)
    return seq, prev, digest


def forget() -> None:
    """Forget the heads this process wrote (the next appends read them again)."""
    _written.clear()
