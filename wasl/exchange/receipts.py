"""Receipts coming home: the last stage of a letter's way. A receipt is checked against the
receiver's key and the envelope we sent, then marks the outbox row delivered — whether it came
back as the answer to a delivery (`delivery.settle`) or on its own
(`POST /exchange/v1/receipts`). A letter sent about a transaction of the sender (linked to it
when sent) adds `letter_delivered` to that transaction's timeline as each receipt comes home:
its visitor hears which entity received it (wasl.notifications)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import transaction as db
from django.db.models import F
from django.utils import timezone

from wasl.directory.models import Entity
from wasl.registry import services as registry
from wasl.registry.models import Link, LinkKind, Transaction
from wasl.registry.states import Action, State

from . import envelope, keys, log, members, ratelimit
from .errors import ExchangeError
from .models import DeliveryState, Kind, LogEntry, OutgoingMessage


@dataclass(frozen=True)
class Checked:
    """A receipt that verified against the receiver's key and the envelope we sent."""

    signed: envelope.Signed


def check(
    row: OutgoingMessage,
    receipt: Any,
    public_key: Callable[[str], keys.PublicKey | None] = keys.public_key,
) -> Checked:
    """Raise `bad_receipt` unless `receipt` is the receiver's signed receipt for `row`.
    `public_key` reads a key of the directory (`settle` reads each once per batch)."""
    try:
        signed = envelope.parse_receipt(receipt)
    except envelope.EnvelopeError as error:
        raise ExchangeError("bad_receipt", error.code) from None
    body = signed.body
    if (
        body["message_id"] != str(row.message_id)
        or body["envelope_sha256"] != row.envelope_sha256
        or body["sender"] != row.receiver.code
        or body["receiver"] != row.sender.code
    ):
        raise ExchangeError("bad_receipt", "not the receipt of this message")
    key = public_key(signed.key_id)
    if key is None or key.member_code != row.receiver.code or key.revoked_at is not None:
        raise ExchangeError("bad_receipt", "unknown or revoked key")
    if not key.valid_at(envelope.parse_timestamp(body["at"], "at")):
        raise ExchangeError("bad_receipt", "key not valid when the receipt was signed")
    if not signed.verifies_with(key.public_raw):
        raise ExchangeError("bad_receipt", "signature")
    return Checked(signed)


def record(row: OutgoingMessage, checked: Checked, now: datetime) -> bool:
    """Mark `row` delivered with its receipt, in the caller's transaction. False when it
    already was: a receipt that comes twice (two workers, a repeat) changes and logs
    nothing."""
    return bool(record_all([(row, checked)], now))


def record_all(
    items: list[tuple[OutgoingMessage, Checked]], now: datetime
) -> list[OutgoingMessage]:
    """Mark these rows delivered with their receipts and log the receipts (one run per
    sender's chain), in the caller's transaction and a fixed number of statements. Returns
    the rows it marked: one delivered already (two workers, a repeat) changes and logs
    nothing."""
    if not items:
        return []
    # Locked until the caller commits (on SQLite the transaction holds the write lock from
    # its start): no other worker marks these rows between this read and the update.
    undelivered = set(
        OutgoingMessage.objects.select_for_update()
        .filter(pk__in=[row.pk for row, _ in items])
        .exclude(state=DeliveryState.DELIVERED)
        .values_list("pk", flat=True)
    )
    marked: list[OutgoingMessage] = []
    outcomes: list[str] = []
    for row, checked in items:
        if row.pk not in undelivered:
            continue
        undelivered.discard(row.pk)  # the same row twice in one call: marked once
        body = checked.signed.body
        row.state, row.delivered_at, row.receipt = DeliveryState.DELIVERED, now, checked.signed.text
        row.their_reference = body["reference"] or row.their_reference
        row.their_registered_on = (
            date.fromisoformat(body["registered_on"]) if body["registered_on"] else None
        )
        row.last_error_code = row.last_error = ""
        marked.append(row)
        outcomes.append(body["outcome"])
    if not marked:
        return []
    OutgoingMessage.objects.bulk_update(
        marked,
        [
            "state",
            "delivered_at",
            "receipt",
            "their_reference",
            "their_registered_on",
            "last_error_code",
            "last_error",
        ],
    )
    log.append_runs(
        [
            (
                row.sender.code,
                log.Record(
                    direction=LogEntry.Direction.IN,
                    what=LogEntry.What.RECEIPT,
                    payload=row.receipt,
                    message_id=str(row.message_id),
                    counterpart=row.receiver.code,
                    code=outcome,
                    at=now,
                ),
            )
            for row, outcome in zip(marked, outcomes, strict=True)
        ]
    )
    _note_on_concerned(marked, now)
    return marked


