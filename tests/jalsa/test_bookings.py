"""Booking, cancelling and reminding, through the services: what is kept, what is refused
(clearly, in Arabic and English, with nothing half-saved) and what the person hears."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any

import pytest
from django.test import override_settings
from django.utils import timezone, translation

from tests.conftest import Cast
from wasl.audit.models import AuditRecord
from wasl.core.errors import WaslError
from wasl.notifications.models import Notification
from wasl.portal.jalsa import services, tasks
from wasl.portal.jalsa.models import AudienceSession, Booking
from wasl.registry.models import Transaction
from wasl.worker import schedule

from .conftest import make_person, make_session

pytestmark = pytest.mark.django_db


def refused(fn, *args, **kwargs) -> WaslError:  # type: ignore[no-untyped-def]
    with pytest.raises(WaslError) as caught:
        fn(*args, **kwargs)
    error = caught.value
    assert error.message_ar and error.message_en and error.message_ar != error.message_en
    return error


def counts() -> tuple[int, int, int, int]:
    return (
        Booking.objects.count(),
        Transaction.objects.count(),
        Notification.objects.count(),
        AuditRecord.objects.count(),
    )


def test_a_booking_is_a_request_of_the_office_and_the_person_is_told(
    cast: Cast, office: AudienceSession
) -> None:
    person = make_person(0)
    with translation.override("ar"):  # the language of the page the person booked on
        booking = services.book(person, office.public_id, "  طلب النظر في تعويض أرض  ")
    assert (booking.seat, booking.state, booking.subject) == (1, "booked", "طلب النظر في تعويض أرض")
    txn = booking.transaction
    assert txn is not None and txn.unit_id == cast.registry.pk
    assert (txn.party_id_number, txn.kind, txn.state) == (person.id_number, "request", "registered")
    assert "طلب النظر في تعويض أرض" in txn.subject
    (sms,) = Notification.objects.filter(transaction=txn)
    assert (sms.step, sms.to, sms.status) == ("jalsa_booked", person.phone, "queued")
    # one vocabulary of steps: the transaction's page names the notice, in both languages
    assert sms.get_step_display() == "تأكيد الحجز"
    with translation.override("en"):
        assert sms.get_step_display() == "Booking confirmed"
    assert txn.reference in sms.body and office.official_ar in sms.body
    assert sms.language == "ar" and "يوم 14" in sms.body  # the Hijri date (year 14xx)
    with translation.override("en"):
        other = services.book(make_person(1), office.public_id, "A boundary dispute")
    (sms,) = Notification.objects.filter(transaction=other.transaction)
    assert sms.language == "en" and office.official_en in sms.body
    assert AuditRecord.objects.filter(
        action="jalsa.booking.booked", object_id=str(booking.public_id)
    ).exists()


def test_the_next_person_gets_the_next_slot(office: AudienceSession) -> None:
    first = services.book(make_person(0), office.public_id, "موضوع أول")
    second = services.book(make_person(1), office.public_id, "موضوع ثان")
    assert (first.seat, second.seat) == (1, 2)
    assert second.slot_at - first.slot_at == timedelta(minutes=office.slot_minutes)


def test_a_full_session_is_refused_and_nothing_is_saved(cast: Cast) -> None:
    full = make_session(cast, capacity=1)
    services.book(make_person(0), full.public_id, "موضوع")
    before = counts()
    error = refused(services.book, make_person(1), full.public_id, "موضوع آخر")
    assert (error.code, error.status) == ("session_full", 409)
    assert counts() == before


def test_booking_twice_is_refused(office: AudienceSession) -> None:
    person = make_person(0)
    services.book(person, office.public_id, "موضوع")
    before = counts()
    assert refused(services.book, person, office.public_id, "مرة أخرى").code == "already_booked"
    assert counts() == before


def test_a_session_that_has_started_cannot_be_booked(office: AudienceSession) -> None:
    AudienceSession.objects.filter(pk=office.pk).update(
        starts_at=timezone.now() - timedelta(minutes=1)
    )
    before = counts()
    assert refused(services.book, make_person(0), office.public_id, "موضوع").code == (
        "session_started"
    )
    assert counts() == before


@pytest.mark.parametrize(
    ("subject", "code"),
    [
        ("", "text_required"),
        ("   ", "text_required"),
        ("س" * (services.SUBJECT_MAX + 1), "subject_too_long"),
        ("x" * 1024 * 1024, "subject_too_long"),
        ("سطر\nآخر", "text_control_chars"),
        (None, "text_not_string"),
    ],
)
def test_a_bad_subject_is_refused_before_anything_is_saved(
    office: AudienceSession, subject: object, code: str
) -> None:
    before = counts()
    error = refused(services.book, make_person(0), office.public_id, subject)
    assert (error.code, error.field) == (code, "subject")
    assert counts() == before


def test_an_unknown_session_is_not_found(office: AudienceSession) -> None:
    for bad in ("not-a-uuid", "00000000-0000-0000-0000-000000000001", None):
        assert refused(services.book, make_person(0), bad, "موضوع").status == 404


def test_cancelling_frees_the_slot_and_cancels_the_request(office: AudienceSession) -> None:
    person = make_person(0)
    booking = services.book(person, office.public_id, "موضوع")
    services.cancel_booking(person, booking.public_id)
    booking.refresh_from_db()
    assert booking.state == "cancelled"
    assert booking.transaction is not None and booking.transaction.state == "cancelled"
    assert Notification.objects.filter(
        transaction=booking.transaction, step="jalsa_cancelled"
    ).exists()
    assert AuditRecord.objects.filter(action="jalsa.booking.cancelled").count() == 1
    # The seat is free again, and the person may book again.
    again = services.book(person, office.public_id, "موضوع جديد")
    assert again.seat == 1
    assert refused(services.cancel_booking, person, booking.public_id).code == (
        "booking_not_active"
    )


def test_nobody_cancels_someone_elses_booking(office: AudienceSession) -> None:
    booking = services.book(make_person(0), office.public_id, "موضوع")
    error = refused(services.cancel_booking, make_person(1), booking.public_id)
    assert error.status == 404
    booking.refresh_from_db()
    assert booking.state == "booked"


def test_the_reminder_goes_once_and_never_for_a_cancelled_booking(
    office: AudienceSession,
) -> None:
    person = make_person(0)
    booking = services.book(person, office.public_id, "موضوع")
    assert tasks.remind.call(str(booking.public_id)) is True
    assert tasks.remind.call(str(booking.public_id)) is False  # safe to run twice
    (sms,) = Notification.objects.filter(step="jalsa_reminder")
    assert sms.to == person.phone and booking.transaction.reference in sms.body  # type: ignore[union-attr]
    other = services.book(make_person(1), office.public_id, "موضوع")
    services.cancel_booking(make_person(1), other.public_id)
    assert services.send_reminder(other.public_id) is False
    assert Notification.objects.filter(step="jalsa_reminder").count() == 1


def test_a_booking_the_day_before_is_reminded_at_once(
    cast: Cast, django_capture_on_commit_callbacks: Any
) -> None:
    soon = make_session(cast, starts_at=timezone.now() + timedelta(hours=3))
    with django_capture_on_commit_callbacks(execute=True):
        booking = services.book(make_person(0), soon.public_id, "موضوع")
    booking.refresh_from_db()
    assert booking.reminded_at is not None  # the inline backend ran the task after commit
    assert Notification.objects.filter(step="jalsa_reminder").count() == 1


def test_the_office_publishes_only_for_its_own_unit(cast: Cast) -> None:
    draft = services.SessionDraft(
        official_ar="أ",
        official_en="A",
        place_ar="ب",
        place_en="B",
        topics_ar="ج",
        topics_en="C",
        starts_at=timezone.now() + timedelta(days=1),
        slot_minutes=15,
        capacity=5,
    )
    assert refused(services.publish_session, cast.outsider.actor, cast.registry, draft).code == (
        "not_member_of_unit"
    )
    assert refused(services.publish_session, cast.auditor.actor, cast.registry, draft).status == 403
    for bad, code in [
        ({"capacity": 0}, "invalid_capacity"),
        ({"slot_minutes": 7}, "invalid_slot_minutes"),
        ({"starts_at": timezone.now()}, "session_in_past"),
        ({"official_ar": ""}, "text_required"),
    ]:
        changed = dataclasses.replace(draft, **bad)
        assert refused(services.publish_session, cast.clerk.actor, cast.registry, changed).code == (
            code
        )
    assert AudienceSession.objects.count() == 0


def test_the_reminder_is_queued_for_the_day_before_the_slot(
    office: AudienceSession, django_capture_on_commit_callbacks: Any
) -> None:
    from django_tasks_db.models import DBTaskResult

    backend = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    with override_settings(TASKS=backend), django_capture_on_commit_callbacks(execute=True):
        services.book(make_person(0), office.public_id, "موضوع")
        second = services.book(make_person(1), office.public_id, "موضوع")
    queued = DBTaskResult.objects.filter(task_path__endswith="jalsa.tasks.remind")
    assert queued.count() == 2
    row = queued.get(args_kwargs__args=[str(second.public_id)])
    assert row.run_after == second.slot_at - services.REMIND_BEFORE
    assert Notification.objects.filter(step="jalsa_reminder").count() == 0  # not yet


def test_a_reminder_whose_task_was_lost_is_sent_by_the_periodic_catch_up(
    office: AudienceSession,
) -> None:
    # Booked far ahead: the tests' backend cannot defer, so no task waits for the reminder.
    booking = services.book(make_person(0), office.public_id, "موضوع")
    far = booking.slot_at - services.REMIND_BEFORE - timedelta(hours=1)
    assert services.remind_due(far) == 0  # not yet its time
    cancelled = services.book(make_person(1), office.public_id, "موضوع")
    services.cancel_booking(make_person(1), cancelled.public_id)
    at = booking.slot_at - timedelta(hours=2)
    assert services.remind_due(at) == 1
    assert services.remind_due(at) == 0  # once
    (sms,) = Notification.objects.filter(step="jalsa_reminder")
    assert sms.transaction_id == booking.transaction_id
    assert "jalsa.remind_due" in {job.name for job in schedule.SCHEDULE}
