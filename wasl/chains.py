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

Which chains exist is sealed too. A chain deleted with its head leaves nothing a head seal can
show, and a chain (the audit log's `system`, the message log's `node`) may record no official
row a cross-check would miss. So each log keeps a roster (`audit.ChainRoster`, one row per log,
named by its head table): the names of its chains and an HMAC over them under the same key.
A chain joins the roster when its head is made (rare: an entity's first record), under the
roster row's lock until the caller commits; the lock is taken before the new head is made, so
two transactions that each make chains wait for one another rather than deadlock. (One that
holds an existing head and then makes a chain, against one that made a chain and then appends
to that head, can deadlock on PostgreSQL, which then fails one of them: rare, as chains are
made only with a new entity.)
A roster whose seal does not hold is not re-sealed when a chain joins it: the evidence stays
for the verifier. `wasl audit reseal` re-seals heads and rosters after the key changed.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db import models, transaction
from django.db.models import F

from wasl.audit.models import ChainRoster

GENESIS = "0" * 64


# A former key whose seals are accepted too, for a while (`accepting_previous_key`).
_previous: ContextVar[str] = ContextVar("wasl_chains_previous_key", default="")


@contextmanager
def accepting_previous_key(key: str) -> Iterator[None]:
    """Inside the block a seal holds under `key` (a former WASL_CHAIN_KEY) as well as under the
    current key: `wasl audit reseal` checks the old seals so before sealing anew. Nothing is
    ever sealed with the previous key."""
    token = _previous.set(key)
    try:
        yield
    finally:
        _previous.reset(token)


def _holds(message: bytes, stored: str) -> bool:
    keys = [_key()] + ([_previous.get().encode()] if _previous.get() else [])
    return any(
        hmac.compare_digest(hmac.new(key, message, hashlib.sha256).hexdigest(), stored or "")
        for key in keys
    )


def _key() -> bytes:
    configured = getattr(settings, "WASL_CHAIN_KEY", "")
    if configured:
        return str(configured).encode()
    return hmac.new(settings.SECRET_KEY.encode(), b"wasl.chains.seal", hashlib.sha256).digest()


def seal(chain: str, last_seq: int, last_hash: str) -> str:
    """The head's seal: an HMAC over (chain, last_seq, last_hash) under a key kept outside
    the database."""
    return hmac.new(_key(), _head_message(chain, last_seq, last_hash), hashlib.sha256).hexdigest()


def _head_message(chain: str, last_seq: int, last_hash: str) -> bytes:
    return f"{chain}\n{int(last_seq)}\n{last_hash}".encode()


def seal_holds(chain: str, last_seq: int, last_hash: str, stored: str) -> bool:
    return _holds(_head_message(chain, last_seq, last_hash), stored)


def seal_roster(log: str, names: list[str] | set[str]) -> str:
    """The roster's seal: an HMAC over the log's name and its chains' names, sorted."""
    return hmac.new(_key(), _roster_message(log, names), hashlib.sha256).hexdigest()


def _roster_message(log: str, names: list[str] | set[str]) -> bytes:
    return "\n".join(["wasl.chains.roster", log, *sorted(names)]).encode()


def roster_seal_holds(log: str, names: list[str] | set[str], stored: str) -> bool:
    return _holds(_roster_message(log, names), stored)


def roster_names(text: str) -> set[str]:
    return {name for name in text.split("\n") if name}


def log_name(head: type[models.Model]) -> str:
    return str(head._meta.db_table)


def _enroll(head: type[models.Model], chain: str) -> None:
    """Add `chain` to its log's roster, holding the roster row's lock until the caller
    commits (the UPDATE takes it, on SQLite too)."""
    log = log_name(head)
    rows = ChainRoster.objects.filter(log=log)
    if not rows.update(chains=F("chains")):
        ChainRoster.objects.bulk_create(
            [ChainRoster(log=log, chains="", seal=seal_roster(log, []))], ignore_conflicts=True
        )
        rows.update(chains=F("chains"))
    text, stored = rows.values_list("chains", "seal")[0]
    names = roster_names(text)
    if chain in names:
        return
    holds = roster_seal_holds(log, names, stored)
    names.add(chain)
    # A roster edited by hand keeps a seal that does not hold.
    rows.update(
        chains="\n".join(sorted(names)), seal=seal_roster(log, names) if holds else "not sealed"
    )


def roster_problems(
    head: type[models.Model], names: set[str], check_seal: bool = True
) -> list[tuple[str, str, str]]:
    """What is wrong between a log's sealed roster and the chains `names` found in it (heads
    and records): (chain or "", reason in English, in Arabic). Without `check_seal`, the
    roster's seal is not checked (`reseal`)."""
    log = log_name(head)
    roster = ChainRoster.objects.filter(log=log).values_list("chains", "seal").first()
    if roster is None:
        if not names:
            return []
        return [
            (
                "",
                f"the sealed list of the log's chains is missing ({log} in audit_chainroster)",
                "قائمة سلاسل السجل المختومة مفقودة",
            )
        ]
    listed = roster_names(roster[0])
    problems = []
    if check_seal and not roster_seal_holds(log, listed, roster[1]):
        problems.append(
            (
                "",
                f"the list of the log's chains is not sealed by this deployment's key ({log})",
                "ختم قائمة سلاسل السجل غير صحيح",
            )
        )
    problems.extend(
        (
            chain,
            "the chain is in the sealed list of chains, but its records and head are gone",
            "السلسلة مدرجة في القائمة المختومة لكن سجلاتها ورأسها محذوفة",
        )
        for chain in sorted(listed - names)
    )
    problems.extend(
        (
            chain,
            "the chain is not in the sealed list of chains (made by hand)",
            "السلسلة غير مدرجة في القائمة المختومة (أضيفت يدوياً)",
        )
        for chain in sorted(names - listed)
    )
    return problems


def key_fingerprint() -> str:
    """Names the sealing key in an audit record without giving it away."""
    return hmac.new(_key(), b"wasl.chains.fingerprint", hashlib.sha256).hexdigest()[:16]


def reseal_log(head: type[models.Model]) -> int:
    """Seal a log's heads and its roster under the current key; the caller verified them and
    holds their locks. Returns how many seals (heads' and the roster's) were renewed: those
    that did not hold."""
    count = 0
    rows = head._default_manager.order_by("chain").values_list(
        "pk", "chain", "last_seq", "last_hash", "seal"
    )
    for pk, chain, last_seq, last_hash, stored in rows:
        if not seal_holds(chain, last_seq, last_hash, stored):
            head._default_manager.filter(pk=pk).update(seal=seal(chain, last_seq, last_hash))
            count += 1
    log = log_name(head)
    names = set(head._default_manager.values_list("chain", flat=True))
    roster = ChainRoster.objects.filter(log=log).values_list("seal", flat=True).first()
    if names and not roster_seal_holds(log, names, roster or ""):
        ChainRoster.objects.update_or_create(
            log=log, defaults={"chains": "\n".join(sorted(names)), "seal": seal_roster(log, names)}
        )
        count += 1
    return count


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
            _enroll(head, chain)
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
