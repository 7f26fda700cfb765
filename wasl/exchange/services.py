"""Sending letters through Wasl, status messages flowing back, and receipts coming home.

- `send_letter` registers the outgoing transaction and, in the same database transaction,
  writes one signed envelope per receiver to the outbox (and to the message log);
- `on_registry_event` (subscribed in `apps.py`, in the step's transaction) turns answered,
  closed, reopened and cancelled on a letter that came through Wasl into a status message
  back to its sender, in the outbox, in the same transaction as the step;
- once either commits, a delivery task is enqueued (`tasks.deliver_outbox`).

The way of a letter runs one way through the modules, each importing only the next: this
outbox → `tasks` → `delivery` → the receiving node (`receiving`, its inbox) → `receipts`
back home.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db import transaction as db
from django.utils import timezone

from wasl.audit import services as audit
from wasl.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from wasl.directory.actors import Actor
from wasl.directory.models import Unit
from wasl.registry import access
from wasl.registry import attachments as registry_files
from wasl.registry import services as registry
from wasl.registry.events import Published
from wasl.registry.models import Attachment, Confidentiality, Transaction

from . import blobs, envelope, keys, log, lookup, tasks
from .models import (
    DeliveryState,
    IncomingMessage,
    Kind,
    LogEntry,
    Member,
    OutgoingMessage,
)

logger = logging.getLogger("wasl.exchange")

MAX_RECEIVERS = envelope.MAX_RECEIVERS
LEGAL_BASIS_MAX = 500


@dataclass(frozen=True)
class Restriction:
    """قيد الاطلاع — who may read the letter, on which legal basis, until when."""

    level: str = Confidentiality.NORMAL
    legal_basis: str = ""
    until: date | None = None


@dataclass(frozen=True)
class NewFile:
    """A file sent with a letter (stored by hash before the letter is registered)."""

    filename: str
    chunks: Iterable[bytes]
    content_type: str = ""


@dataclass
class SentLetter:
    transaction: Transaction
    messages: list[OutgoingMessage] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------
# Sending


def _codes(values: Iterable[str], field_name: str) -> list[str]:
    result = []
    for value in values:
        code = str(value or "").strip().upper()[:21]
        if not code:
            continue
        if code in result:
            raise InvalidInput(
                "جهة مكررة في قائمة المستقبلين.",
                f"{code} appears twice among the receivers.",
                code="duplicate_receiver",
                field=field_name,
            )
        result.append(code)
    return result


def _receivers(sender: Member, to: list[str], cc: list[str]) -> list[tuple[Member, str]]:
    if not to:
        raise InvalidInput(
            "حدد جهة مستقبلة واحدة على الأقل.",
            "Choose at least one receiving entity.",
            code="no_receivers",
            field="to",
        )
    if len(to) + len(cc) > MAX_RECEIVERS:
        raise InvalidInput(
            f"لا تتجاوز {MAX_RECEIVERS} جهة في خطاب واحد.",
            f"At most {MAX_RECEIVERS} receivers per letter.",
            code="too_many_receivers",
            field="to",
        )
    overlap = set(to) & set(cc)
    if overlap:
        raise InvalidInput(
            "الجهة لا تكون في «إلى» و«نسخة إلى» معاً.",
            f"{sorted(overlap)[0]} is both a receiver and a copy receiver.",
            code="duplicate_receiver",
            field="cc",
        )
    result = []
    found = lookup.members(to + cc)
    for code in to + cc:
        field_name = "to" if code in to else "cc"
        member = found.get(code)
        if member is None:
            raise InvalidInput(
                f"الجهة «{code}» ليست عضواً في وصل؛ لا يمكن الإرسال إليها إلكترونياً.",
                f"{code} is not a Wasl member: the letter cannot be sent to it.",
                code="unknown_receiver",
                field=field_name,
            )
        if not member.is_active or not member.has_current_key:
            raise InvalidInput(
                f"عضوية الجهة «{code}» في وصل ملغاة أو مفاتيحها ملغاة؛ لا يمكن الإرسال إليها.",
                f"{code}'s Wasl membership or keys are revoked: the letter cannot be sent to it.",
                code="receiver_revoked",
                field=field_name,
            )
        if member.pk == sender.pk:
            raise InvalidInput(
                "لا ترسل الجهة خطاباً إلى نفسها عبر وصل.",
                "An entity does not send a letter to itself through Wasl.",
                code="self_addressed",
                field=field_name,
            )
        if not member.node.is_self and not member.node.base_url:
            raise InvalidInput(
                f"لا يُعرف عنوان عقدة الجهة «{code}».",
                f"The address of {code}'s node is not known.",
                code="receiver_node_unknown",
                field=field_name,
            )
        result.append((member, field_name))
    return result


def sender_member(entity_id: int) -> Member:
    member = lookup.member_of_entity(entity_id)
    if member is None or not member.node.is_self or not member.is_active:
        raise InvalidInput(
            "جهتك ليست عضواً نشطاً في وصل على هذه العقدة.",
            "Your entity is not an active Wasl member on this node.",
            code="sender_not_member",
        )
    return member


def _check_restriction(restriction: Restriction, today: date) -> Restriction:
    if restriction.level not in Confidentiality.values:
        raise InvalidInput(
            "درجة السرية غير صحيحة.",
            f"The restriction level must be one of {', '.join(Confidentiality.values)}.",
            code="invalid_choice",
            field="restriction.level",
        )
    basis = (restriction.legal_basis or "").strip()
    if len(basis) > LEGAL_BASIS_MAX:
        raise InvalidInput(
            f"السند النظامي أطول من {LEGAL_BASIS_MAX} حرف.",
            f"The legal basis is over {LEGAL_BASIS_MAX} characters.",
            code="legal_basis_too_long",
            field="restriction.legal_basis",
        )
    if restriction.level != Confidentiality.NORMAL and not basis:
        raise InvalidInput(
            "اذكر السند النظامي لتقييد الاطلاع على الخطاب.",
            "A restricted letter needs the legal basis of its restriction.",
            code="legal_basis_required",
            field="restriction.legal_basis",
        )
    if restriction.until is not None:
        if restriction.level == Confidentiality.NORMAL:
            raise InvalidInput(
                "تاريخ انتهاء القيد يخص الخطابات المقيدة فقط.",
                "An end date belongs only to a restricted letter.",
                code="unexpected_restriction_end",
                field="restriction.until",
            )
        if restriction.until <= today:
            raise InvalidInput(
                "تاريخ انتهاء القيد يكون في المستقبل.",
                "The restriction's end date must be in the future.",
                code="restriction_end_in_past",
                field="restriction.until",
            )
    return Restriction(restriction.level, basis, restriction.until)


def send_letter(
    actor: Actor,
    *,
    unit: Unit,
    to: Iterable[str],
    cc: Iterable[str] = (),
    subject: str,
    body: str = "",
    kind: str = "letter",
    classification: str = "general",
    urgency: str = "normal",
    restriction: Restriction | None = None,
    reply_due: date | None = None,
    answers: object | None = None,
    concerning: object | None = None,
    attachments: Iterable[object] = (),
    files: Iterable[NewFile] = (),
) -> SentLetter:
    """Send an outgoing letter (خطاب صادر) to entities through Wasl, with copies.

    Who: a clerk or head of `unit`, whose entity is a member hosted here. Registers the
    outgoing transaction (first receiver as correspondent) and, in the same database
    transaction, one signed envelope per receiver in the outbox. `answers` is an incoming
    letter (that came through Wasl) this one answers: the receivers default to its sender and
    the two transactions are linked. `concerning` is a transaction of the entity (one the
    actor can see) the letter is about, linked to it: when a receiver's receipt comes back,
    that transaction's timeline says so and its visitor is told (`receipts`). `attachments`
    are ids of attachments the actor can see;
    `files` are new files. Refuses unknown and revoked receivers. Records
    `exchange.letter.sent`.
    """
    to_codes, cc_codes = _codes(to, "to"), _codes(cc, "cc")
    today = timezone.localdate()
    restriction = _check_restriction(restriction or Restriction(), today)
    if reply_due is not None and reply_due < today:
        raise InvalidInput(
            "موعد الرد لا يكون في الماضي.",
            "The reply-due date cannot be in the past.",
            code="reply_due_in_past",
            field="reply_due",
        )
    answered: tuple[Transaction, IncomingMessage] | None = None
    if answers is not None:
        answered_txn = access.get_transaction_for(actor, answers)
        origin = (
            IncomingMessage.objects.filter(transaction_id=answered_txn.pk, kind=Kind.LETTER)
            .select_related("sender")
            .first()
        )
        if origin is None:
            raise InvalidInput(
                "المعاملة المجاب عنها لم ترد عبر وصل.",
                "The transaction answered did not come through Wasl.",
                code="not_an_exchange_letter",
                field="answers",
            )
        answered = (answered_txn, origin)
        if not to_codes:
            to_codes = [origin.sender.code]
    about = access.get_transaction_for(actor, concerning) if concerning is not None else None
    if about is not None and (about.entity_id != unit.entity_id or about.direction == "outgoing"):
        raise InvalidInput(
            "يُرسل الخطاب عن معاملة واردة أو داخلية من معاملات جهتك.",
            "A letter is sent about an incoming or internal transaction of your entity.",
            code="concerning_not_allowed",
            field="concerning",
        )
    existing = [access.get_attachment_for(actor, a) for a in attachments]
    stored = [
        registry_files.store(f.chunks, filename=f.filename, declared_type=f.content_type)
        for f in files
    ]
    outgoing_files = [(a.sha256, a.filename, a.content_type) for a in existing] + [
        (s.sha256, s.filename, s.content_type) for s in stored
    ]
    sender = sender_member(unit.entity_id)
    receivers = _receivers(sender, to_codes, cc_codes)
    with db.atomic():
        txn = registry.register_transaction(
            actor,
            unit=unit,
            direction="outgoing",
            kind=kind,
            subject=subject,
            body=body,
            classification=classification,
            urgency=urgency,
            confidentiality=restriction.level,
            due_date=reply_due,
            correspondent_code=receivers[0][0].code,
        )
        made: list[Attachment] = []
        for sha, filename, content_type in outgoing_files:
            made.append(
                registry.add_attachment(
                    actor,
                    txn.public_id,
                    chunks=blobs.chunks(sha),
                    filename=filename,
                    declared_type=content_type,
                )
            )
        if answered is not None:
            registry.link(actor, txn.public_id, answered[0].public_id, kind="answers")
        if about is not None and (answered is None or about.pk != answered[0].pk):
            registry.link(actor, txn.public_id, about.public_id, kind="related")
        letter = {
            "reference": txn.reference,
            "date": txn.registered_on.isoformat(),
            "kind": txn.kind,
            "subject": txn.subject,
            "body": txn.body,
            "classification": txn.classification,
            "urgency": txn.urgency,
            "restriction": {
                "level": restriction.level,
                "legal_basis": restriction.legal_basis,
                "until": restriction.until.isoformat() if restriction.until else None,
            },
            "reply_due": reply_due.isoformat() if reply_due else None,
            "answers": _answers_block(answered[1]) if answered else None,
            "to": [m.code for m, role in receivers if role == "to"],
            "cc": [m.code for m, role in receivers if role == "cc"],
            "attachments": [
                {
                    "sha256": a.sha256,
                    "size": a.size,
                    "filename": a.filename,
                    "content_type": a.content_type,
                }
                for a in made
            ],
        }
        signer = keys.signer_for(sender.pk, sender.code)
        now = timezone.now()
        messages = _queue(
            [
                _envelope(
                    signer,
                    sender,
                    receiver,
                    txn,
                    now,
                    kind=Kind.LETTER,
                    payload={"letter": {**letter, "role": role}},
                    role=role,
                )
                for receiver, role in receivers
            ]
        )
        audit.record(
            "exchange.letter.sent",
            chain=sender.code,
            object_type="transaction",
            object_id=str(txn.public_id),
            actor_id=actor.user_id,
            actor=actor.username,
            data={
                "reference": txn.reference,
                "to": letter["to"],
                "cc": letter["cc"],
                "messages": [str(m.message_id) for m in messages],
            },
            at=now,
        )
        _deliver_after_commit()
    return SentLetter(txn, messages)


def _answers_block(origin: IncomingMessage) -> dict[str, Any]:
    return {
        "message_id": str(origin.message_id),
        "reference": origin.their_reference,
        "date": origin.their_date.isoformat() if origin.their_date else None,
    }


def _envelope(
    signer: keys.Signer,
    sender: Member,
    receiver: Member,
    txn: Transaction,
    now: datetime,
    *,
    kind: str,
    payload: dict[str, Any],
    role: str = "",
    about: IncomingMessage | None = None,
) -> OutgoingMessage:
    """One signed envelope as an outbox row, not yet written."""
    message_id = uuid.uuid4()
    body = {
        "v": envelope.VERSION,
        "type": kind,
        "message_id": str(message_id),
        "created_at": envelope.timestamp(now),
        "sender": sender.code,
        "receiver": receiver.code,
        **payload,
    }
    signed = signer.sign("envelope", body)
    return OutgoingMessage(
        message_id=message_id,
        kind=kind,
        sender=sender,
        receiver=receiver,
        transaction=txn,
        role=role,
        about=about,
        envelope=signed.text,
        envelope_sha256=signed.sha256,
        state=DeliveryState.PENDING,
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )


def _queue(messages: list[OutgoingMessage]) -> list[OutgoingMessage]:
    """Put these envelopes (all from one sender) in the outbox and the sender's log, in the
    caller's transaction: one INSERT for the outbox and one run of the log, whatever their
    number."""
    OutgoingMessage.objects.bulk_create(messages)
    log.append_run(
        messages[0].sender.code,
        [
            log.Record(
                direction=LogEntry.Direction.OUT,
                what=LogEntry.What.ENVELOPE,
                payload=message.envelope,
                message_id=str(message.message_id),
                counterpart=message.receiver.code,
                code=message.kind,
                at=message.created_at,
            )
            for message in messages
        ],
    )
    return messages


def _deliver_after_commit() -> None:
    """Once the change commits, a delivery task takes what is due from the outbox. If the
    task cannot be enqueued, the messages wait for the worker's periodic look at the outbox."""
    db.on_commit(tasks.deliver_outbox.enqueue, robust=True)


