"""Turning registry objects into plain data for the API (and later pages): one place that
decides what a reader is shown, with a fixed number of queries per transaction."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Exists, OuterRef

from wasl.core import hijri
from wasl.directory.actors import Actor

from . import rights
from .models import Attachment, Event, Link, Referral, Transaction
from .queries import visible_transactions
from .states import OPEN_REFERRAL_STATES, State

# What stands in for a transaction the reader may not see, wherever another transaction is
# named (a link, a timeline event, a letter answered): no reference, no subject, no count.
HIDDEN_AR = "معاملة مرتبطة لا تملك صلاحية الاطلاع عليها"
HIDDEN_EN = "A linked transaction you cannot see"

# Timeline events whose data names another transaction by its reference, and under which key.
NAMES_ANOTHER = {"linked": "target"}


def hidden_transaction() -> dict[str, Any]:
    """The stand-in for a transaction the reader may not see."""
    return {"hidden": True, "label_ar": HIDDEN_AR, "label_en": HIDDEN_EN}


def links_of(actor: Actor, txn: Transaction) -> tuple[list[tuple[str, Transaction, str]], bool]:
    """The links of `txn` each way, as (kind, the other transaction, "out" | "in"), only to
    transactions `actor` may see; and whether there are others they may not see (2 queries).
    The others are never read: only whether they exist."""
    visible = visible_transactions(actor)
    outgoing = Link.objects.filter(source=txn).annotate(
        seen=Exists(visible.filter(pk=OuterRef("target_id")))
    )
    incoming = Link.objects.filter(target=txn).annotate(
        seen=Exists(visible.filter(pk=OuterRef("source_id")))
    )
    shown: list[tuple[str, Transaction, str]] = []
    hidden = False
    for link in outgoing.select_related("target").order_by("created_at", "id"):
        if link.seen:
            shown.append((link.kind, link.target, "out"))
        else:
            hidden = True
    for link in incoming.select_related("source").order_by("created_at", "id"):
        if link.seen:
            shown.append((link.kind, link.source, "in"))
        else:
            hidden = True
    return shown, hidden


def event_data(event: Event, seen: set[str]) -> dict[str, Any]:
    """An event's data as `actor` may read it: a reference to a transaction outside `seen`
    (the references they may see) becomes the stand-in."""
    key = NAMES_ANOTHER.get(event.action)
    data = dict(event.data or {})
    if key and data.get(key) and data[key] not in seen:
        data[key] = None
        data[f"{key}_hidden"] = hidden_transaction()
    return data


def dual_date(value: date | None) -> dict[str, str] | None:
    if value is None:
        return None
    return {
        "gregorian": value.isoformat(),
        "hijri": hijri.format_hijri(value),
        "display_ar": hijri.format_dual(value),
    }


def transaction_summary(txn: Transaction) -> dict[str, Any]:
    return {
        "id": str(txn.public_id),
        "reference": txn.reference,
        "entity": txn.entity.code,
        "unit": {
            "id": str(txn.unit.public_id),
            "name_ar": txn.unit.name_ar,
            "name_en": txn.unit.name_en,
        },
        "direction": txn.direction,
        "kind": txn.kind,
        "classification": txn.classification,
        "urgency": txn.urgency,
        "confidentiality": txn.confidentiality,
        "subject": txn.subject,
        "state": txn.state,
        "state_ar": State(txn.state).label_ar,
        "registered_at": txn.registered_at.isoformat(),
        "registered_on": dual_date(txn.registered_on),
        "due_date": dual_date(txn.due_date),
        "updated_at": txn.updated_at.isoformat(),
    }


def transaction_state(txn: Transaction) -> dict[str, Any]:
    """A transaction as a step leaves it: what a client needs to go on, from the row in hand
    (no query). The full detail stays at `GET /transactions/{id}`."""
    return {
        "id": str(txn.public_id),
        "reference": txn.reference,
        "state": txn.state,
        "state_ar": State(txn.state).label_ar,
        "updated_at": txn.updated_at.isoformat(),
        "closed_at": txn.closed_at.isoformat() if txn.closed_at else None,
    }


def referral_state(ref: Referral) -> dict[str, Any]:
    """A referral as a step leaves it, from the row in hand (no query)."""
    return {
        "id": str(ref.public_id),
        "state": ref.state,
        "due_date": dual_date(ref.due_date),
        "created_at": ref.created_at.isoformat(),
        "acknowledged_at": ref.acknowledged_at.isoformat() if ref.acknowledged_at else None,
        "finished_at": ref.finished_at.isoformat() if ref.finished_at else None,
        "answer": ref.answer,
    }


def referral_data(ref: Referral) -> dict[str, Any]:
    return {
        "id": str(ref.public_id),
        "from_unit": ref.from_unit.code,
        "to_unit": {
            "id": str(ref.to_unit.public_id),
            "code": ref.to_unit.code,
            "name_ar": ref.to_unit.name_ar,
        },
        "state": ref.state,
        "instruction": ref.instruction,
        "due_date": dual_date(ref.due_date),
        "created_at": ref.created_at.isoformat(),
        "acknowledged_at": ref.acknowledged_at.isoformat() if ref.acknowledged_at else None,
        "finished_at": ref.finished_at.isoformat() if ref.finished_at else None,
        "answer": ref.answer,
        "parent": str(ref.parent.public_id) if ref.parent_id and ref.parent else None,
    }


def transaction_detail(actor: Actor, txn: Transaction) -> dict[str, Any]:
    """Everything a reader may see of one transaction, with its timeline (5 queries)."""
    referrals = list(
        Referral.objects.filter(transaction=txn)
        .select_related("from_unit", "to_unit", "parent")
        .order_by("created_at", "id")
    )
    events = list(
        Event.objects.filter(transaction=txn)
        .select_related("actor", "actor_unit")
        .order_by("created_at", "id")
    )
    attachments = list(Attachment.objects.filter(transaction=txn).order_by("created_at", "id"))
    links, hidden_links = links_of(actor, txn)
    # A `linked` event is recorded on the link's source: its target is one of the links out.
    seen = {other.reference for _, other, way in links if way == "out"}
    data = transaction_summary(txn)
    data.update(
        {
            "body": txn.body,
            "party": {
                "type": txn.party_type,
                "name": txn.party_name,
                "id_number": txn.party_id_number,
                "phone": txn.party_phone,
                "email": txn.party_email,
                "cr": txn.party_cr,
            },
            "correspondent": txn.correspondent.code if txn.correspondent_id else None,
            "external_reference": txn.external_reference,
            "external_date": dual_date(txn.external_date),
            "closed_at": txn.closed_at.isoformat() if txn.closed_at else None,
            "referrals": [referral_data(r) for r in referrals],
            "timeline": [
                {
                    "action": e.action,
                    "actor": e.actor.get_full_name() or e.actor.get_username(),
                    "unit": e.actor_unit.name_ar if e.actor_unit_id and e.actor_unit else None,
                    "at": e.created_at.isoformat(),
                    "note": e.note,
                    "data": event_data(e, seen),
                }
                for e in events
            ],
            "attachments": [attachment_data(a) for a in attachments],
            "links": [
                {
                    "kind": kind,
                    "direction": way,
                    "id": str(other.public_id),
                    "reference": other.reference,
                }
                for kind, other, way in links
            ],
            # One stand-in however many: the count is not the reader's to know.
            "hidden_links": hidden_transaction() if hidden_links else None,
            "allowed_steps": allowed_steps(actor, txn, referrals),
        }
    )
    return data


def attachment_data(att: Attachment) -> dict[str, Any]:
    return {
        "id": str(att.public_id),
        "filename": att.filename,
        "content_type": att.content_type,
        "size": att.size,
        "sha256": att.sha256,
        "created_at": att.created_at.isoformat(),
    }


def allowed_steps(actor: Actor, txn: Transaction, referrals: list[Referral]) -> list[str]:
    """Steps this person may take now: the state machine intersected with their rights."""
    holds = any(r.state in OPEN_REFERRAL_STATES and actor.works_in(r.to_unit_id) for r in referrals)
    return rights.steps_for(actor, txn, holds)
