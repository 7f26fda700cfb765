"""Every state change of the registry: one function per step, each atomic.

Each function, in one database transaction: reads the transaction through the access rule
and locks it, checks the actor's rights and the state machine, writes the new state with
`update_fields`, appends the timeline event and the audit record, and publishes the event to
subscribers. Nothing else changes a transaction.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError
from django.db import transaction as db
from django.utils import timezone

from wasl.audit import services as audit
from wasl.core import hijri, identity
from wasl.core.errors import Forbidden, InvalidInput
from wasl.core.text import clean_text
from wasl.directory.actors import Actor
from wasl.directory.models import Entity, Unit, entity_code_of

from . import access, calendar, events, integrity, numbering, rights
from . import attachments as attachment_files
from .models import (
    Attachment,
    Classification,
    Confidentiality,
    Direction,
    Event,
    Kind,
    Link,
    PartyType,
    Referral,
    Transaction,
    Urgency,
)
from .states import (
    OPEN_REFERRAL_STATES,
    ReferralState,
    State,
    referral_step,
    transaction_step,
)

SUBJECT_MAX = 500
BODY_MAX = 20_000
NOTE_MAX = 5_000
# What the visitor is asked for: it goes to them by SMS, so it is short.
DOCUMENT_MAX = 200
MAX_UNITS_PER_REFERRAL = 20
# Default due time in working days when a referral does not say, by urgency.
DEFAULT_DUE_DAYS = {
    Urgency.IMMEDIATE: 1,
    Urgency.VERY_URGENT: 3,
    Urgency.URGENT: 5,
    Urgency.NORMAL: 10,
}


@dataclass(frozen=True)
class Party:
    """The person concerned (المراجع): a citizen or resident, a company, or an entity."""

    type: str = PartyType.NONE
    name: str = ""
    id_number: str = ""
    phone: str = ""
    email: str = ""
    cr: str = ""
    entity_code: str = ""


EMAIL_MAX = 254


def clean_email(value: str, *, field: str = "email") -> str:
    """An e-mail address as kept: trimmed, its domain in lower case; empty for none."""
    value = value.strip() if isinstance(value, str) else ""
    if not value:
        return ""
    try:
        if len(value) > EMAIL_MAX:  # RFC 5321's limit on a path; the validator does not check
            raise ValidationError("too long")
        validate_email(value)
    except ValidationError:
        raise InvalidInput(
            "البريد الإلكتروني غير صحيح.",
            "Invalid e-mail address.",
            code="invalid_email",
            field=field,
        ) from None
    local, _, domain = value.rpartition("@")
    return f"{local}@{domain.lower()}"


# ---------------------------------------------------------------------------------------------
# Registration


def register_transaction(
    actor: Actor,
    *,
    unit: Unit,
    direction: str,
    kind: str,
    subject: str,
    body: str = "",
    classification: str = Classification.GENERAL,
    urgency: str = Urgency.NORMAL,
    confidentiality: str = Confidentiality.NORMAL,
    due_date: date | None = None,
    party: Party | None = None,
    correspondent_code: str = "",
    external_reference: str = "",
    external_date: date | None = None,
) -> Transaction:
    """Register an incoming, outgoing or internal transaction in `unit` (تسجيل معاملة).

    Who: a clerk or head of `unit`. Gives the next gap-free reference number of the unit's
    entity for the current Umm al-Qura year. Records `registered`.
    """
    if not actor.works_in(unit.pk):
        raise Forbidden(
            "لا يمكنك تسجيل معاملات في هذه الإدارة.",
            "You cannot register transactions in this unit.",
            code="not_member_of_unit",
        )
    _choice(direction, Direction, "direction", "الاتجاه")
    _choice(kind, Kind, "kind", "نوع المعاملة")
    _choice(classification, Classification, "classification", "التصنيف")
    _choice(urgency, Urgency, "urgency", "درجة الاستعجال")
    _choice(confidentiality, Confidentiality, "confidentiality", "درجة السرية")
    subject = clean_text(
        subject, field="subject", max_length=SUBJECT_MAX, label_ar="الموضوع", label_en="Subject"
    )
    body = clean_text(
        body,
        field="body",
        max_length=BODY_MAX,
        multiline=True,
        required=False,
        label_ar="نص المعاملة",
        label_en="Body",
    )
    external_reference = clean_text(
        external_reference,
        field="external_reference",
        max_length=60,
        required=False,
        label_ar="رقم الجهة المرسلة",
        label_en="Sender's reference",
    )
    party_fields = _clean_party(party or Party())
    correspondent = (
        _entity_by_code(correspondent_code, "correspondent") if correspondent_code else None
    )
    if correspondent is None and direction in (Direction.INCOMING, Direction.OUTGOING):
        if party_fields["party_type"] == PartyType.NONE:
            raise InvalidInput(
                "حدد الجهة المراسلة أو صاحب المعاملة للمعاملات الواردة والصادرة.",
                "Incoming and outgoing transactions need a correspondent entity or a party.",
                code="correspondent_required",
                field="correspondent",
            )
    now = timezone.now()
    today = timezone.localdate(now)
    if due_date is not None and due_date < today:
        raise InvalidInput(
            "تاريخ الاستحقاق لا يكون في الماضي.",
            "The due date cannot be in the past.",
            code="due_date_in_past",
            field="due_date",
        )
    if external_date is not None and external_date > today:
        raise InvalidInput(
            "تاريخ خطاب الجهة لا يكون في المستقبل.",
            "The sender's letter date cannot be in the future.",
            code="external_date_in_future",
            field="external_date",
        )
    year = hijri.hijri_year(today)
    with db.atomic():
        entity_code = entity_code_of(unit.entity_id)
        sequence = numbering.next_number(unit.entity_id, year)
        txn = Transaction.objects.create(
            entity_id=unit.entity_id,
            unit=unit,
            reference=f"{entity_code}-{year}-{sequence:06d}",
            hijri_year=year,
            sequence=sequence,
            direction=direction,
            kind=kind,
            classification=classification,
            urgency=urgency,
            confidentiality=confidentiality,
            subject=subject,
            body=body,
            state=State.REGISTERED,
            registered_at=now,
            registered_on=today,
            registered_by_id=actor.user_id,
            updated_at=now,
            due_date=due_date,
            correspondent=correspondent,
            external_reference=external_reference,
            external_date=external_date,
            **party_fields,
        )
        record_event(
            actor,
            txn,
            "registered",
            now,
            unit_id=unit.pk,
            data={"reference": txn.reference, "state": [None, State.REGISTERED]},
        )
    return txn


def _clean_party(party: Party) -> dict[str, Any]:
    _choice(party.type, PartyType, "party.type", "نوع صاحب المعاملة")
    fields: dict[str, Any] = {"party_type": party.type}
    name = clean_text(
        party.name,
        field="party.name",
        max_length=200,
        required=party.type in (PartyType.CITIZEN, PartyType.RESIDENT, PartyType.COMPANY),
        label_ar="اسم صاحب المعاملة",
        label_en="Party name",
    )
    fields["party_name"] = name
    if party.type in (PartyType.CITIZEN, PartyType.RESIDENT):
        number = identity.validate_national_id(party.id_number)
        kind = identity.id_kind(number)
        if kind != party.type:
            raise InvalidInput(
                "رقم الهوية الوطنية يبدأ بـ1 وللمقيم رقم إقامة يبدأ بـ2؛ الرقم لا يطابق النوع المختار.",
                f"The number is a {kind}'s ID but the party type is {party.type}.",
                code="id_kind_mismatch",
                field="party.id_number",
            )
        fields["party_id_number"] = number
    elif party.id_number:
        raise InvalidInput(
            "رقم الهوية يخص المواطن أو المقيم فقط.",
            "An ID number belongs only to a citizen or resident.",
            code="unexpected_id_number",
            field="party.id_number",
        )
    if party.phone:
        fields["party_phone"] = identity.normalise_phone(party.phone)
    if party.email:
        fields["party_email"] = clean_email(party.email, field="party.email")
    if party.type == PartyType.COMPANY:
        fields["party_cr"] = identity.validate_cr(party.cr)
    elif party.cr:
        raise InvalidInput(
            "رقم السجل التجاري يخص المنشآت فقط.",
            "A commercial registration belongs only to a company.",
            code="unexpected_cr",
            field="party.cr",
        )
    if party.type == PartyType.ENTITY:
        fields["party_entity"] = _entity_by_code(party.entity_code, "party.entity_code")
    elif party.entity_code:
        raise InvalidInput(
            "رمز الجهة يخص الجهات الحكومية فقط.",
            "An entity code belongs only to a government entity party.",
            code="unexpected_entity_code",
            field="party.entity_code",
        )
    return fields


def _entity_by_code(code: str, field: str) -> Entity:
    entity = Entity.objects.filter(code=str(code)[:20].upper()).first()
    if entity is None or not entity.is_active:
        raise InvalidInput(
            "الجهة غير موجودة في الدليل.",
            "No such entity in the directory.",
            code="unknown_entity",
            field=field,
        )
    return entity


@functools.cache
def _values(choices: Any) -> frozenset[str]:
    return frozenset(choices.values)


def _choice(value: object, choices: Any, field: str, label_ar: str) -> None:
    if not isinstance(value, str) or value not in _values(choices):
        raise InvalidInput(
            f"قيمة غير صحيحة في «{label_ar}».",
            f"'{field}' must be one of: {', '.join(choices.values)}.",
            code="invalid_choice",
            field=field,
        )


# ---------------------------------------------------------------------------------------------
# Routing


def refer(
    actor: Actor,
    transaction_id: object,
    *,
    to_units: list[Unit],
    instruction: str,
    due_in_days: int | None = None,
    to_user_id: int | None = None,
) -> list[Referral]:
    """Refer a transaction to one or more units of its entity (إحالة).

    Who: a clerk or head of the owning unit. From: registered, referred (to add units),
    answered, returned, reopened. Each referral is due `due_in_days` working days from today
    (by default from the urgency). Records `referred`.
    """
    instruction = clean_text(
        instruction,
        field="instruction",
        max_length=NOTE_MAX,
        multiline=True,
        label_ar="التوجيه",
        label_en="Instruction",
    )
    with _one_open_referral_per_unit(to_units) as holder, db.atomic():
        txn = holder.txn = access.get_transaction_for(actor, transaction_id, for_update=True)
        if not rights.works_on(actor, txn):
            raise _not_holder()
        new_state = transaction_step("refer", txn.state)
        units = _check_targets(txn, to_units, exclude=txn.unit_id)
        now = timezone.now()
        due = _due(txn, now, due_in_days)
        referrals = [
            Referral(
                transaction=txn,
                from_unit_id=txn.unit_id,
                to_unit=unit,
                to_user_id=to_user_id,
                instruction=instruction,
                due_date=due,
                state=ReferralState.PENDING,
                created_by_id=actor.user_id,
                created_at=now,
            )
            for unit in units
        ]
        Referral.objects.bulk_create(referrals)
        old = txn.state
        _set_state(txn, new_state, now)
        record_event(
            actor,
            txn,
            "referred",
            now,
            unit_id=txn.unit_id,
            note=instruction,
            referral=referrals[0] if len(referrals) == 1 else None,
            rows=referrals,
            data={
                "state": [old, new_state],
                "to_units": [u.code for u in units],
                "due_date": due.isoformat(),
            },
        )
    return referrals


def acknowledge(actor: Actor, referral_id: object) -> Referral:
    """Acknowledge receipt of a referral (استلام). Who: a clerk or head of the target unit.
    From: pending. Records `acknowledged`."""
    with db.atomic():
        ref, txn = _referral_for_step(actor, referral_id, "acknowledge")
        now = timezone.now()
        old_state = ref.state
        ref.state = referral_step("acknowledge", ref.state)
        ref.acknowledged_at = now
        ref.save(update_fields=["state", "acknowledged_at"])
        _touch(txn, now)
        record_event(
            actor,
            txn,
            "acknowledged",
            now,
            unit_id=ref.to_unit_id,
            referral=ref,
            data={
                "referral": str(ref.public_id),
                "referral_state": [old_state, ref.state],
                "acknowledged_at": now.isoformat(),
            },
        )
    return ref


def answer(actor: Actor, referral_id: object, *, text: str) -> Referral:
    """Answer a referral (إفادة). Who: a clerk or head of the target unit. From: pending or
    acknowledged. When no referral of the transaction stays open, the transaction becomes
    `answered` and returns to its owning unit. Records `answered`."""
    text = clean_text(
        text,
        field="text",
        max_length=BODY_MAX,
        multiline=True,
        label_ar="الإفادة",
        label_en="Answer",
    )
    return _finish_referral(actor, referral_id, "answer", text, State.ANSWERED)


def return_referral(actor: Actor, referral_id: object, *, reason: str) -> Referral:
    """Return a referral without action (إعادة), with a reason. Who and from: as `answer`.
    Records `returned`."""
    reason = clean_text(
        reason,
        field="reason",
        max_length=NOTE_MAX,
        multiline=True,
        label_ar="السبب",
        label_en="Reason",
    )
    return _finish_referral(actor, referral_id, "return", reason, State.RETURNED)


def _finish_referral(
    actor: Actor, referral_id: object, step: str, text: str, done_state: str
) -> Referral:
    with db.atomic():
        ref, txn = _referral_for_step(actor, referral_id, step)
        now = timezone.now()
        old_referral_state = ref.state
        ref.state = referral_step(step, ref.state)
        ref.finished_at = now
        ref.finished_by_id = actor.user_id
        ref.answer = text
        ref.save(update_fields=["state", "finished_at", "finished_by", "answer"])
        old = txn.state
        still_open = _has_open_referrals(txn.pk, except_id=ref.pk)
        new_state = old if still_open else done_state
        _set_state(txn, new_state, now)
        action = "answered" if step == "answer" else "returned"
        record_event(
            actor,
            txn,
            action,
            now,
            unit_id=ref.to_unit_id,
            referral=ref,
            note=text,
            data={
                "state": [old, new_state],
                "referral": str(ref.public_id),
                "referral_state": [old_referral_state, ref.state],
            },
        )
    return ref


def forward(
    actor: Actor,
    referral_id: object,
    *,
    to_unit: Unit,
    instruction: str,
    due_in_days: int | None = None,
) -> Referral:
    """Forward a referral to another unit of the entity (تحويل). Who: a clerk or head of the
    target unit. From: pending or acknowledged. The referral becomes `forwarded` and a new one
    goes to `to_unit`. Records `forwarded`."""
    instruction = clean_text(
        instruction,
        field="instruction",
        max_length=NOTE_MAX,
        multiline=True,
        label_ar="التوجيه",
        label_en="Instruction",
    )
    with _one_open_referral_per_unit([to_unit]) as holder, db.atomic():
        ref, txn = _referral_for_step(actor, referral_id, "forward")
        holder.txn = txn
        (unit,) = _check_targets(txn, [to_unit], exclude=ref.to_unit_id)
        now = timezone.now()
        ref.state = referral_step("forward", ref.state)
        ref.finished_at = now
        ref.finished_by_id = actor.user_id
        ref.save(update_fields=["state", "finished_at", "finished_by"])
        due = _due(txn, now, due_in_days)
        new = Referral.objects.create(
            transaction=txn,
            from_unit_id=ref.to_unit_id,
            to_unit=unit,
            parent=ref,
            instruction=instruction,
            due_date=due,
            state=ReferralState.PENDING,
            created_by_id=actor.user_id,
            created_at=now,
        )
        _touch(txn, now)
        record_event(
            actor,
            txn,
            "forwarded",
            now,
            unit_id=ref.to_unit_id,
            referral=new,
            rows=[ref],
            note=instruction,
            data={"from_referral": str(ref.public_id), "to_unit": unit.code, "due_date": str(due)},
        )
    return new


def _referral_for_step(
    actor: Actor, referral_id: object, step: str
) -> tuple[Referral, Transaction]:
    ref = access.get_referral_for(actor, referral_id, for_update=True)
    if not actor.works_in(ref.to_unit_id):
        raise Forbidden(
            "هذه الإحالة ليست لإدارتك.",
            "This referral is not addressed to your unit.",
            code="not_referral_holder",
        )
    return ref, ref.transaction


def _check_targets(txn: Transaction, to_units: list[Unit], *, exclude: int) -> list[Unit]:
    if not to_units:
        raise InvalidInput(
            "اختر إدارة واحدة على الأقل.",
            "Choose at least one unit.",
            code="no_units",
            field="to_units",
        )
    if len(to_units) > MAX_UNITS_PER_REFERRAL:
        raise InvalidInput(
            f"لا تتجاوز {MAX_UNITS_PER_REFERRAL} إدارة في إحالة واحدة.",
            f"At most {MAX_UNITS_PER_REFERRAL} units per referral.",
            code="too_many_units",
            field="to_units",
        )
    seen: set[int] = set()
    for unit in to_units:
        if unit.entity_id != txn.entity_id or not unit.is_active:
            raise InvalidInput(
                "الإحالة إلى إدارات الجهة نفسها فقط؛ المراسلة بين الجهات عبر وصل.",
                "Referrals go to active units of the same entity only.",
                code="unit_outside_entity",
                field="to_units",
            )
        if unit.pk == exclude or unit.pk in seen:
            raise InvalidInput(
                "لا تُحال المعاملة إلى الإدارة نفسها أو إلى إدارة مكررة.",
                "A transaction is not referred to its own unit or to a unit twice.",
                code="duplicate_unit",
                field="to_units",
            )
        seen.add(unit.pk)
    return to_units


@dataclass
class _Holder:
    txn: Transaction | None = None


@contextlib.contextmanager
def _one_open_referral_per_unit(units: list[Unit]) -> Iterator[_Holder]:
    """Turn the refusal of a second open referral to a unit (the constraint
    `referral_one_open_per_unit`, checked by the database when the referral is written) into
    the `already_referred` error. The step's own transaction is rolled back by then; only
    this failure reads which units were busy."""
    holder = _Holder()
    try:
        yield holder
    except IntegrityError:
        if holder.txn is not None:
            _refuse_open_referrals_to(holder.txn, units)
        raise


def _refuse_open_referrals_to(txn: Transaction, units: list[Unit]) -> None:
    open_to = set(
        Referral.objects.filter(
            transaction_id=txn.pk,
            state__in=OPEN_REFERRAL_STATES,
            to_unit_id__in=[u.pk for u in units],
        ).values_list("to_unit_id", flat=True)
    )
    busy = {unit.code for unit in units if unit.pk in open_to}
    if busy:
        raise InvalidInput(
            "المعاملة محالة من قبل إلى هذه الإدارة ولم تُنجز بعد.",
            f"The transaction already has an open referral to: {', '.join(sorted(busy))}.",
            code="already_referred",
            field="to_units",
        )


def _due(txn: Transaction, now: datetime, due_in_days: int | None) -> date:
    days = DEFAULT_DUE_DAYS[Urgency(txn.urgency)] if due_in_days is None else due_in_days
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= 365:
        raise InvalidInput(
            "مدة الإنجاز من 1 إلى 365 يوم عمل.",
            "The due time is 1 to 365 working days.",
            code="invalid_due_days",
            field="due_in_days",
        )
    return calendar.due_after(timezone.localdate(now), days)


# ---------------------------------------------------------------------------------------------
# Owner's steps


def comment(actor: Actor, transaction_id: object, *, text: str) -> Event:
    """Add a comment to the timeline (تعليق/شرح). Who: anyone who sees the transaction and
    works in, heads or administers a unit (auditors read only). Records `commented`."""
    text = clean_text(
        text,
        field="text",
        max_length=NOTE_MAX,
        multiline=True,
        label_ar="التعليق",
        label_en="Comment",
    )
    with db.atomic():
        txn = access.get_transaction_for(actor, transaction_id, for_update=True)
        if not rights.may_comment(actor, txn):
            raise Forbidden(
                "المدقق يطّلع ولا يعلّق.", "Auditors read but do not comment.", code="read_only_role"
            )
        transaction_step("comment", txn.state)
        now = timezone.now()
        _touch(txn, now)
        unit_id = txn.unit_id if actor.works_in(txn.unit_id) else None
        return record_event(actor, txn, "commented", now, unit_id=unit_id, note=text, data={})


def request_document(actor: Actor, transaction_id: object, *, document: str) -> Event:
    """Ask the visitor whose matter it is for a document (طلب مستند/استيفاء): `document` says
    what is needed, in words the visitor reads (their SMS and e-mail carry it). Who: a clerk
    or head of the owning unit, while the transaction is active and its party is a citizen,
    resident or company. Records `document_requested`."""
    document = clean_text(
        document,
        field="document",
        max_length=DOCUMENT_MAX,
        label_ar="المستند المطلوب",
        label_en="Document needed",
    )
    with db.atomic():
        txn = access.get_transaction_for(actor, transaction_id, for_update=True)
        if not rights.works_on(actor, txn):
            raise _not_holder()
        if not rights.may_request_document(actor, txn):
            raise InvalidInput(
                "لا يُطلب مستند إلا من صاحب معاملة مواطن أو مقيم أو منشأة.",
                "A document is asked only of a citizen, resident or company whose matter it is.",
                code="no_visitor",
            )
        transaction_step("request_document", txn.state)
        now = timezone.now()
        _touch(txn, now)
        return record_event(
            actor, txn, "document_requested", now, unit_id=txn.unit_id, note=document, data={}
        )


def close(actor: Actor, transaction_id: object, *, reason: str) -> Transaction:
    """Close (file) a transaction (حفظ) with a reason. Who: a clerk or head of the owning unit.
    From: registered, answered, returned, reopened (never with open referrals). Records
    `closed`."""
    reason = clean_text(
        reason,
        field="reason",
        max_length=NOTE_MAX,
        multiline=True,
        label_ar="سبب الحفظ",
        label_en="Reason",
    )
    with db.atomic():
        txn = access.get_transaction_for(actor, transaction_id, for_update=True)
        if not rights.works_on(actor, txn):
            raise _not_holder()
        new_state = transaction_step("close", txn.state)
        now = timezone.now()
        old = txn.state
        txn.closed_at = now
        _set_state(txn, new_state, now, extra=["closed_at"])
        record_event(
            actor,
            txn,
            "closed",
            now,
            unit_id=txn.unit_id,
            note=reason,
            data={"state": [old, new_state]},
        )
    return txn


def reopen(actor: Actor, transaction_id: object, *, reason: str) -> Transaction:
    """Reopen a closed transaction (إعادة فتح). Who: the head of the owning unit or an
    administrator of the entity. From: closed. Records `reopened`."""
    reason = clean_text(
        reason,
        field="reason",
        max_length=NOTE_MAX,
        multiline=True,
        label_ar="السبب",
        label_en="Reason",
    )
    with db.atomic():
        txn = access.get_transaction_for(actor, transaction_id, for_update=True)
        if not rights.may_reopen(actor, txn):
            raise Forbidden(
                "إعادة الفتح لمدير الإدارة المالكة أو مسؤول الجهة.",
                "Only the owning unit's head or the entity administrator may reopen.",
                code="head_required",
            )
        new_state = transaction_step("reopen", txn.state)
        now = timezone.now()
        old = txn.state
        txn.closed_at = None
        _set_state(txn, new_state, now, extra=["closed_at"])
        record_event(
            actor,
            txn,
            "reopened",
            now,
            unit_id=txn.unit_id,
            note=reason,
            data={"state": [old, new_state]},
        )
    return txn


def cancel(actor: Actor, transaction_id: object, *, reason: str) -> Transaction:
    """Cancel a transaction (إلغاء) with a reason; its open referrals are cancelled too.

    Who: the head of the owning unit, the entity administrator, or the person who registered
    it while it is still only registered. From: any active state. Records `cancelled`.
    """
    reason = clean_text(
        reason,
        field="reason",
        max_length=NOTE_MAX,
        multiline=True,
        label_ar="سبب الإلغاء",
        label_en="Reason",
    )
    with db.atomic():
        txn = access.get_transaction_for(actor, transaction_id, for_update=True)
        if not rights.may_cancel(actor, txn):
            raise Forbidden(
                "الإلغاء لمدير الإدارة المالكة أو مسؤول الجهة.",
                "Only the owning unit's head or the entity administrator may cancel.",
                code="head_required",
            )
        new_state = transaction_step("cancel", txn.state)
        now = timezone.now()
        open_refs = Referral.objects.filter(transaction_id=txn.pk, state__in=OPEN_REFERRAL_STATES)
        cancelled_refs = open_refs.update(state=ReferralState.CANCELLED, finished_at=now)
        old = txn.state
        _set_state(txn, new_state, now)
        record_event(
            actor,
            txn,
            "cancelled",
            now,
            unit_id=txn.unit_id,
            note=reason,
            data={"state": [old, new_state], "referrals_cancelled": cancelled_refs},
        )
    return txn


def link(actor: Actor, source_id: object, target_id: object, *, kind: str = "related") -> Link:
    """Link two transactions (ربط). Who: a clerk or head of the source's owning unit, who can
    see the target. Records `linked` on the source."""
    _choice(kind, Link.LinkKind, "kind", "نوع الربط")
    with db.atomic():
        source = access.get_transaction_for(actor, source_id, for_update=True)
        target = access.get_transaction_for(actor, target_id)
        if not rights.works_on(actor, source):
            raise _not_holder()
        transaction_step("link", source.state)
        if source.pk == target.pk:
            raise InvalidInput(
                "لا تُربط المعاملة بنفسها.", "A transaction cannot link to itself.", code="link_self"
            )
        if Link.objects.filter(source=source, target=target).exists():
            raise InvalidInput(
                "المعاملتان مرتبطتان من قبل.",
                "These transactions are already linked.",
                code="link_exists",
            )
        now = timezone.now()
        made = Link.objects.create(
            source=source, target=target, kind=kind, created_by_id=actor.user_id, created_at=now
        )
        _touch(source, now)
        record_event(
            actor,
            source,
            "linked",
            now,
            unit_id=source.unit_id,
            rows=[made],
            data={"target": target.reference, "kind": kind},
        )
    return made


# ---------------------------------------------------------------------------------------------
# Shared


def _not_holder() -> Forbidden:
    return Forbidden(
        "المعاملة ليست لدى إدارتك الآن.",
        "Your unit does not hold this transaction.",
        code="not_holder",
    )


def _touch(txn: Transaction, now: datetime) -> None:
    txn.updated_at = now
    txn.save(update_fields=["updated_at"])


def _has_open_referrals(transaction_id: int, except_id: int) -> bool:
    return (
        Referral.objects.filter(transaction_id=transaction_id, state__in=OPEN_REFERRAL_STATES)
        .exclude(pk=except_id)
        .exists()
    )


def _set_state(txn: Transaction, state: str, now: datetime, extra: list[str] | None = None) -> None:
    txn.state = state
    txn.updated_at = now
    txn.save(update_fields=["state", "updated_at", *(extra or [])])


def record_event(
    actor: Actor,
    txn: Transaction,
    action: str,
    now: datetime,
    *,
    unit_id: int | None,
    data: dict[str, Any],
    note: str = "",
    referral: Referral | None = None,
    rows: Iterable[Any] = (),
) -> Event:
    """Append the timeline event and the audit record, and publish the event — inside the
    caller's database transaction, the transaction's row locked by the caller. Every step
    here ends with it; an app that adds to a timeline as the system (an e-mail from the
    visitor, a letter's delivery) calls it too, after its own checks.

    The audit record's data holds the step's values and, under `rows`, the digest of every
    registry row the step wrote (the transaction, the event, and `referral` and `rows`) as it
    now is: `wasl audit verify` checks each row against the last digest recorded for it
    (`registry.integrity`)."""
    event = Event.objects.create(
        transaction=txn,
        referral=referral,
        action=action,
        actor_id=actor.user_id,
        actor_unit_id=unit_id,
        created_at=now,
        note=note,
        data=data,
    )
    written = [txn, event, *([referral] if referral is not None else []), *rows]
    audit_data = {**data, "reference": txn.reference}
    if note:
        audit_data["note"] = note
    audit_data["rows"] = integrity.digests(written)
    audit.record(
        f"registry.transaction.{action}",
        chain=entity_code_of(txn.entity_id),
        object_type="transaction",
        object_id=str(txn.public_id),
        actor_id=actor.user_id,
        actor=actor.username,
        data=audit_data,
        at=now,
    )
    events.publish(event, txn)
    return event


def add_attachment(
    actor: Actor,
    transaction_id: object,
    *,
    chunks: Iterable[bytes],
    filename: object,
    declared_type: str = "",
) -> Attachment:
    """Attach a file (إرفاق). Who: a clerk or head of the owning unit or of a unit holding an
    open referral. From: any active state. Records `attached`.

    The file is checked and stored before the database transaction starts (so that a large
    upload never holds the write lock); a refused file leaves nothing behind, and a stored file
    whose transaction rolls back is deleted when the request ends (`attachments`).
    """
    _check_can_attach(actor, access.get_transaction_for(actor, transaction_id))
    stored = attachment_files.store(chunks, filename=filename, declared_type=declared_type)
    with db.atomic():
        txn = access.get_transaction_for(actor, transaction_id, for_update=True)
        _check_can_attach(actor, txn)
        now = timezone.now()
        made = Attachment.objects.create(
            transaction=txn,
            sha256=stored.sha256,
            size=stored.size,
            content_type=stored.content_type,
            filename=stored.filename,
            uploaded_by_id=actor.user_id,
            created_at=now,
        )
        _touch(txn, now)
        record_event(
            actor,
            txn,
            "attached",
            now,
            unit_id=txn.unit_id if actor.works_in(txn.unit_id) else None,
            rows=[made],
            data={
                "attachment": str(made.public_id),
                "filename": made.filename,
                "sha256": made.sha256,
                "size": made.size,
            },
        )
    return made


def check_may_attach(actor: Actor, transaction_id: object) -> None:
    """Raise unless `actor` may attach files to the transaction now: asked before an upload's
    body is read, so that a person without the right stores nothing (add_attachment asks again
    under the row's lock)."""
    _check_can_attach(actor, access.get_transaction_for(actor, transaction_id))


def _check_can_attach(actor: Actor, txn: Transaction) -> None:
    holds = Referral.objects.filter(
        transaction_id=txn.pk,
        state__in=OPEN_REFERRAL_STATES,
        to_unit_id__in=actor.working_unit_ids,
    ).exists()
    if not rights.may_attach(actor, txn, holds):
        raise _not_holder()
    transaction_step("attach", txn.state)