# ---------------------------------------------------------------------------------------------
# Following a letter sent: another attempt now, or withdrawing it


def _delivery_for_change(actor: Actor, message_id: object) -> OutgoingMessage:
    """The outbox row of a letter `actor` sent (locked until the caller commits): a person
    who may see its transaction and works in the unit that sent it. One answer (404) for a
    message that is not here and one the person may not see."""
    missing = NotFound("الرسالة غير موجودة.", "Message not found.", code="message_not_found")
    try:
        wanted = uuid.UUID(str(message_id))
    except ValueError:
        raise missing from None
    row = (
        OutgoingMessage.objects.select_for_update(of=("self",))
        .select_related("sender", "receiver__entity", "transaction")
        .filter(message_id=wanted, kind=Kind.LETTER)
        .first()
    )
    if row is None or not access.can_see(actor, row.transaction):
        raise missing
    if not actor.works_in(row.transaction.unit_id):
        raise Forbidden(
            "يتابع الخطاب الإدارة التي أرسلته.",
            "Only the unit that sent the letter follows its delivery.",
            code="not_the_sending_unit",
        )
    return row


def _delivery_changed(actor: Actor, action: str, row: OutgoingMessage, old: str) -> None:
    now = timezone.now()
    audit.record(
        action,
        chain=row.sender.code,
        object_type="outgoing_message",
        object_id=str(row.message_id),
        actor_id=actor.user_id,
        actor=actor.username,
        data={
            "state": [old, row.state],
            "receiver": row.receiver.code,
            "transaction": str(row.transaction.public_id),
        },
        at=now,
    )


