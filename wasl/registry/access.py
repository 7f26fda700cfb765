"""The only way a request reads one object of the registry: missing and not allowed look
the same (404).

`can_see` is the access rule of `queries.visible_transactions` applied to one transaction
already in hand: the same three clauses, checked first against what the actor's memberships
say and, only when the answer depends on the transaction's path, with one indexed query on
its referrals. `tests/registry/test_access_rule.py` checks that both always agree.
"""

from __future__ import annotations

import uuid

from django.db import connection

from wasl import rows
from wasl.core.errors import NotFound
from wasl.directory.actors import Actor

from .models import Attachment, Confidentiality, Referral, Transaction


def _uuid(value: object) -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except (ValueError, TypeError, AttributeError):
        raise NotFound() from None


def can_see(actor: Actor, txn: Transaction, known_path: frozenset[int] = frozenset()) -> bool:
    """Whether `actor` may see `txn`; `known_path` are units known to be on its path (the
    target of a referral in hand), which saves the query in the common case."""
    if actor.is_anonymous or not actor.memberships:
        return False
    level = txn.confidentiality
    if level == Confidentiality.NORMAL:
        if txn.entity_id in actor.entity_wide_ids or txn.unit_id in actor.unit_ids:
            return True
        if known_path & actor.unit_ids:
            return True
        return _routed_to(txn.pk, actor.unit_ids, None)
    if level == Confidentiality.CONFIDENTIAL:
        if txn.unit_id in actor.unit_ids or known_path & actor.unit_ids:
            return True
        return _routed_to(txn.pk, actor.unit_ids, None)
    if txn.registered_by_id == actor.user_id or txn.unit_id in actor.head_unit_ids:
        return True
    if known_path & actor.head_unit_ids:
        return True
    return _routed_to(txn.pk, actor.head_unit_ids, actor.user_id)


def _routed_to(transaction_id: int, unit_ids: frozenset[int], user_id: int | None) -> bool:
    """Whether a referral of the transaction went to one of `unit_ids` (or names `user_id`)."""
    if not unit_ids and user_id is None:
        return False
    units = sorted(unit_ids) or [0]
    marks = ", ".join(["%s"] * len(units))
    sql = (
        "SELECT 1 FROM registry_referral WHERE transaction_id = %s "
        f"AND (to_unit_id IN ({marks}) OR to_user_id = %s) LIMIT 1"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [transaction_id, *units, user_id if user_id is not None else -1])
        return cursor.fetchone() is not None


def _missing_transaction() -> NotFound:
    return NotFound("المعاملة غير موجودة.", "Transaction not found.", code="transaction_not_found")


def _fetch(
    model: type[Transaction] | type[Referral], column: str, value: object, lock: bool
) -> object:
    # These reads are on every step's path: one cached statement, no ORM compilation.
    return rows.fetch_one(model, column, value, lock=lock)


def get_transaction_for(
    actor: Actor, public_id: object, *, for_update: bool = False
) -> Transaction:
    txn = _fetch(Transaction, "public_id", _uuid(public_id), for_update)
    if not isinstance(txn, Transaction) or not can_see(actor, txn):
        raise _missing_transaction()
    return txn


def get_referral_for(actor: Actor, public_id: object, *, for_update: bool = False) -> Referral:
    """A referral with its transaction. With `for_update`, the transaction is locked first and
    the referral read again under that lock: every step that changes referrals locks their
    transaction first, so the order of locks is the same everywhere (no deadlocks)."""
    key = _uuid(public_id)
    ref = _fetch(Referral, "public_id", key, False)
    txn = _fetch(Transaction, "id", ref.transaction_id, for_update) if ref else None
    if for_update and txn is not None:
        ref = _fetch(Referral, "public_id", key, True)
    if not isinstance(ref, Referral) or not isinstance(txn, Transaction):
        raise NotFound("الإحالة غير موجودة.", "Referral not found.", code="referral_not_found")
    ref.transaction = txn
    if not can_see(actor, txn, frozenset({ref.to_unit_id})):
        raise NotFound("الإحالة غير موجودة.", "Referral not found.", code="referral_not_found")
    return ref


def get_attachment_for(actor: Actor, public_id: object) -> Attachment:
    att = (
        Attachment.objects.select_related("transaction").filter(public_id=_uuid(public_id)).first()
    )
    if att is None or not can_see(actor, att.transaction):
        raise NotFound("المرفق غير موجود.", "Attachment not found.", code="attachment_not_found")
    return att
