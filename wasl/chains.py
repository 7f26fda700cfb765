"""The heads of hash chains (the audit log's and the exchange log's): taking the next numbers
of a chain and moving its head to the new last record's hash, inside the caller's transaction.

A head row is (chain, last_seq, last_hash, seal), a row of the log's own head model. Why SQL: the
numbers must be taken and the head locked in one step, on SQLite too (where
`select_for_update` does nothing): `UPDATE … SET last_seq = last_seq + n … RETURNING` does
both, and the ORM's `update()` returns only a row count. The lock holds until the caller
commits, so appends to one chain are serialised and appends to other chains are not.
Everything else here is the ORM.

Anchoring. A chain verifies only against its head, and the head is a row like any other: who
can edit the database could cut the chain's tail and move the head back, or delete a whole
chain with its head. So the head also carries a seal, an HMAC-SHA256 over (chain, last_seq,
last_hash) under a key that is not in the database (`WASL_CHAIN_KEY`, by default derived from
`SECRET_KEY`). The seal is written by the same UPDATE that moves the head's hash: anchoring
costs no statement. A head edited by hand no longer carries a valid seal; a head rolled back
to an older sealed state (with the tail deleted) is caught by the verifiers' cross-checks,
which require every official row (transaction, referral, event, attachment, outbox and inbox
letter) to have the log record that made it — so a deleted tail or chain shows as rows without
their record. Why an HMAC and not a signed checkpoint table: a checkpoint written on every
append would add a statement to every step; a periodic one would leave the newest records
unanchored; the head is already written on every append.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable

from django.conf import settings
from django.db import models, transaction

GENESIS = "0" * 64


def _key() -> bytes:
    configured = getattr(settings, "WASL_CHAIN_KEY", "")
    if configured:
        return str(configured).encode()
    return hmac.new(settings.SECRET_KEY.encode(), b"wasl.chains.seal", hashlib.sha256).digest()


def seal(chain: str, last_seq: int, last_hash: str) -> str:
    """The head's seal: an HMAC over (chain, last_seq, last_hash) under a key kept outside
    the database."""
    message = f"{chain}\n{int(last_seq)}\n{last_hash}".encode()
    return hmac.new(_key(), message, hashlib.sha256).hexdigest()


def seal_holds(chain: str, last_seq: int, last_hash: str, stored: str) -> bool:
    return hmac.compare_digest(seal(chain, last_seq, last_hash), stored or "")


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
    last = first + count - 1
    head._default_manager.filter(chain=chain).update(
        last_hash=digest, seal=seal(chain, last, digest)
    )
    return first, prev, digest
