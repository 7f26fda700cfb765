"""E-mail in: one function, `receive`, takes a message as it arrived (by `wasl mail serve`,
by IMAP, or from a file) and decides what becomes of it. The raw message is kept first, always.

In order:
1. a delivery status notification (bounce, RFC 3464) marks our message and the visitor's
   address failing (shown on the transaction) — never an event;
2. our own message come back, and a message already received (the same Message-ID from the
   same sender: a relay that delivered twice), are kept and go no further;
3. past `WASL_MAIL_MAX_PER_ADDRESS_PER_DAY` messages from one address, a message is kept only
   (a flood costs one row per message, nothing more);
4. the transaction is found by the thread (In-Reply-To, References: our Message-IDs, and those
   of the visitor's earlier messages that joined it), then by a reference in the subject;
   none found: an item to triage;
5. only the address the visitor registered (their `Contact`) may add to the transaction; any
   other sender — a forged From on a valid thread among them — makes an untrusted item for a
   clerk to triage, never an event on someone's matter, and gets no answer (nothing revealed);
6. the visitor's message becomes one timeline event (its new text, quoted history cut off; its
   attachments, under the registry's limits, as attachments of the transaction), recorded with
   its audit entry in the same database transaction (`add_to_transaction`);
7. an automatic answer goes back in the same thread, except to automatic messages
   (Auto-Submitted, Precedence bulk/list/junk, lists, mailer daemons) and past
   `WASL_MAIL_ANSWERS_PER_ADDRESS_PER_DAY` answers to the address.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction as db
from django.utils import timezone

from wasl.audit import services as audit
from wasl.core.errors import Forbidden, InvalidInput, WaslError
from wasl.core.text import clean_text
from wasl.directory import services as directory
from wasl.directory.actors import Actor
from wasl.directory.models import entity_code_of
from wasl.notifications import conf as notify_conf
from wasl.notifications import outbox, tasks
from wasl.notifications.emails import OUR_HEADER
from wasl.notifications.models import Contact, Notification
from wasl.notifications.states import Channel, Language, Status, Step
from wasl.registry import access
from wasl.registry import attachments as attachment_files

# The registry's own helper that appends the timeline event, the audit record with the digests
# of the rows written, and publishes the event: one way of recording a step, reused rather than
# copied (a public name for it belongs in the registry; see the report of #17).
from wasl.registry import services as registry
from wasl.registry.models import Attachment, Event, Referral, Transaction
from wasl.registry.states import OPEN_REFERRAL_STATES, transaction_step

from . import conf, parsing
from .models import InboundMessage
from .vocabulary import Outcome

logger = logging.getLogger("wasl.mail")
SYSTEM_USERNAME = "wasl-mail"
REPLY_MAX = 5_000


@dataclass(frozen=True)
class Envelope:
    """How a message came: the channel, and the SMTP envelope when there was one."""

    via: str
    mail_from: str = ""
    recipients: tuple[str, ...] = field(default_factory=tuple)


# ---------------------------------------------------------------------------------------------
# Receiving


def receive(raw: bytes, envelope: Envelope) -> InboundMessage:
    """Keep `raw`, read it, and do what the module's rules say; returns the message's row.
    Bad input never raises: it gets its outcome and its reason."""
    sha256 = keep_raw(raw)
    parsed = parsing.parse(raw)
    row = InboundMessage(
        received_at=timezone.now(),
        via=envelope.via[:10],
        envelope_from=envelope.mail_from[:320],
        from_address=parsed.from_address[:320],
        from_name=parsed.from_name[:200],
        to=", ".join(parsed.to)[:1000],
        to_count=parsed.to_count,
        subject=parsed.subject[:300],
        message_id=parsed.message_id,
        sha256=sha256,
        size=len(raw),
    )
    if parsed.bounce is not None:
        return _bounce(row, parsed.bounce)
    if _ours(raw, parsed):
        return _keep(row, Outcome.AUTOMATIC, "our own message")
    if _already_received(row):
        return _keep(row, Outcome.DUPLICATE, "this Message-ID from this sender was received")
    since = row.received_at - timedelta(days=1)
    if row.from_address and (
        InboundMessage.objects.filter(from_address=row.from_address, received_at__gte=since)
        .exclude(outcome=Outcome.DUPLICATE)
        .count()
        >= conf.get("WASL_MAIL_MAX_PER_ADDRESS_PER_DAY")
    ):
        return _keep(row, Outcome.OVER_CAP, "daily limit of this address reached")
    txn, how = match(parsed)
    if txn is None:
        if parsed.automatic:
            return _keep(row, Outcome.AUTOMATIC, parsed.automatic)
        return _keep(row, Outcome.UNMATCHED, "no transaction found in the thread or subject")
    row.transaction = txn
    registered = _registered_address(txn)
    if not registered or registered != parsed.from_address.lower():
        return _keep(row, Outcome.UNTRUSTED, f"sender is not the visitor's address ({how})")
    try:
        return add_to_transaction(row, parsed, txn.pk)
    except WaslError as error:  # the matter is cancelled: a clerk decides
        row.event = None
        return _keep(row, Outcome.REFUSED, f"{error.code}: {error.message_en}"[:300])


def keep_raw(raw: bytes) -> str:
    """Write `raw` under the raw-mail folder by its SHA-256 (once; atomically)."""
    sha256 = hashlib.sha256(raw).hexdigest()
    path = raw_path(sha256)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent)
        with os.fdopen(fd, "wb") as out:
            out.write(raw)
        os.replace(tmp, path)
    return sha256


def raw_path(sha256: str) -> Path:
    base = conf.get("WASL_MAIL_RAW_DIR") or Path(settings.MEDIA_ROOT) / "mail"
    return Path(base) / sha256[:2] / sha256[2:4] / f"{sha256}.eml"


def _keep(row: InboundMessage, outcome: str, reason: str) -> InboundMessage:
    row.outcome = outcome
    row.reason = reason[:300]
    row.save()
    return row


def _ours(raw: bytes, parsed: parsing.Parsed) -> bool:
    """One of our own messages come back (a loop through a forwarding address)."""
    domain = notify_conf.get("WASL_EMAIL_DOMAIN").lower()
    if parsed.message_id.lower().endswith(f"@{domain}>"):
        return True
    head = raw[:65536].split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0].lower()
    return f"\n{OUR_HEADER.lower()}:".encode() in head


def _already_received(row: InboundMessage) -> bool:
    if not row.message_id:
        return False
    return (
        InboundMessage.objects.filter(message_id=row.message_id, from_address=row.from_address)
        .exclude(outcome=Outcome.DUPLICATE)
        .exists()
    )


def match(parsed: parsing.Parsed) -> tuple[Transaction | None, str]:
    """The transaction a message is about, and how it was found: by the thread (our
    Message-IDs, then those of the visitor's messages that joined it), else by the first
    reference in the subject that exists."""
    if parsed.thread:
        found = (
            Notification.objects.filter(message_id__in=parsed.thread, channel=Channel.EMAIL)
            .values_list("transaction_id", flat=True)
            .first()
        )
        if found is None:
            found = (
                InboundMessage.objects.filter(message_id__in=parsed.thread, outcome=Outcome.ADDED)
                .values_list("transaction_id", flat=True)
                .first()
            )
        if found is not None:
            return Transaction.objects.get(pk=found), "thread"
    for reference in parsed.references_in_subject()[:5]:
        txn = Transaction.objects.filter(reference=reference).first()
        if txn is not None:
            return txn, "subject"
    return None, ""


def _registered_address(txn: Transaction) -> str:
    """The visitor's address: the one kept with their choices, else the one registered with
    the matter (`party_email`) while no choices are kept."""
    kept = Contact.objects.filter(transaction_id=txn.pk).values_list("email", flat=True)
    email = kept[0] if kept else txn.party_email
    return (email or "").lower()


# ---------------------------------------------------------------------------------------------
# Adding to a transaction


def add_to_transaction(row: InboundMessage, parsed: parsing.Parsed, txn_pk: int) -> InboundMessage:
    """Add the visitor's e-mail to their transaction (رسالة من صاحب المعاملة): one timeline
    event (`commented`, data `channel: email`) whose note is the message's new text, the
    attachments that pass the registry's checks as attachments of the transaction (those that
    do not are named in the event, and stay in the kept raw message), and the message's row
    linked to the event — the event and its audit record in one database transaction.

    Who: the `wasl-mail` system account, for a sender already checked to be the visitor's
    registered address. From: any state in which a comment may be added (not cancelled).
    Queues the automatic answer (see `answer_allowed`)."""
    stored, refused = _store_attachments(parsed.attachments)
    actor = mail_actor()
    with db.atomic():
        txn = Transaction.objects.select_for_update().get(pk=txn_pk)
        transaction_step("comment", txn.state)
        now = timezone.now()
        made = [
            Attachment.objects.create(
                transaction=txn,
                sha256=s.sha256,
                size=s.size,
                content_type=s.content_type,
                filename=s.filename,
                uploaded_by_id=actor.user_id,
                created_at=now,
            )
            for s in stored
        ]
        txn.updated_at = now
        txn.save(update_fields=["updated_at"])
        row.outcome = Outcome.ADDED
        row.transaction = txn
        row.reason = ""
        row.save()
        text = parsed.text.strip() or "(—)"
        event = registry.record_event(
            actor,
            txn,
            "commented",
            now,
            unit_id=None,
            note=text,
            rows=made,
            data={
                "channel": "email",
                "from": row.from_address,
                "subject": row.subject,
                "message": str(row.public_id),
                "attachments": [
                    {"attachment": str(a.public_id), "filename": a.filename, "sha256": a.sha256}
                    for a in made
                ],
                "refused_attachments": refused,
            },
        )
        row.event = event
        row.save(update_fields=["event"])
        if answer_allowed(parsed, row.from_address, now):
            language = (
                Contact.objects.filter(transaction_id=txn.pk)
                .values_list("language", flat=True)
                .first()
            )
            if outbox.queue_email(
                event,
                txn,
                Step.RECEIVED,
                row.from_address,
                language if language in Language.values else Language.AR,
                in_reply_to=parsed.message_id,
            ):
                db.on_commit(tasks.enqueue_send, robust=True)
    return row


def _store_attachments(
    items: list[parsing.Attached],
) -> tuple[list[attachment_files.StoredFile], list[dict[str, str]]]:
    """Check and store each attachment under the registry's rules (type told by content, size
    limit, safe names) before the database transaction; a refusal is named, never fatal."""
    stored: list[attachment_files.StoredFile] = []
    refused: list[dict[str, str]] = []
    for item in items:
        try:
            stored.append(
                attachment_files.store(
                    [item.data], filename=item.filename, declared_type=item.content_type
                )
            )
        except WaslError as error:
            refused.append({"filename": item.filename[:150], "code": error.code})
    return stored, refused


def answer_allowed(parsed: parsing.Parsed, address: str, now: datetime) -> bool:
    """No automatic answer to an automatic message (loop protection, RFC 3834), nor past the
    daily number of answers to one address."""
    if parsed.automatic or not address:
        return False
    sent = Notification.objects.filter(
        channel=Channel.EMAIL,
        step=Step.RECEIVED,
        to=address,
        created_at__gte=now - timedelta(days=1),
    ).count()
    return bool(sent < conf.get("WASL_MAIL_ANSWERS_PER_ADDRESS_PER_DAY"))


def mail_actor() -> Actor:
    """The system account that records the visitors' e-mail (made on first use)."""
    user, _ = directory.ensure_person(
        username=SYSTEM_USERNAME, first_name="وصل", last_name="البريد الإلكتروني"
    )
    return Actor(user_id=user.pk, username=SYSTEM_USERNAME)


