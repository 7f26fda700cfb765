"""Proof bundles: an envelope, its signature and its receipt, with the public keys that sign
them and their place in the message log — enough for a third party, holding only public
keys, to check who sent what to whom and that it was received (`tools/verify_proof.py`)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from wasl.core.errors import NotFound
from wasl.directory.actors import Actor
from wasl.registry.access import can_see
from wasl.registry.models import Transaction

from . import envelope, members
from .models import IncomingMessage, LogEntry, MemberKey, OutgoingMessage, answered_transaction

FORMAT = "wasl-proof-v1"


def missing() -> NotFound:
    return NotFound("الرسالة غير موجودة.", "Message not found.", code="message_not_found")


def find(message_id: str) -> OutgoingMessage | IncomingMessage:
    """The message as sent from here, or else as received here."""
    if not envelope.UUID_RE.match(str(message_id)):
        raise missing()
    row: OutgoingMessage | IncomingMessage | None = OutgoingMessage.objects.filter(
        message_id=message_id
    ).first()
    if row is None:
        row = IncomingMessage.objects.filter(message_id=message_id).first()
    if row is None:
        raise missing()
    return row


def readable_by(actor: Actor, message_id: str) -> OutgoingMessage | IncomingMessage:
    """The message as the reader knows it: as sent from here or as received here, whichever
    names only transactions the reader may see. Two entities of one node hold the same
    message twice (the sender's outbox, the receiver's inbox): each reader gets their own.
    One answer (`missing`) for a message that is not here and one the reader may not see."""
    if not envelope.UUID_RE.match(str(message_id)):
        raise missing()
    rows: list[OutgoingMessage | IncomingMessage | None] = [
        OutgoingMessage.objects.filter(message_id=message_id).first(),
        IncomingMessage.objects.filter(message_id=message_id).first(),
    ]
    for row in rows:
        if row is None:
            continue
        named = named_transactions(row)
        if named and all(can_see(actor, txn) for txn in named):
            return row
    raise missing()


def transaction_of(row: OutgoingMessage | IncomingMessage) -> Transaction | None:
    """The transaction a message belongs to here (a status: the letter it reports on)."""
    if row.transaction_id is not None:
        return row.transaction
    if row.about_id is not None and row.about is not None:
        return row.about.transaction
    return None


def named_transactions(row: OutgoingMessage | IncomingMessage) -> list[Transaction]:
    """Every transaction of ours a message's bundle names: the one it belongs to and the one
    its letter answers. A reader gets the bundle only when they may see them all: it is the
    signed envelope as sent, which cannot be shown with a reference taken out."""
    named = [txn] if (txn := transaction_of(row)) is not None else []
    letter = envelope.loads(row.envelope)["envelope"].get("letter") or {}
    answered = answered_transaction(letter.get("answers"))
    if answered is not None:
        named.append(answered)
    return named


def bundle(row: OutgoingMessage | IncomingMessage) -> dict[str, Any]:
    message = envelope.loads(row.envelope)
    receipt = envelope.loads(row.receipt) if row.receipt else None
    key_ids = [message["signature"]["key_id"]]
    if receipt:
        key_ids.append(receipt["signature"]["key_id"])
    keys = [
        {
            "entity": key.member.code,
            "key_id": key.key_id,
            "algorithm": "Ed25519",
            "public_key": key.public_key,
            "valid_from": envelope.timestamp(key.valid_from),
            "valid_until": envelope.timestamp(key.valid_until) if key.valid_until else None,
            "revoked_at": envelope.timestamp(key.revoked_at) if key.revoked_at else None,
        }
        for key in MemberKey.objects.filter(key_id__in=key_ids).select_related("member")
    ]
    # The entries of the chain of the member holding this copy (the sender's for a message
    # sent, the receiver's for one received): what its own node could show, even when both
    # entities live on one node.
    holder = row.sender if isinstance(row, OutgoingMessage) else row.receiver
    entries = LogEntry.objects.filter(message_id=str(row.message_id), chain=holder.code).order_by(
        "chain", "seq"
    )
    node = members.self_node()
    return {
        "format": FORMAT,
        "exported_at": envelope.timestamp(timezone.now()),
        "exported_by_node": node.code if node else None,
        "message": message,
        "receipt": receipt,
        "keys": keys,
        "log": [
            {
                "chain": e.chain,
                "seq": e.seq,
                "at": e.at.isoformat(),
                "direction": e.direction,
                "what": e.what,
                "code": e.code,
                "payload_sha256": e.payload_sha256,
                "prev_hash": e.prev_hash,
                "hash": e.hash,
            }
            for e in entries
            if e.what != LogEntry.What.REJECTED
        ],
    }
