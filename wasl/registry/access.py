"""The only way a request reads one object of the registry: missing and not allowed look
the same (404).

Nothing here says who may see what: every read is `queries.visible_transactions` narrowed to
the one row asked for, in the same statement that reads it.
"""

from __future__ import annotations

import uuid

from wasl.core.errors import NotFound
from wasl.directory.actors import Actor

from .models import Attachment, Referral, Transaction
from .queries import visible_to, visible_transactions


def _uuid(value: object) -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except (ValueError, TypeError, AttributeError):
        raise NotFound() from None


def can_see(actor: Actor, txn: Transaction) -> bool:
    """Whether `actor` may see `txn`, a transaction already in hand (one query)."""
    return visible_transactions(actor).filter(pk=txn.pk).exists()


def _missing_transaction() -> NotFound:
    return NotFound("المعاملة غير موجودة.", "Transaction not found.", code="transaction_not_found")


def _missing_referral() -> NotFound:
    return NotFound("الإحالة غير موجودة.", "Referral not found.", code="referral_not_found")


def get_transaction_for(
    actor: Actor, public_id: object, *, for_update: bool = False
) -> Transaction:
    """The transaction `public_id` if `actor` may see it, locked with `for_update`; a
    transaction they may not see is never locked."""
    qs = visible_transactions(actor).filter(public_id=_uuid(public_id))
    txn = (qs.select_for_update() if for_update else qs).first()
    if txn is None:
        raise _missing_transaction()
    return txn


def get_referral_for(actor: Actor, public_id: object, *, for_update: bool = False) -> Referral:
    """A referral with its transaction, in one query. With `for_update`, both rows are locked,
    the transaction first (`FOR UPDATE OF` locks in the order it names them): every step that
    changes referrals locks their transaction first, so the order of locks is the same
    everywhere (no deadlocks). A referral the actor may not see is never locked."""
    qs = (
        Referral.objects.filter(public_id=_uuid(public_id))
        .filter(visible_to(actor))
        .select_related("transaction")
    )
    if for_update:
        qs = qs.select_for_update(of=("transaction", "self"))
    ref = qs.first()
    if ref is None:
        raise _missing_referral()
    return ref


def get_attachment_for(actor: Actor, public_id: object) -> Attachment:
    att = (
        Attachment.objects.filter(public_id=_uuid(public_id))
        .filter(visible_to(actor))
        .select_related("transaction")
        .first()
    )
    if att is None:
        raise NotFound("المرفق غير موجود.", "Attachment not found.", code="attachment_not_found")
    return att