# ---------------------------------------------------------------------------------------------
# Answering the visitor


def reply_to_visitor(actor: Actor, transaction_id: object, *, text: object) -> Event:
    """Answer the visitor by e-mail (الرد على صاحب المعاملة بالبريد): the text as written, to
    the address they registered, In-Reply-To their latest message that joined the matter (and
    References to ours), so that it stays in one thread. Records `commented` (data: channel
    `email`, direction `out`) with its audit record, and queues the e-mail (step `reply`), in
    one database transaction.

    Who: a clerk or head of the unit that holds the transaction now (the owning unit, or a unit
    with an open referral). From: any state in which a comment may be added. Refused when the
    visitor gave no address, or when it is failing (a bounce)."""
    text = clean_text(
        text,
        field="text",
        max_length=REPLY_MAX,
        multiline=True,
        label_ar="نص الرد",
        label_en="Answer",
    )
    with db.atomic():
        txn = access.get_transaction_for(actor, transaction_id, for_update=True)
        holds = actor.works_in(txn.unit_id) or (
            Referral.objects.filter(
                transaction_id=txn.pk,
                state__in=OPEN_REFERRAL_STATES,
                to_unit_id__in=actor.working_unit_ids,
            ).exists()
        )
        if not holds:
            raise Forbidden(
                "المعاملة ليست لدى إدارتك الآن.",
                "Your unit does not hold this transaction.",
                code="not_holder",
            )
        transaction_step("comment", txn.state)
        contact = Contact.objects.filter(transaction_id=txn.pk).first()
        if contact is None or not contact.email:
            raise InvalidInput(
                "لم يسجل صاحب المعاملة بريداً إلكترونياً.",
                "The visitor gave no e-mail address.",
                code="no_email",
            )
        if contact.email_failing:
            raise InvalidInput(
                "بريد صاحب المعاملة لا يستقبل الرسائل؛ صحّحه أولاً.",
                "The visitor's e-mail address is failing; correct it first.",
                code="email_failing",
            )
        theirs = (
            InboundMessage.objects.filter(transaction_id=txn.pk, outcome=Outcome.ADDED)
            .exclude(message_id="")
            .order_by("-received_at", "-id")
            .values_list("message_id", flat=True)
            .first()
        )
        now = timezone.now()
        txn.updated_at = now
        txn.save(update_fields=["updated_at"])
        event = registry.record_event(
            actor,
            txn,
            "commented",
            now,
            unit_id=txn.unit_id if actor.works_in(txn.unit_id) else None,
            note=text,
            data={"channel": "email", "direction": "out", "to": contact.email},
        )
        language = contact.language if contact.language in Language.values else Language.AR
        outbox.queue_email(
            event, txn, Step.REPLY, contact.email, language, in_reply_to=theirs or "", body=text
        )
        db.on_commit(tasks.enqueue_send, robust=True)
    return event