def _note_on_concerned(marked: list[OutgoingMessage], now: datetime) -> None:
    """For each letter just delivered, every transaction of the sender's entity it was sent
    about (`services.send_letter(concerning=…)`: linked `related` from the letter) gets a
    `letter_delivered` event, by the sender's system account, naming the entity that received
    it — and nothing else of the letter (a reader of the transaction may not see the letter).
    In the caller's transaction; a fixed number of queries, plus one event per transaction
    told. A cancelled transaction is not told."""
    letters = [row for row in marked if row.kind == Kind.LETTER]
    if not letters:
        return
    about: dict[int, list[int]] = {}
    for source_id, target_id in Link.objects.filter(
        source_id__in={row.transaction_id for row in letters},
        kind=LinkKind.RELATED,
        target__entity_id=F("source__entity_id"),
    ).values_list("source_id", "target_id"):
        about.setdefault(source_id, []).append(target_id)
    if not about:
        return
    told = {
        txn.pk: txn
        for txn in Transaction.objects.select_for_update()
        .filter(pk__in={pk for pks in about.values() for pk in pks})
        .exclude(state=State.CANCELLED)
        .order_by("pk")
    }
    names = {
        entity.pk: entity
        for entity in Entity.objects.filter(pk__in={row.receiver.entity_id for row in letters})
    }
    for row in letters:
        receiver = names[row.receiver.entity_id]
        for target_id in about.get(row.transaction_id, []):
            txn = told.get(target_id)
            if txn is None:
                continue
            registry.record_event(
                members.system_actor(row.sender),
                txn,
                Action.LETTER_DELIVERED,
                now,
                unit_id=None,
                note=receiver.name_ar,
                data={
                    "to": row.receiver.code,
                    "to_ar": receiver.name_ar,
                    "to_en": receiver.name_en or receiver.name_ar,
                },
            )


def accept(raw: bytes) -> str:
    """A receipt sent on its own (`POST /exchange/v1/receipts`): recorded if it is the
    receiver's receipt for a message in our outbox. Answers "recorded" or "already"."""
    # Receipts on their own are rare (the answer to a delivery carries its receipt): they
    # share the slow bucket of what cannot be tied to a member before it is checked.
    wait = ratelimit.take(ratelimit.UNKNOWN)
    if wait:
        limited = ExchangeError("rate_limited", retry_after=wait)
        if ratelimit.should_log(ratelimit.UNKNOWN):
            _reject(raw, limited, "")
        raise limited
    try:
        signed = envelope.parse_receipt(raw)
    except envelope.EnvelopeError as error:
        err = ExchangeError(error.code, error.detail, field=error.field)
        _reject(raw, err, "")
        raise err from None
    message_id = signed.body["message_id"]
    with db.atomic():
        row = (
            OutgoingMessage.objects.select_for_update()
            .select_related("sender", "receiver")
            .filter(message_id=message_id)
            .first()
        )
        failure = None
        if row is None or row.receiver.code != signed.body["sender"]:
            failure = ExchangeError("unknown_message", message_id)
        else:
            try:
                checked = check(row, signed.message)
            except ExchangeError as error:
                detail = error.message_en.partition(" (")[2].rstrip(")")
                failure = ExchangeError("receipt_not_valid", detail[:200])
            else:
                return "recorded" if record(row, checked, timezone.now()) else "already"
    _reject(raw, failure, message_id)
    raise failure


def _reject(raw: bytes, error: ExchangeError, message_id: str) -> None:
    with db.atomic():
        log.append_rejected(log.NODE_CHAIN, raw, error.code, message_id=message_id, note="receipt")
