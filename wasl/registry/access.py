"""The only way a request reads one object of the registry: missing and not allowed look
the same (404)."""

from __future__ import annotations

import uuid

from wasl.core.errors import NotFound
from wasl.directory.actors import Actor

from .models import Attachment, Referral, Transaction
from .queries import visible_transactions


def _uuid(value: object) -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except (ValueError, TypeError, AttributeError):
        raise NotFound() from None


def get_transaction_for(actor: Actor, public_id: object, *, for_update: bool = False) -> Transaction:
    qs = visible_transactions(actor)
    if for_update:
        qs = qs.select_for_update(of=("self",))
    try:
        return qs.select_related("entity", "unit").get(public_id=_uuid(public_id))
    except Transaction.DoesNotExist:
        raise NotFound(
            "المعاملة غير موجودة.", "Transaction not found.", code="transaction_not_found"
        ) from None


def get_referral_for(actor: Actor, public_id: object, *, for_update: bool = False) -> Referral:
    qs = Referral.objects.filter(transaction__in=visible_transactions(actor))
    if for_update:
        qs = qs.select_for_update(of=("self", "transaction"))
    try:
        return qs.select_related("transaction", "transaction__entity").get(
            public_id=_uuid(public_id)
        )
    except Referral.DoesNotExist:
        raise NotFound(
            "الإحالة غير موجودة.", "Referral not found.", code="referral_not_found"
        ) from None


def get_attachment_for(actor: Actor, public_id: object) -> Attachment:
    try:
        return Attachment.objects.select_related("transaction").get(
            public_id=_uuid(public_id), transaction__in=visible_transactions(actor)
        )
    except Attachment.DoesNotExist:
        raise NotFound(
            "المرفق غير موجود.", "Attachment not found.", code="attachment_not_found"
        ) from None