def retry_delivery(actor: Actor, message_id: object) -> OutgoingMessage:
    """Try again now to deliver a letter that is still being sent or could not be delivered
    (إعادة المحاولة). Who: a clerk or head of the unit that sent it. From: pending or failed;
    to: pending, due now. Records `exchange.message.retried` with the old and new state."""
    with db.atomic():
        row = _delivery_for_change(actor, message_id)
        if row.state not in (DeliveryState.PENDING, DeliveryState.FAILED):
            raise Conflict(
                f"لا تُعاد محاولة التسليم لأن حالة الرسالة «{DeliveryState(row.state).label_ar}».",
                f"Cannot try again: the message is {row.state}.",
                code="not_retryable",
            )
        old = row.state
        row.state, row.next_attempt_at = DeliveryState.PENDING, timezone.now()
        row.save(update_fields=["state", "next_attempt_at"])
        _delivery_changed(actor, "exchange.message.retried", row, old)
        _deliver_after_commit()
    return row


def withdraw_delivery(actor: Actor, message_id: object) -> OutgoingMessage:
    """Withdraw a letter not yet delivered to one receiver (سحب): no further attempt is
    made. Who: a clerk or head of the unit that sent it. From: pending or failed. An attempt
    already under way may still deliver it: its receipt is then recorded, and the page says
    delivered. Records `exchange.message.withdrawn` with the old and new state."""
    with db.atomic():
        row = _delivery_for_change(actor, message_id)
        if row.state not in (DeliveryState.PENDING, DeliveryState.FAILED):
            raise Conflict(
                f"لا تُسحب الرسالة لأن حالتها «{DeliveryState(row.state).label_ar}».",
                f"Cannot withdraw: the message is {row.state}.",
                code="not_withdrawable",
            )
        old = row.state
        row.state = DeliveryState.WITHDRAWN
        row.save(update_fields=["state"])
        _delivery_changed(actor, "exchange.message.withdrawn", row, old)
    return row


