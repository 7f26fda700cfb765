"""Jalsa's pages, as the person and the office use them: book, see the confirmation, cancel;
refusals next to the field in the page's language, never a 500; the office's day, attendance
and an outcome that becomes a transaction; nobody reaches another's booking."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tests.conftest import Cast
from wasl.portal.jalsa import services
from wasl.portal.jalsa.models import AudienceSession, Booking
from wasl.registry.models import Link, Transaction

from .conftest import make_person, make_session, signed_in

pytestmark = pytest.mark.django_db


def session_url(s: AudienceSession) -> str:
    return f"/portal/jalsa/sessions/{s.public_id}/"


def test_the_pages_need_a_signed_in_person(office: AudienceSession) -> None:
    for path in ("/portal/jalsa/", session_url(office)):
        answer = Client().get(path)
        assert answer.status_code == 302 and answer["Location"] == "/portal/"


def test_my_matters_leads_to_the_sessions(office: AudienceSession) -> None:
    page = signed_in(make_person(0)).get("/portal/matters/").content.decode()
    assert 'href="/portal/jalsa/"' in page


def test_a_person_books_sees_the_confirmation_and_cancels(
    office: AudienceSession, django_assert_num_queries: Any
) -> None:
    person = make_person(0)
    client = signed_in(person)
    listing = client.get("/portal/jalsa/").content.decode()
    assert office.official_ar in listing and "3 / 3" in listing
    answer = client.post(session_url(office), {"subject": "تعويض أرض منزوعة"})
    assert answer.status_code == 302, answer.content.decode()[:1500]
    booking = Booking.objects.get(person=person)
    assert answer["Location"] == f"/portal/jalsa/bookings/{booking.public_id}/"
    page = client.get(answer["Location"]).content.decode()
    assert booking.transaction is not None and booking.transaction.reference in page
    assert "تعويض أرض منزوعة" in page and "dual-date__hijri" in page
    assert client.get(session_url(office)).content.decode().count('id="already"') == 1
    cancelled = client.post(f"/portal/jalsa/bookings/{booking.public_id}/cancel/")
    assert cancelled.status_code == 302
    booking.refresh_from_db()
    assert booking.state == "cancelled"
    # Cancelling again: the reason, on the booking's page.
    again = client.post(f"/portal/jalsa/bookings/{booking.public_id}/cancel/")
    assert again.status_code == 409 and "booking_not_active" not in again.content.decode()
    # The session and the person, then the open sessions and the person's bookings.
    with django_assert_num_queries(4):
        assert client.get("/portal/jalsa/").status_code == 200


@pytest.mark.parametrize(
    ("language", "words"),
    [("ar", "اكتمل عدد المواعيد"), ("en", "This session is full")],
)
def test_a_full_session_says_so_in_the_persons_language(
    cast: Cast, language: str, words: str
) -> None:
    full = make_session(cast, capacity=1)
    first = signed_in(make_person(0), language)
    second = signed_in(make_person(1), language)
    page = second.get(session_url(full))  # opened while a slot was free
    assert 'id="book"' in page.content.decode()
    assert first.post(session_url(full), {"subject": "موضوع"}).status_code == 302
    answer = second.post(session_url(full), {"subject": "موضوع"})
    assert answer.status_code == 409
    assert words in answer.content.decode()
    assert Booking.objects.count() == 1


@pytest.mark.parametrize(
    ("subject", "language", "words"),
    [
        ("", "ar", "موضوع المقابلة"),
        ("", "en", "Subject"),
        ("س" * 301, "ar", "الموضوع أطول من المسموح"),
        ("x" * 301, "en", "The subject is too long"),
        ("x" * (1024 * 1024 - 100), "en", "The subject is too long"),
    ],
)
def test_a_bad_subject_is_shown_next_to_the_field(
    office: AudienceSession, subject: str, language: str, words: str
) -> None:
    client = signed_in(make_person(0), language)
    answer = client.post(session_url(office), {"subject": subject})
    assert answer.status_code == 400
    page = answer.content.decode()
    assert 'id="subject_error"' in page and words in page
    assert 'aria-invalid="true"' in page
    assert len(page) < 100_000  # the long subject is not echoed back whole
    assert Booking.objects.count() == 0 and Transaction.objects.count() == 0


def test_a_subject_over_the_request_limit_is_refused_without_a_500(
    office: AudienceSession,
) -> None:
    client = signed_in(make_person(0), "en")
    answer = client.post(session_url(office), {"subject": "س" * (1024 * 1024)})
    assert answer.status_code == 400
    assert "too long" in answer.content.decode() or "too large" in answer.content.decode()
    assert Booking.objects.count() == 0


def test_a_started_session_offers_no_booking(office: AudienceSession) -> None:
    AudienceSession.objects.filter(pk=office.pk).update(
        starts_at=timezone.now() - timedelta(minutes=5)
    )
    client = signed_in(make_person(0), "en")
    page = client.get(session_url(office)).content.decode()
    assert 'id="closed"' in page and 'id="book"' not in page
    answer = client.post(session_url(office), {"subject": "موضوع"})
    assert answer.status_code == 409 and "has started or ended" in answer.content.decode()


def test_nobody_reaches_another_persons_booking(office: AudienceSession) -> None:
    booking = services.book(make_person(0), office.public_id, "موضوع خاص MPJALSAZ")
    other = signed_in(make_person(1))
    missing = "00000000-0000-0000-0000-00000000abcd"
    for path in (
        f"/portal/jalsa/bookings/{booking.public_id}/",
        f"/portal/jalsa/bookings/{missing}/",
    ):
        answer = other.get(path)
        assert answer.status_code == 404
        assert "MPJALSAZ" not in answer.content.decode()
    assert other.post(f"/portal/jalsa/bookings/{booking.public_id}/cancel/").status_code == 404
    assert "MPJALSAZ" not in other.get("/portal/jalsa/").content.decode()
    booking.refresh_from_db()
    assert booking.state == "booked"


# ---------------------------------------------------------------------------------------------
# The office


def staff(person: Any) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(person.user)
    return client


def test_the_office_publishes_a_session(cast: Cast) -> None:
    client = staff(cast.clerk)
    starts = (timezone.localtime() + timedelta(days=3)).replace(second=0, microsecond=0)
    form = {
        "official_ar": "سمو أمير المنطقة",
        "official_en": "HRH the Emir",
        "place_ar": "قصر الإمارة",
        "place_en": "Emirate Palace",
        "topics_ar": "عامة",
        "topics_en": "General",
        "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
        "slot_minutes": "10",
        "capacity": "20",
    }
    answer = client.post("/office/jalsa/publish/", form)
    assert answer.status_code == 302, answer.content.decode()[:2000]
    made = AudienceSession.objects.get()
    assert (made.capacity, made.slot_minutes, made.starts_at) == (20, 10, starts)
    refused = client.post("/office/jalsa/publish/", {**form, "capacity": "ألف"})
    assert refused.status_code == 400 and 'id="capacity_error"' in refused.content.decode()
    assert AudienceSession.objects.count() == 1
    # Someone outside the office cannot publish for it (they act for their own unit).
    assert staff(cast.outsider).post("/office/jalsa/publish/", form).status_code == 302
    assert not AudienceSession.objects.filter(unit=cast.registry).exclude(pk=made.pk).exists()


def test_the_office_records_attendance_and_an_outcome_becomes_a_transaction(
    cast: Cast, django_assert_num_queries: Any
) -> None:
    today = make_session(cast, capacity=3, starts_at=timezone.now() + timedelta(minutes=30))
    came = services.book(make_person(0), today.public_id, "نزاع على حد أرض")
    absent = services.book(make_person(1), today.public_id, "طلب مساعدة")
    client = staff(cast.clerk)
    # Session, user, memberships, units; then the sessions and the day's list.
    with django_assert_num_queries(6):
        day = client.get("/office/jalsa/")
    page = day.content.decode()
    assert "نزاع على حد أرض" in page and "طلب مساعدة" in page
    answer = client.post(
        f"/office/jalsa/bookings/{came.public_id}/",
        {"attended": "yes", "outcome": "وجّه سموه بدراسة الطلب", "needs_action": "on"},
    )
    assert answer.status_code == 302
    came.refresh_from_db()
    assert came.state == "attended" and came.follow_up is not None
    assert came.transaction is not None and came.transaction.state == "closed"
    assert came.follow_up.party_id_number == came.person.id_number
    assert came.follow_up.body == "وجّه سموه بدراسة الطلب"
    assert Link.objects.filter(source=came.follow_up, target=came.transaction).exists()
    client.post(f"/office/jalsa/bookings/{absent.public_id}/", {"attended": "no"})
    absent.refresh_from_db()
    assert absent.state == "absent" and absent.follow_up is None
    after = client.get("/office/jalsa/").content.decode()
    assert came.follow_up.reference in after
    # Recorded once: again is refused with the reason, nothing changes.
    client.post(f"/office/jalsa/bookings/{came.public_id}/", {"attended": "no"})
    came.refresh_from_db()
    assert came.state == "attended"


def test_the_outsider_sees_nothing_of_the_office(cast: Cast) -> None:
    today = make_session(cast, starts_at=timezone.now() + timedelta(minutes=30))
    booking = services.book(make_person(0), today.public_id, "موضوع MPJALSAZ")
    outsider = staff(cast.outsider)
    page = outsider.get("/office/jalsa/").content.decode()
    assert "MPJALSAZ" not in page and booking.transaction.reference not in page  # type: ignore[union-attr]
    answer = outsider.post(f"/office/jalsa/bookings/{booking.public_id}/", {"attended": "no"})
    assert answer.status_code == 404
    booking.refresh_from_db()
    assert booking.state == "booked"
