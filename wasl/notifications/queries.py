"""Reads of the notifications, for pages that have already passed the access rule."""

from __future__ import annotations

from typing import Any

from wasl.directory.actors import Actor
from wasl.registry import rights
from wasl.registry.models import Transaction

from . import outbox
from .models import Contact, Notification
from .outbox import VISITORS
from .states import Language


def sent_for(txn: Transaction) -> list[Notification]:
    """What was sent about `txn`, to whom, when and how it went; oldest first. The caller has
    read `txn` through `registry.access`."""
    return list(Notification.objects.filter(transaction_id=txn.pk).order_by("created_at", "id"))


def contact_of(txn: Transaction) -> Contact | None:
    """The visitor's choices for `txn` (as they would be made now when none are kept), or
    None when the transaction has no visitor to notify."""
    return outbox.contact_of(txn) if txn.party_type in VISITORS else None


def section(actor: Actor, txn: Transaction) -> dict[str, Any]:
    """What the transaction page shows of the notifications: what was sent, and the visitor's
    choices (with the form when the reader holds the transaction)."""
    return {
        "sent": sent_for(txn),
        "contact": contact_of(txn),
        "can_edit": rights.works_on(actor, txn),
        "languages": Language.choices,
    }