# ---------------------------------------------------------------------------------------------
# Status messages back to the sender

# registry action -> the transaction state that makes it news for the sender
STATUS_ACTIONS = {
    "answered": "answered",
    "closed": "closed",
    "reopened": "reopened",
    "cancelled": "cancelled",
}


def on_registry_event(published: Published) -> None:
    """In the step's transaction: a letter that came through Wasl was answered (all its
    referrals), closed, reopened or cancelled — queue a status message to its sender. A
    failure here is logged and never undoes the step."""
    event, txn = published.event, published.transaction
    wanted = STATUS_ACTIONS.get(event.action)
    if wanted is None or txn.direction != "incoming" or txn.correspondent_id is None:
        return
    states = event.data.get("state") if isinstance(event.data, dict) else None
    if not isinstance(states, list) or len(states) != 2 or states[1] != wanted:
        return
    try:
        with db.atomic():
            queue_status(txn, wanted, event.created_at)
    except Exception:
        logger.exception("exchange: could not queue the %s status of %s", wanted, txn.reference)


def queue_status(txn: Transaction, state: str, at: datetime) -> OutgoingMessage | None:
    """Queue a status message about the incoming letter registered as `txn` (if it came
    through Wasl and its sender is still a member). Inside the caller's transaction."""
    origin = (
        IncomingMessage.objects.filter(transaction_id=txn.pk, kind=Kind.LETTER)
        .select_related("sender__node", "receiver__node")
        .select_for_update(of=("self",))
        .first()
    )
    if origin is None:
        return None
    if not origin.sender.is_active or not origin.receiver.is_active:
        logger.warning("exchange: no status for %s: membership revoked", txn.reference)
        return None
    # The row is locked until the step commits: statuses of one letter are numbered in turn.
    origin.statuses_sent += 1
    origin.save(update_fields=["statuses_sent"])
    seq = origin.statuses_sent
    signer = keys.signer_for(origin.receiver.pk, origin.receiver.code)
    now = timezone.now()
    message = _envelope(
        signer,
        origin.receiver,
        origin.sender,
        txn,
        now,
        kind=Kind.STATUS,
        payload={
            "status": {
                "of_message": str(origin.message_id),
                "seq": seq,
                "state": state,
                "at": envelope.timestamp(at),
                "reference": txn.reference,
            }
        },
        about=origin,
    )
    _queue([message])
    _deliver_after_commit()
    return message
