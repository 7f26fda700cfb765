"""Every change of Jalsa (جلسة): an office publishes an audience session, a person books a
slot in it and may cancel, the person is reminded, and the office records who came and what
came of it.

Each act is one function and one database transaction that also writes its audit record
(`jalsa.*`). A booking is registered as a transaction of the office by the channel's system
account (`wasl-jalsa`, made a clerk of the office when a session is published), the person as
its party; its confirmation, reminder and cancellation are written to the notifications
outbox in the same transaction (texts: `NoticeText`) and sent by the worker.

No double booking: the session's row is locked while its seats are counted and one is taken,
and the database refuses a second holder of a seat or a second seat for a person whatever the
race (`Booking`'s constraints).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import IntegrityError
from django.db import transaction as db
from django.utils import timezone
from django.utils.translation import get_language

from wasl.audit import services as audit
from wasl.core import hijri
from wasl.core.errors import Conflict, Forbidden, InvalidInput, InvalidTransition, NotFound
from wasl.core.text import clean_text
from wasl.directory import services as directory
from wasl.directory.actors import Actor, actor_for
from wasl.directory.models import Unit, entity_code_of
from wasl.notifications import outbox
from wasl.notifications import services as contacts
from wasl.notifications import tasks as sending
from wasl.notifications.states import Step
from wasl.portal.models import Person
from wasl.registry import services as registry
from wasl.registry.models import Event, Transaction

from . import queries, tasks
from .models import HOLDS_SEAT, AudienceSession, Booking, BookingState, NoticeText

CHANNEL_USERNAME = "wasl-jalsa"
SUBJECT_MAX = 300
OUTCOME_MAX = 2000
CAPACITY_MAX = 200
SLOT_MINUTES = (5, 10, 15, 20, 30, 45, 60)
# A reminder goes this long before the person's slot (or at once, when booked later).
REMIND_BEFORE = timedelta(hours=24)
PLACEHOLDER = re.compile(r"\{(reference|entity|official|date|time)\}")


# ---------------------------------------------------------------------------------------------
# Sessions


@dataclass(frozen=True)
class SessionDraft:
    """What an office says about a session it publishes."""

    official_ar: str
    official_en: str
    place_ar: str
    place_en: str
    topics_ar: str
    topics_en: str
    starts_at: datetime
    slot_minutes: int
    capacity: int


def _text(value: object, field: str, max_length: int, ar: str, en: str) -> str:
    return clean_text(value, field=field, max_length=max_length, label_ar=ar, label_en=en)


def publish_session(actor: Actor, unit: Unit, draft: SessionDraft) -> AudienceSession:
    """نشر جلسة — an office publishes an audience session of its official.

    Who: a clerk or head of the office (`unit`). When: in the future. Capacity 1–200 slots of
    one of `SLOT_MINUTES`. Records `jalsa.session.published`; the channel's account becomes a
    clerk of the office (to register the bookings)."""
    if not actor.works_in(unit.pk):
        raise Forbidden(
            "لا يمكنك نشر جلسات لهذه الإدارة.",
            "You cannot publish sessions for this unit.",
            code="not_member_of_unit",
        )
    values = {
        "official_ar": _text(draft.official_ar, "official_ar", 200, "المسؤول", "Official"),
        "official_en": _text(
            draft.official_en, "official_en", 200, "المسؤول بالإنجليزية", "Official in English"
        ),
        "place_ar": _text(draft.place_ar, "place_ar", 300, "المكان", "Place"),
        "place_en": _text(
            draft.place_en, "place_en", 300, "المكان بالإنجليزية", "Place in English"
        ),
        "topics_ar": _text(draft.topics_ar, "topics_ar", 500, "الموضوعات", "Topics"),
        "topics_en": _text(
            draft.topics_en, "topics_en", 500, "الموضوعات بالإنجليزية", "Topics in English"
        ),
    }
    now = timezone.now()
    if draft.starts_at <= now:
        raise InvalidInput(
            "موعد الجلسة يكون في المستقبل.",
            "The session must start in the future.",
            code="session_in_past",
            field="starts_at",
        )
    if draft.slot_minutes not in SLOT_MINUTES:
        raise InvalidInput(
            "اختر مدة الموعد من القائمة.",
            "Choose the slot length from the list.",
            code="invalid_slot_minutes",
            field="slot_minutes",
        )
    if not 1 <= draft.capacity <= CAPACITY_MAX:
        raise InvalidInput(
            f"عدد المواعيد من 1 إلى {CAPACITY_MAX}.",
            f"The number of slots is 1 to {CAPACITY_MAX}.",
            code="invalid_capacity",
            field="capacity",
        )
    with db.atomic():
        session = AudienceSession.objects.create(
            unit=unit,
            starts_at=draft.starts_at,
            slot_minutes=draft.slot_minutes,
            capacity=draft.capacity,
            published_at=now,
            published_by_id=actor.user_id,
            **values,
        )
        user, _ = directory.ensure_person(
            username=CHANNEL_USERNAME, first_name="جلسة", last_name="حجز المقابلات"
        )
        directory.grant(user, unit, "clerk")
        audit.record(
            "jalsa.session.published",
            chain=entity_code_of(unit.entity_id),
            object_type="jalsa_session",
            object_id=str(session.public_id),
            actor_id=actor.user_id,
            actor=actor.username,
            data={
                "unit": unit.code,
                "official": values["official_ar"],
                "starts_at": draft.starts_at.isoformat(),
                "slot_minutes": draft.slot_minutes,
                "capacity": draft.capacity,
            },
            at=now,
        )
    return session


# ---------------------------------------------------------------------------------------------
# Bookings


def _missing_session() -> NotFound:
    return NotFound("الجلسة غير موجودة.", "No such session.", code="unknown_session")


def _channel_actor(unit_id: int) -> Actor:
    user = get_user_model().objects.filter(username=CHANNEL_USERNAME, is_active=True).first()
    actor = actor_for(user) if user is not None else None
    if actor is None or not actor.works_in(unit_id):
        raise Conflict(
            "لا يستقبل مكتب هذه الجلسة حجوزات الآن؛ حاول لاحقًا.",
            "This session's office takes no bookings now; try later.",
            code="office_unavailable",
        )
    return actor


def clean_subject(value: object) -> str:
    """The subject a person comes about: one line, up to `SUBJECT_MAX` characters."""
    if isinstance(value, str) and len(value) > SUBJECT_MAX:
        # Refused before any other check reads a long text.
        raise InvalidInput(
            f"الموضوع أطول من المسموح (الحد الأقصى {SUBJECT_MAX} حرف).",
            f"The subject is too long (at most {SUBJECT_MAX} characters).",
            code="subject_too_long",
            field="subject",
        )
    return _text(value, "subject", SUBJECT_MAX, "موضوع المقابلة", "Subject")


def _language() -> str:
    return "en" if (get_language() or "ar").startswith("en") else "ar"


def _notify(booking: Booking, event: Event, notice: str, language: str) -> bool:
    """Write the SMS of `notice` about `booking` to the outbox (inside the caller's
    transaction), to the number kept for its transaction. False when there is no number."""
    txn = booking.transaction
    assert txn is not None
    contact = outbox.contact_of(txn)
    if not contact.phone:
        return False
    language = contact.language or language
    text = (
        NoticeText.objects.filter(notice=notice, language=language)
        .values_list("body", flat=True)
        .first()
    )
    if text is None:
        return False
    at = timezone.localtime(booking.slot_at)
    session = booking.session
    values = {
        "reference": txn.reference,
        "entity": txn.entity.name_en if language == "en" else txn.entity.name_ar,
        "official": session.official_en if language == "en" else session.official_ar,
        "date": at.date().isoformat() if language == "en" else hijri.format_hijri(at.date()),
        "time": at.strftime("%H:%M"),
    }
    body = PLACEHOLDER.sub(lambda m: values[m.group(1)], text)
    if outbox.queue(event, txn, notice, contact, language, body):
        db.on_commit(sending.enqueue_send, robust=True)
        return True
    return False


def book(person: Person, session_id: object, subject: object) -> Booking:
    """حجز موعد — the person takes the first free slot of a session, coming about `subject`.

    Refused: a session that does not exist (`unknown_session`), has started
    (`session_started`), is full (`session_full`), or where the person already holds a slot
    (`already_booked`); a subject that is empty, too long or not plain text. In one database
    transaction, the session's row locked: the booking, its registration as a transaction of
    the office (a request for an audience, the person as party), the person's number kept
    for its messages, the confirmation in the outbox, `jalsa.booking.booked` recorded. The
    reminder is queued after the commit (`tasks.remind`)."""
    subject = clean_subject(subject)
    language = _language()
    with db.atomic():
        session = (
            AudienceSession.objects.select_for_update()
            .select_related("unit", "unit__entity")
            .filter(public_id=queries.public_id(session_id))
            .first()
        )
        if session is None:
            raise _missing_session()
        now = timezone.now()
        if session.starts_at <= now:
            raise InvalidTransition(
                "بدأت هذه الجلسة أو انتهت؛ لا يمكن الحجز فيها.",
                "This session has started or ended; it cannot be booked.",
                code="session_started",
            )
        held = list(
            Booking.objects.filter(HOLDS_SEAT, session=session).values_list("seat", "person_id")
        )
        if any(pid == person.pk for _, pid in held):
            raise Conflict(
                "لديك موعد في هذه الجلسة بالفعل.",
                "You already have a slot in this session.",
                code="already_booked",
            )
        taken = {seat for seat, _ in held}
        free = [s for s in range(1, session.capacity + 1) if s not in taken]
        if not free:
            raise _full()
        actor = _channel_actor(session.unit_id)
        try:
            with db.atomic():  # a savepoint: the constraint's refusal leaves the rest usable
                booking = Booking.objects.create(
                    session=session,
                    person=person,
                    seat=free[0],
                    subject=subject,
                    created_at=now,
                    updated_at=now,
                )
        except IntegrityError:
            raise _full() from None
        booking.session = session
        txn = registry.register_transaction(
            actor,
            unit=session.unit,
            direction="incoming",
            kind="request",
            subject=f"طلب مقابلة {session.official_ar}: {subject}"[: registry.SUBJECT_MAX],
            body=(
                f"حجز عبر جلسة في {hijri.format_dual(timezone.localdate(booking.slot_at))} "
                f"الساعة {timezone.localtime(booking.slot_at):%H:%M} — {session.place_ar}"
            ),
            due_date=timezone.localdate(session.starts_at),
            party=registry.Party(
                type=person.kind,
                name=person.name or f"صاحب الهوية …{person.id_number[-4:]}",
                id_number=person.id_number,
            ),
            external_reference=f"JALSA-{booking.public_id.hex[:12].upper()}",
        )
        booking.transaction = txn
        booking.save(update_fields=["transaction"])
        if person.phone:
            contacts.set_contact(
                actor, txn.public_id, phone=person.phone, language=language, sms=True, optional=True
            )
            registered = Event.objects.get(transaction=txn, action="registered")
            _notify(booking, registered, Step.JALSA_BOOKED, language)
        audit.record(
            "jalsa.booking.booked",
            chain=entity_code_of(session.unit.entity_id),
            object_type="jalsa_booking",
            object_id=str(booking.public_id),
            actor=CHANNEL_USERNAME,
            data={
                "session": str(session.public_id),
                "seat": booking.seat,
                "reference": txn.reference,
                "state": [None, BookingState.BOOKED],
            },
            at=now,
        )
        db.on_commit(lambda: tasks.schedule_reminder(booking), robust=True)
    return booking


def _full() -> Conflict:
    return Conflict(
        "اكتمل عدد المواعيد في هذه الجلسة. اختر جلسة أخرى.",
        "This session is full. Choose another session.",
        code="session_full",
    )


def own_booking(person: Person, booking_id: object, *, for_update: bool = False) -> Booking:
    """One of the person's bookings; anyone else's is "not found", as a missing one is."""
    qs = Booking.objects.select_related("session", "transaction", "transaction__entity")
    if for_update:
        qs = qs.select_for_update(of=("self",))
    found = qs.filter(person=person, public_id=queries.public_id(booking_id)).first()
    if found is None:
        raise NotFound("الحجز غير موجود.", "No such booking.", code="unknown_booking")
    return found


def cancel_booking(person: Person, booking_id: object) -> Booking:
    """إلغاء الحجز — the person gives their slot back before the session starts.

    Who: the person who booked (anyone else's booking is "not found"). From: booked, before
    the session starts. In one database transaction: the booking cancelled (the slot free
    again), its transaction cancelled, the notice in the outbox, `jalsa.booking.cancelled`
    recorded."""
    with db.atomic():
        booking = own_booking(person, booking_id, for_update=True)
        if booking.state != BookingState.BOOKED:
            raise InvalidTransition(
                "هذا الحجز ملغى أو انتهى موعده.",
                "This booking is already cancelled or past.",
                code="booking_not_active",
            )
        now = timezone.now()
        if booking.session.starts_at <= now:
            raise InvalidTransition(
                "بدأت الجلسة؛ لا يمكن إلغاء الحجز الآن.",
                "The session has started; the booking can no longer be cancelled.",
                code="session_started",
            )
        txn = booking.transaction
        assert txn is not None
        actor = _channel_actor(booking.session.unit_id)
        try:
            registry.cancel(actor, txn.public_id, reason="ألغى صاحب الحجز موعده عبر بوابة تواصل")
        except (Forbidden, InvalidTransition):
            # The office has already acted on the request: only the office can cancel now.
            raise InvalidTransition(
                "بدأ المكتب العمل على طلبك؛ تواصل معه لإلغاء الموعد.",
                "The office has started on your request; contact it to cancel the slot.",
                code="booking_in_hand",
            ) from None
        booking.state = BookingState.CANCELLED
        booking.updated_at = now
        booking.save(update_fields=["state", "updated_at"])
        cancelled = Event.objects.filter(transaction=txn, action="cancelled").latest("id")
        _notify(booking, cancelled, Step.JALSA_CANCELLED, _language())
        audit.record(
            "jalsa.booking.cancelled",
            chain=entity_code_of(txn.entity_id),
            object_type="jalsa_booking",
            object_id=str(booking.public_id),
            actor=CHANNEL_USERNAME,
            data={
                "reference": txn.reference,
                "state": [BookingState.BOOKED, BookingState.CANCELLED],
            },
            at=now,
        )
    return booking


def remind_due(now: datetime | None = None) -> int:
    """The reminders whose time has come and that were not sent — their task lost (a worker's
    queue emptied, a backend that cannot defer): every booked slot within `REMIND_BEFORE`
    not yet reminded is reminded now (`send_reminder`, each in its own database transaction,
    safe to run beside the tasks). Returns how many were sent."""
    now = now or timezone.now()
    # A slot is its session's start plus the seats before it: the sessions that may hold a
    # slot in the window (none lasts a day), then each booking's own slot.
    candidates = Booking.objects.filter(
        state=BookingState.BOOKED,
        reminded_at__isnull=True,
        session__starts_at__lte=now + REMIND_BEFORE,
        session__starts_at__gt=now - timedelta(days=1),
    ).select_related("session")
    due = [b.public_id for b in candidates if now < b.slot_at <= now + REMIND_BEFORE]
    return sum(send_reminder(public_id) for public_id in due)


def send_reminder(booking_id: object) -> bool:
    """تذكير — remind the person of their slot, once. Nothing for a booking that is no longer
    booked, already reminded, or whose slot has passed (safe to run twice). In one database
    transaction: a note on the booking's transaction, the reminder in the outbox,
    `reminded_at`, `jalsa.booking.reminded` recorded. True when a reminder was written."""
    with db.atomic():
        booking = (
            Booking.objects.select_for_update(of=("self",))
            .select_related("session", "transaction", "transaction__entity")
            .filter(public_id=queries.public_id(booking_id))
            .first()
        )
        now = timezone.now()
        if (
            booking is None
            or booking.state != BookingState.BOOKED
            or booking.reminded_at is not None
            or booking.slot_at <= now
            or booking.transaction is None
        ):
            return False
        actor = _channel_actor(booking.session.unit_id)
        event = registry.comment(
            actor, booking.transaction.public_id, text="أُرسل إلى صاحب الحجز تذكير بموعد المقابلة."
        )
        sent = _notify(booking, event, Step.JALSA_REMINDER, "ar")
        booking.reminded_at = now
        booking.save(update_fields=["reminded_at"])
        audit.record(
            "jalsa.booking.reminded",
            chain=entity_code_of(booking.transaction.entity_id),
            object_type="jalsa_booking",
            object_id=str(booking.public_id),
            actor=CHANNEL_USERNAME,
            data={"reference": booking.transaction.reference, "sms": sent},
            at=now,
        )
    return True


# ---------------------------------------------------------------------------------------------
# The office's day


def office_booking(actor: Actor, booking_id: object, *, for_update: bool = False) -> Booking:
    """A booking of a session of the actor's office, seen through the access rule (its
    transaction is one the actor may see); any other is "not found"."""
    qs = queries.bookings_for(actor)
    if for_update:
        qs = qs.select_for_update(of=("self",))
    found = qs.filter(public_id=queries.public_id(booking_id)).first()
    if found is None:
        raise NotFound("الحجز غير موجود.", "No such booking.", code="unknown_booking")
    return found


def record_attendance(
    actor: Actor, booking_id: object, *, attended: bool, outcome: object, needs_action: bool
) -> Booking:
    """تسجيل الحضور والنتيجة — the office records whether the person came and what came of
    the audience.

    Who: a clerk or head of the session's office. From: booked, once the session's day has
    come. An outcome is required when the person came. In one database transaction: the
    booking attended or absent, its transaction closed with the outcome, and, for an outcome
    that needs action, a new transaction registered in the office (the person as party,
    linked to the request); `jalsa.booking.attended` or `jalsa.booking.absent` recorded."""
    text = clean_text(
        outcome,
        field="outcome",
        max_length=OUTCOME_MAX,
        multiline=True,
        required=attended,
        label_ar="نتيجة المقابلة",
        label_en="Outcome",
    )
    if needs_action and not attended:
        raise InvalidInput(
            "لا إجراء لمقابلة لم يحضرها صاحبها.",
            "An audience the person did not attend needs no action.",
            code="action_without_attendance",
            field="needs_action",
        )
    with db.atomic():
        booking = office_booking(actor, booking_id, for_update=True)
        session = booking.session
        if not actor.works_in(session.unit_id):
            raise Forbidden(
                "تسجيل الحضور لموظفي مكتب الجلسة.",
                "Only the session's office records attendance.",
                code="not_member_of_unit",
            )
        if booking.state != BookingState.BOOKED:
            raise InvalidTransition(
                "سُجل حضور هذا الحجز أو أُلغي.",
                "This booking is already recorded or cancelled.",
                code="booking_not_active",
            )
        now = timezone.now()
        if timezone.localdate(session.starts_at) > timezone.localdate(now):
            raise InvalidTransition(
                "لم يحن يوم الجلسة بعد.",
                "The session's day has not come yet.",
                code="session_not_yet",
            )
        txn = booking.transaction
        assert txn is not None
        follow_up: Transaction | None = None
        if needs_action:
            person = booking.person
            follow_up = registry.register_transaction(
                actor,
                unit=session.unit,
                direction="incoming",
                kind="request",
                subject=f"متابعة مقابلة {session.official_ar}: {booking.subject}"[
                    : registry.SUBJECT_MAX
                ],
                body=text,
                party=registry.Party(
                    type=txn.party_type,
                    name=txn.party_name,
                    id_number=person.id_number,
                    phone=person.phone,
                ),
                external_reference=f"JALSA-{booking.public_id.hex[:12].upper()}-F",
            )
            registry.link(actor, follow_up.public_id, txn.public_id)
        registry.close(
            actor,
            txn.public_id,
            reason=text if attended else "لم يحضر صاحب الحجز موعده.",
        )
        new_state = BookingState.ATTENDED if attended else BookingState.ABSENT
        booking.state = new_state
        booking.outcome = text
        booking.follow_up = follow_up
        booking.updated_at = now
        booking.save(update_fields=["state", "outcome", "follow_up", "updated_at"])
        audit.record(
            f"jalsa.booking.{new_state}",
            chain=entity_code_of(txn.entity_id),
            object_type="jalsa_booking",
            object_id=str(booking.public_id),
            actor_id=actor.user_id,
            actor=actor.username,
            data={
                "reference": txn.reference,
                "state": [BookingState.BOOKED, new_state],
                "follow_up": follow_up.reference if follow_up else None,
            },
            at=now,
        )
    return booking
