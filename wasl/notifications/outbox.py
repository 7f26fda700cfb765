"""The outbox: what a visitor is told, written in the same database transaction as the step.

`on_event` is subscribed to the registry's events (`apps.py`, in the step's transaction): for
the steps a visitor hears about (registered with its reference, referred onward, answer ready,
closed) it renders the step's template in the visitor's language and writes one queued
`Notification` per channel; after the commit the sender task takes it (`tasks`).

Which steps, for whom:
- a visitor is the transaction's party — a citizen, resident or company — with a mobile number
  or an e-mail address (kept in their `Contact`; an address a bounce marked failing gets none);
- `registered` always goes (mandatory: the reference number is how the visitor follows the
  matter), the others only when the visitor takes optional messages;
- `referred` only on the first referral away from the owning unit (not when units are added),
  and never for a confidential matter; the message names no unit;
- `answered` only when the last open referral is answered (the transaction is `answered`);
- `document_needed` when the owning unit asks the visitor for a document (mandatory: the
  matter waits for it), with the unit's words of what is needed (`{document}`);
- `letter_received` when a letter the entity sent about the matter through Wasl was received
  by another entity, named (`{receiver}`); never for a confidential matter.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from email.utils import make_msgid
from typing import Any

from django.db import transaction as db
from django.db.models import Exists, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from wasl.directory.models import Entity
from wasl.registry import followers
from wasl.registry.events import Published
from wasl.registry.models import Confidentiality, Event, Transaction
from wasl.registry.vocabulary import VISITORS

from . import conf, defaults, sms, tasks
from .models import Contact, Notification, Template
from .states import MANDATORY, Channel, Language, Status, Step

# The placeholders a template may hold, and nothing else (see `render`): those of every step,
# and those of one step only (what the unit asks for, in its own words).
PLACEHOLDERS = ("{reference}", "{entity}")
STEP_PLACEHOLDERS = {Step.DOCUMENT_NEEDED: ("{document}",), Step.LETTER_RECEIVED: ("{receiver}",)}
PLACEHOLDER = re.compile(r"\{(reference|entity|document|receiver)\}")


def placeholders(step: str) -> tuple[str, ...]:
    """The placeholders the text of `step` may hold."""
    return PLACEHOLDERS + STEP_PLACEHOLDERS.get(step, ())


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
    if event.action == "document_requested":
        return Step.DOCUMENT_NEEDED
    if event.action == "letter_delivered" and txn.confidentiality == Confidentiality.NORMAL:
        return Step.LETTER_RECEIVED
    return None


def on_event(published: Published) -> None:
    """In the step's transaction: queue what the visitor should hear about this event. One
    read (the step's texts in both languages, the entity's names and the visitor's kept
    choices), then one write. Both in the step's transaction and sharing its fate: a step
    whose message cannot be written is not taken (nothing half-done, no message lost)."""
    event, txn = published.event, published.transaction
    if tell_followers(event, txn):
        db.on_commit(tasks.enqueue_send, robust=True)
    if txn.party_type not in VISITORS:
        return
    step = step_of(event, txn)
    if step is None:
        return
    registering = step == Step.REGISTERED
    if registering and not txn.party_phone and not txn.party_email:
        return  # nobody has had the chance to give another number (or an address) yet
    found = read_step(txn, step, Channel.SMS, with_contact=not registering)
    contact = _contact_from(found, txn)
    mandatory = step in MANDATORY
    language = contact.language if contact.language in Language.values else Language.AR
    queued = False
    wanted = mandatory or (contact.sms and contact.optional and found["enabled"])
    if contact.phone and wanted:
        body = render(
            found[f"body_{language}"],
            txn.reference,
            found[f"name_{language}"],
            step_values(event, step, language),
        )
        queued = queue(event, txn, step, contact, language, body)
    # E-mail goes to an address that takes mail (no bounce since it was saved).
    if contact.email and not contact.email_failing and (mandatory or contact.optional):
        queued = queue_email(event, txn, step, contact.email, language) or queued
    if queued:
        db.on_commit(tasks.enqueue_send, robust=True)


def tell_followers(event: Event, txn: Transaction) -> bool:
    """Queue the notice of each outcome the apps' followers are told of at `event`
    (`registry.followers`: e.g. everyone who reported a 940 report, when it is closed), by SMS
    and e-mail, each in their language, through the same outbox as the party's messages. Two
    reads of the texts, then one write per message; an entity's texts switched off send
    nothing. True when something was queued."""
    queued = False
    for outcome in followers.outcomes(event, txn):
        if outcome.step not in defaults.SMS:
            continue
        texts = {
            channel: read_step(txn, outcome.step, channel, with_contact=False)
            for channel in (Channel.SMS, Channel.EMAIL)
        }
        for follower in outcome.followers:
            language = follower.language if follower.language in Language.values else Language.AR
            if follower.phone and texts[Channel.SMS]["enabled"]:
                found = texts[Channel.SMS]
                body = render(found[f"body_{language}"], txn.reference, found[f"name_{language}"])
                contact = Contact(transaction_id=txn.pk, phone=follower.phone, language=language)
                queued = queue(event, txn, outcome.step, contact, language, body) or queued
            if follower.email and texts[Channel.EMAIL]["enabled"]:
                found = texts[Channel.EMAIL]
                body = render(found[f"body_{language}"], txn.reference, found[f"name_{language}"])
                queued = (
                    queue_email(
                        event,
                        txn,
                        outcome.step,
                        follower.email,
                        language,
                        body=body,
                        subject=found[f"subject_{language}"],
                    )
                    or queued
                )
    return queued


def contact_of(txn: Transaction) -> Contact:
    """The visitor's choices for `txn`: those kept (`services.set_contact`), else the party's
    number and address as registered, in Arabic, with every message. Not saved: a row is kept only once
    someone changes the choices."""
    kept = Contact.objects.filter(transaction_id=txn.pk).first()
    return kept or Contact(transaction_id=txn.pk, phone=txn.party_phone, email=txn.party_email)


def _contact_from(found: dict[str, Any], txn: Transaction) -> Contact:
    if found.get("contact_language") is None:  # none kept (or not read: just registered)
        return Contact(transaction_id=txn.pk, phone=txn.party_phone, email=txn.party_email)
    return Contact(
        transaction_id=txn.pk,
        phone=found["contact_phone"],
        language=found["contact_language"],
        sms=found["contact_sms"],
        optional=found["contact_optional"],
        email=found["contact_email"],
        email_failing=found["contact_email_failing"],
    )


def queue(
    event: Event, txn: Transaction, step: str, contact: Contact, language: str, body: str
) -> bool:
    """Write the SMS of `step` on `txn` to `contact` (inside the caller's transaction).
    False when nothing is left to send (over the parts cap, or already written)."""
    counted = sms.count(body, language)
    now = timezone.now()
    too_long = counted.parts > conf.get("WASL_SMS_MAX_PARTS")
    notification = Notification(
        transaction=txn,
        event=event,
        step=step,
        channel=Channel.SMS,
        language=language,
        to=contact.phone,
        body=body,
        encoding=counted.encoding,
        parts=counted.parts,
        mandatory=step in MANDATORY,
        status=Status.TECHNICAL_FAILURE if too_long else Status.QUEUED,
        error=f"too_many_parts: {counted.parts}" if too_long else "",
        next_attempt_at=None if too_long else now,
        created_at=now,
        status_at=now,
    )
    # One statement; a second handler run for the same event writes nothing.
    made = Notification.objects.bulk_create([notification], ignore_conflicts=True)
    return bool(made) and not too_long


def queue_email(
    event: Event,
    txn: Transaction,
    step: str,
    to: str,
    language: str,
    *,
    in_reply_to: str = "",
    body: str | None = None,
    subject: str | None = None,
) -> bool:
    """Write the e-mail of `step` on `txn` to `to` (inside the caller's transaction), in the
    entity's e-mail template (else the default in code) or the `body` a person wrote, its
    subject led by the reference (then the entity's own subject, else the default) and its Message-ID made now (a retry sends the same one).
    `in_reply_to`: the visitor's message this one answers; `subject`: the entity's subject
    for a `body` read by the caller. False when it was already written."""
    index = Language.values.index(language)
    subject = subject or defaults.SUBJECT[step][index]
    if body is None:
        found = read_step(txn, step, Channel.EMAIL, with_contact=False)
        if not found["enabled"] and step not in MANDATORY:
            return False  # the entity switched this message off
        subject = found[f"subject_{language}"]
        body = render(
            found[f"body_{language}"],
            txn.reference,
            found[f"name_{language}"],
            step_values(event, step, language),
        )
    now = timezone.now()
    notification = Notification(
        transaction=txn,
        event=event,
        step=step,
        channel=Channel.EMAIL,
        language=language,
        to=to,
        subject=f"{txn.reference} — {subject}",
        body=body,
        message_id=make_msgid(domain=conf.get("WASL_EMAIL_DOMAIN")),
        in_reply_to=in_reply_to[:250],
        mandatory=step in MANDATORY,
        status=Status.QUEUED,
        next_attempt_at=now,
        created_at=now,
        status_at=now,
    )
    return bool(Notification.objects.bulk_create([notification], ignore_conflicts=True))


def read_step(txn: Transaction, step: str, channel: str, *, with_contact: bool) -> dict[str, Any]:
    """In one query, from the transaction's entity: its names (`name_ar`, `name_en`), the
    text of `step` in each language (`body_ar`, `body_en`: the entity's own template, else
    a row for every entity, else the default in code, `defaults.TEXTS`), whether the entity
    sends this message (`enabled`: none of its rows switched off) and, `with_contact`, the
    visitor's kept choices (`contact_*`, None when none are kept)."""
    texts = Template.objects.filter(step=step, channel=channel)
    extra: dict[str, Any] = {
        "switched_off": Exists(texts.filter(entity_id=OuterRef("pk"), enabled=False))
    }
    for language in Language.values:
        own = texts.filter(entity_id=OuterRef("pk"), language=language)
        default = texts.filter(entity__isnull=True, language=language)
        extra[f"body_{language}"] = Coalesce(
            Subquery(own.values("body")[:1]), Subquery(default.values("body")[:1])
        )
        if channel == Channel.EMAIL:
            extra[f"subject_{language}"] = Coalesce(
                Subquery(own.exclude(subject="").values("subject")[:1]),
                Subquery(default.exclude(subject="").values("subject")[:1]),
            )
    if with_contact:
        kept = Contact.objects.filter(transaction_id=txn.pk)
        for name in ("phone", "language", "sms", "optional", "email", "email_failing"):
            extra[f"contact_{name}"] = Subquery(kept.values(name))
    found: dict[str, Any] = (
        Entity.objects.filter(pk=txn.entity_id).values("name_ar", "name_en").annotate(**extra).get()
    )
    found["enabled"] = not found.pop("switched_off")
    fallback = defaults.TEXTS[channel]
    for index, language in enumerate(Language.values):
        found[f"body_{language}"] = found[f"body_{language}"] or fallback[step][index]
        if channel == Channel.EMAIL:
            found[f"subject_{language}"] = (
                found[f"subject_{language}"] or defaults.SUBJECT[step][index]
            )
    return found


def step_values(event: Event, step: str, language: str) -> dict[str, str]:
    """The values of a step's own placeholders (`STEP_PLACEHOLDERS`): what the unit asked the
    visitor for (`{document}`, its own words); the entity that received a letter about the
    matter (`{receiver}`, its name in `language`)."""
    if step == Step.DOCUMENT_NEEDED:
        return {"document": event.note}
    if step == Step.LETTER_RECEIVED:
        data = event.data if isinstance(event.data, dict) else {}
        return {"receiver": str(data.get(f"to_{language}") or data.get("to_ar") or "")}
    return {}


def render(body: str, reference: str, entity: str, own: Mapping[str, str] | None = None) -> str:
    """The template with its placeholders filled: {reference}, {entity} and the step's own
    (`step_values`) only, so that a template never shows what the visitor should not read
    (the subject, a unit); a placeholder without a value is left empty."""
    values = {"reference": reference, "entity": entity, "document": "", "receiver": ""}
    values.update(own or {})
    return PLACEHOLDER.sub(lambda m: values[m.group(1)], body)
