"""What a reader is shown of a transaction's exchange: to whom it was delivered, when, under
which of their numbers, what became of it there, and the letters that answered it — or, for
a letter that came in, who sent it under which number. Plain data for the API and pages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone

from wasl.core import hijri
from wasl.directory.actors import Actor
from wasl.registry.access import can_see
from wasl.registry.models import Transaction
from wasl.registry.presenters import hidden_transaction
from wasl.registry.queries import visible_transactions
from wasl.registry.states import State

from . import envelope
from .errors import CODES
from .models import IncomingMessage, OutgoingMessage, answered_transaction
from .states import DeliveryState, Kind, Role


def _their_state_ar(code: str) -> str:
    return State(code).label_ar if code in State.values else code


def _role_ar(code: str) -> str:
    return Role(code).label_ar if code in Role.values else ""


def moment(value: datetime | None) -> dict[str, str] | None:
    if value is None:
        return None
    local = timezone.localtime(value)
    day = local.date()
    return {
        "at": value.isoformat(),
        "display_ar": f"{hijri.format_dual(day)} الساعة {local:%H:%M}",
        "display_en": f"{day.isoformat()} {local:%H:%M}",
    }


def delivery_line(row: OutgoingMessage) -> tuple[str, str]:
    """ "Delivered to X at T, their reference N" — in Arabic and English."""
    name_ar, name_en = row.receiver.entity.name_ar, row.receiver.entity.name_en
    if row.state == DeliveryState.DELIVERED:
        when = moment(row.delivered_at) or {}
        ar = f"سُلّمت إلى {name_ar} في {when.get('display_ar', '')}، ورقمها لديهم {row.their_reference}"
        en = f"Delivered to {name_en} at {when.get('display_en', '')}, their reference {row.their_reference}"
        if row.their_state:
            ar += f"؛ حالتها لديهم: {_their_state_ar(row.their_state)}"
            en += f"; there: {row.their_state}"
        return ar, en
    if row.state == DeliveryState.WITHDRAWN:
        return (f"سُحبت قبل تسليمها إلى {name_ar}", f"Withdrawn before delivery to {name_en}")
    if row.state == DeliveryState.FAILED:
        _, reason_ar, reason_en, _ = CODES.get(row.last_error_code, (0, "", row.last_error, False))
        return (
            f"تعذّر التسليم إلى {name_ar}: {reason_ar}".rstrip(": "),
            f"Could not be delivered to {name_en}: {reason_en}".rstrip(": "),
        )
    return (
        f"قيد الإرسال إلى {name_ar} (المحاولات: {row.attempts})",
        f"Being sent to {name_en} (attempts: {row.attempts})",
    )


def deliveries(actor: Actor, txn: Transaction) -> list[dict[str, Any]]:
    rows = list(
        OutgoingMessage.objects.filter(transaction=txn, kind=Kind.LETTER)
        .select_related("receiver__entity")
        .order_by("id")
    )
    answers: dict[int, list[IncomingMessage]] = {}
    for item in IncomingMessage.objects.filter(
        about__in=[r.pk for r in rows], kind=Kind.LETTER
    ).select_related("transaction"):
        answers.setdefault(item.about_id or 0, []).append(item)
    visible = set(
        visible_transactions(actor)
        .filter(pk__in=[a.transaction_id for group in answers.values() for a in group])
        .values_list("pk", flat=True)
    )
    result = []
    for row in rows:
        line_ar, line_en = delivery_line(row)
        result.append(
            {
                "message_id": str(row.message_id),
                "receiver": {
                    "code": row.receiver.code,
                    "name_ar": row.receiver.entity.name_ar,
                    "name_en": row.receiver.entity.name_en,
                },
                "role": row.role,
                "role_ar": _role_ar(row.role),
                "state": row.state,
                "state_ar": DeliveryState(row.state).label_ar,
                "sent_at": moment(row.created_at),
                "delivered_at": moment(row.delivered_at),
                "their_reference": row.their_reference or None,
                "their_registered_on": row.their_registered_on.isoformat()
                if row.their_registered_on
                else None,
                "their_state": row.their_state or None,
                "their_state_ar": _their_state_ar(row.their_state) if row.their_state else None,
                "their_state_at": moment(row.their_state_at),
                "attempts": row.attempts,
                "last_error": {"code": row.last_error_code, "message": row.last_error}
                if row.last_error_code
                else None,
                "answered_by": [
                    {
                        "their_reference": a.their_reference,
                        "received_at": moment(a.received_at),
                        "transaction": {
                            "id": str(a.transaction.public_id),
                            "reference": a.transaction.reference,
                        },
                    }
                    for a in answers.get(row.pk, [])
                    if a.transaction_id in visible and a.transaction
                ],
                # Answers registered where the reader may not see them: once, uncounted.
                "answered_hidden": hidden_transaction()
                if any(a.transaction_id not in visible for a in answers.get(row.pk, []))
                else None,
                "line_ar": line_ar,
                "line_en": line_en,
            }
        )
    return result


def origin(actor: Actor, txn: Transaction) -> dict[str, Any] | None:
    """For a letter that came in through Wasl: who sent it, their number and date, and what
    the envelope says about reading it and answering it. The letter it answers, when that is
    one of ours the reader may not see, is the stand-in for a hidden transaction."""
    item = (
        IncomingMessage.objects.filter(transaction=txn, kind=Kind.LETTER)
        .select_related("sender__entity")
        .first()
    )
    if item is None:
        return None
    letter = envelope.loads(item.envelope)["envelope"]["letter"]
    answers = letter["answers"]
    ours = answered_transaction(answers)
    if ours is not None and not can_see(actor, ours):
        answers = hidden_transaction()
    return {
        "message_id": str(item.message_id),
        "sender": {
            "code": item.sender.code,
            "name_ar": item.sender.entity.name_ar,
            "name_en": item.sender.entity.name_en,
        },
        "their_reference": item.their_reference,
        "their_date": item.their_date.isoformat() if item.their_date else None,
        "received_at": moment(item.received_at),
        "role": letter["role"],
        "to": letter["to"],
        "cc": letter["cc"],
        "reply_due": letter["reply_due"],
        "restriction": letter["restriction"],
        "answers": answers,
        "statuses_sent": item.statuses_sent,
    }


def exchange_view(actor: Actor, txn: Transaction) -> dict[str, Any]:
    """Everything of the exchange about one transaction the actor can see (4 queries; 6 for a
    letter that came in answering one of ours)."""
    return {
        "transaction": {"id": str(txn.public_id), "reference": txn.reference},
        "deliveries": deliveries(actor, txn),
        "origin": origin(actor, txn),
    }