# ---------------------------------------------------------------------------------------------
# Bounces


def _bounce(row: InboundMessage, bounce: parsing.Bounce) -> InboundMessage:
    """A delivery status notification: the message of ours it names (by its Message-ID, else
    the latest to the failed address) is failed, and a permanent failure marks the visitor's
    address failing — shown on the transaction, and no more e-mail to it until it is saved
    again. Never an event."""
    ours = Notification.objects.filter(channel=Channel.EMAIL)
    notification = None
    if bounce.original_message_id:
        notification = ours.filter(message_id=bounce.original_message_id).first()
    if notification is None and bounce.recipients:
        notification = ours.filter(to__iexact=bounce.recipients[0]).order_by("-id").first()
    if bounce.permanent:
        reason = f"bounce {', '.join(s for s in bounce.statuses if s) or '(no status)'}"
    else:
        reason = "delivery delayed or partial: " + (", ".join(bounce.statuses) or "no failure")
    row.outcome = Outcome.BOUNCE
    row.reason = reason[:300]
    if notification is None:
        row.save()
        return row
    row.bounced = notification
    row.transaction_id = notification.transaction_id
    now = timezone.now()
    with db.atomic():
        row.save()
        if not bounce.permanent:
            return row
        Notification.objects.filter(pk=notification.pk).update(
            status=Status.PERMANENT_FAILURE, status_at=now, error=reason[:300]
        )
        marked = Contact.objects.filter(
            transaction_id=notification.transaction_id, email__iexact=notification.to
        ).update(email_failing=reason[:300], email_failing_at=now)
        if marked:
            txn = Transaction.objects.only("entity_id", "public_id", "reference").get(
                pk=notification.transaction_id
            )
            audit.record(
                "mail.address.failing",
                chain=entity_code_of(txn.entity_id),
                object_type="transaction",
                object_id=str(txn.public_id),
                actor_id=None,
                actor=SYSTEM_USERNAME,
                data={
                    "reference": txn.reference,
                    "address": notification.to,
                    "reason": reason[:300],
                    "message": str(row.public_id),
                },
            )
    return row


def describe(row: InboundMessage) -> dict[str, Any]:
    """A message's row as the management command prints it."""
    return {
        "id": str(row.public_id),
        "outcome": row.outcome,
        "reason": row.reason,
        "transaction": row.transaction.reference if row.transaction_id else None,
    }
