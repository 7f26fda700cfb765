"""The outbox: what a visitor is told, written in the same database transaction as the step.

`on_event` is subscribed to the registry's events (`apps.py`, in the step's transaction): for
the steps a visitor hears about (registered with its reference, referred onward, answer ready,
closed) it renders the step's template in the visitor's language and writes one queued
`Notification` per channel; after the commit the sender task takes it (`tasks`).

Which steps, for whom:
- a visitor is the transaction's party — a citizen, resident or company — with a mobile number;
- `registered` always goes (mandatory: the reference number is how the visitor follows the
  matter), the others only when the visitor takes optional messages;
- `referred` only on the first referral away from the owning unit (not when units are added),
  and never for a confidential matter; the message names no unit;
- `answered` only when the last open referral is answered (the transaction is `answered`).
"""

from __future__ import annotations

import logging
import re
from typing import Any

from django.db import IntegrityError
from django.db import transaction as db
from django.db.models import Q
from django.utils import timezone

from wasl.registry.events import Published
from wasl.registry.models import Confidentiality, Event, PartyType, Transaction

from . import conf, sms, tasks
from .models import Contact, Notification, Template
from .states import MANDATORY, Channel, Language, Status, Step

logger = logging.getLogger("wasl.notifications")

VISITORS = frozenset({PartyType.CITIZEN, PartyType.RESIDENT, PartyType.COMPANY})
PLACEHOLDER = re.compile(r"\{(reference|entity)\}")


def step_of(event: Event, txn: Transaction) -> str | None:
    """The step a visitor hears about that `event` is, if any (see the module's rules)."""
    states = event.data.get("state") if isinstance(event.data, dict) else None
    new_state = states[1] if isinstance(states, list) and len(states) == 2 else None
    if event.action == "registered":
        return Step.REGISTERED
    if event.action == "referred":
        if txn.confidentiality != Confidentiality.NORMAL or states is None:
            return None
        return Step.REFERRED if states[0] != new_state else None
    if event.action == "answered" and new_state == "answered":
        return Step.ANSWERED
    if event.action == "closed":
        return Step.CLOSED
    return None


def on_event(published: Published) -> None:
    """In the step's transaction: queue what the visitor should hear about this event. A
    failure here is logged and never undoes the step (a savepoint of its own)."""
    event, txn = published.event, published.transaction
    if txn.party_type not in VISITORS:
        return
    step = step_of(event, txn)
    if step is None:
        return
    try:
        with db.atomic():
            made = queue(event, txn, step)
    except Exception:
        logger.exception("notifications: could not queue %s of %s", step, txn.reference)
        return
    if made:
        db.on_commit(tasks.enqueue_send, robust=True)


def contact_for(txn: Transaction) -> Contact:
    """The visitor's choices for `txn`, made from the party as registered the first time."""
    contact, _ = Contact.objects.get_or_create(
        transaction_id=txn.pk, defaults={"phone": txn.party_phone}
    )
    return contact


def queue(event: Event, txn: Transaction, step: str) -> list[Notification]:
    """Write the notifications of `step` on `txn` (inside the caller's transaction)."""
    contact = contact_for(txn)
    mandatory = step in MANDATORY
    if not mandatory and not contact.optional:
        return []
    # E-mail is not sent yet: a mandatory message goes by SMS whatever the channel chosen.
    if not contact.phone or (not contact.sms and not mandatory):
        return []
    template = template_for(txn.entity_id, step, Channel.SMS, contact.language)
    if template is None:
        logger.warning("notifications: no SMS template for %s", step)
        return []
    body = render(template.body, txn, template.language)
    counted = sms.count(body, template.language)
    now = timezone.now()
    too_long = counted.parts > conf.get("WASL_SMS_MAX_PARTS")
    notification = Notification(
        transaction=txn,
        event=event,
        step=step,
        channel=Channel.SMS,
        language=template.language,
        to=contact.phone,
        body=body,
        encoding=counted.encoding,
        parts=counted.parts,
        mandatory=mandatory,
        status=Status.TECHNICAL_FAILURE if too_long else Status.QUEUED,
        error=f"too_many_parts: {counted.parts}" if too_long else "",
        next_attempt_at=None if too_long else now,
        created_at=now,
        status_at=now,
    )
    try:
        with db.atomic():
            notification.save()
    except IntegrityError:  # this event's message to this number is already written
        return []
    return [] if too_long else [notification]


def template_for(entity_id: int, step: str, channel: str, language: str) -> Template | None:
    """The entity's own active template, else the default; in `language`, else Arabic."""
    rows = list(
        Template.objects.filter(
            Q(entity__isnull=True) | Q(entity_id=entity_id),
            step=step,
            channel=channel,
            is_active=True,
            language__in={language, Language.AR},
        )
    )

    def rank(row: Template) -> tuple[int, int]:
        return (row.language != language, row.entity_id is None)

    return min(rows, key=rank) if rows else None


def render(body: str, txn: Transaction, language: str) -> str:
    """The template with its placeholders filled: {reference} and {entity} only, so that a
    template never shows what the visitor should not read (the subject, a unit)."""
    entity = txn.entity
    values: dict[str, Any] = {
        "reference": txn.reference,
        "entity": entity.name_en if language == Language.EN else entity.name_ar,
    }
    return PLACEHOLDER.sub(lambda m: str(values[m.group(1)]), body)
