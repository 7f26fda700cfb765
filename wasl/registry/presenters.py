"""Turning registry objects into plain data for the API (and later pages): one place that
decides what a reader is shown, with a fixed number of queries per transaction."""

from __future__ import annotations

from datetime import date
from typing import Any

from wasl.core import hijri
from wasl.directory.actors import Actor

from . import rights
from .models import Attachment, Event, Link, Referral, Transaction
from .queries import visible_transactions
from .states import OPEN_REFERRAL_STATES, State


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
    visible = visible_transactions(actor)
    links = list(
        Link.objects.filter(source=txn, target__in=visible).select_related("target")
    ) + list(Link.objects.filter(target=txn, source__in=visible).select_related("source"))
    data = transaction_summary(txn)
    data.update(
        {
            "body": txn.body,
            "party": {
                "type": txn.party_type,
                "name": txn.party_name,
                "id_number": txn.party_id_number,
                "phone": txn.party_phone,
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
                    "data": e.data,
                }
                for e in events
            ],
            "attachments": [attachment_data(a) for a in attachments],
            "links": [
                {
                    "kind": link.kind,
                    "direction": "out",
                    "id": str(link.target.public_id),
                    "reference": link.target.reference,
                }
                for link in links
                if link.source_id == txn.pk
            ]
            + [
                {
                    "kind": link.kind,
                    "direction": "in",
                    "id": str(link.source.public_id),
                    "reference": link.source.reference,
                }
                for link in links
                if link.target_id == txn.pk
            ],
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
