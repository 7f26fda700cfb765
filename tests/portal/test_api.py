"""The portal's JSON API (/api/v1/portal/): read by people signed in through the local OpenID
Connect provider, refused to someone not signed in, to a staff session and to a staff token."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from tests.conftest import Cast
from tests.jalsa.conftest import make_session
from wasl.directory.models import IdempotentRequest
from wasl.directory.tokens import create_token
from wasl.portal.eservices import services as eservices
from wasl.portal.jalsa.models import AudienceSession, Booking

from .conftest import CITIZEN, CITIZEN_2, RESIDENT, sign_in
from .eservice_fixtures import WAIVER, services_file

API = "/api/v1/portal"
READS = ["/me", "/matters", "/services", "/jalsa/sessions", "/jalsa/bookings"]


def person(sub: str) -> Client:
    client = Client(raise_request_exception=False)
    assert sign_in(client, sub).status_code == 302
    return client


def test_me_is_the_signed_in_person_with_the_id_masked(db: Any) -> None:
    answer = person(RESIDENT.subject).get(f"{API}/me")
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["id_kind"] == "resident" and body["id_kind_en"] == "Resident"
    assert body["id_kind_ar"] == "مقيم"
    assert body["id_number_masked"] == f"…{RESIDENT.id_number[-4:]}"
    assert RESIDENT.id_number not in answer.content.decode()
    assert body["name"] == RESIDENT.name_ar
    assert "no-store" in answer["Cache-Control"]


def test_matters_are_the_pages_matters_in_both_languages(
    cast: Cast, matters: dict[str, Any]
) -> None:
    client = person(CITIZEN.subject)
    body = client.get(f"{API}/matters").json()
    page = client.get("/portal/matters/").content.decode()
    refs = {m["reference"] for m in body}
    assert refs == {matters[k].reference for k in ("mine", "secret", "elsewhere")}
    assert all(ref in page for ref in refs)
    assert matters["other"].reference not in str(body)
    mine = next(m for m in body if m["reference"] == matters["mine"].reference)
    assert mine["subject"] == "طلب تعويض عن أرض منزوعة"
    assert mine["next_step_ar"] and mine["next_step_en"] and mine["next_step_ar"] in page
    assert mine["registered_on"]["gregorian"] == matters["mine"].registered_on.isoformat()
    assert mine["registered_on"]["hijri"].startswith("14")
    assert mine["asked"] == "صورة صك الملكية مصدقة" and mine["asked_on"]["hijri"]
    secret = next(m for m in body if m["reference"] == matters["secret"].reference)
    # Only what the public inquiry shows: no subject, no unit, no documents.
    assert secret["subject"] == "" and secret["units_ar"] == [] and secret["documents"] == []
    assert "بلاغ سري" not in str(body)


def test_a_person_never_sees_another_persons_matters(cast: Cast, matters: dict[str, Any]) -> None:
    body = person(CITIZEN_2.subject).get(f"{API}/matters").json()
    assert [m["reference"] for m in body] == [matters["other"].reference]
    assert matters["mine"].reference not in str(body)


def test_services_are_those_the_person_may_apply_for(db: Any) -> None:
    eservices.import_services(services_file(WAIVER), by="test")  # citizens only
    body = person(CITIZEN.subject).get(f"{API}/services").json()
    assert [s["code"] for s in body] == [WAIVER["code"]]
    assert body[0]["name_ar"] == WAIVER["name"]["ar"] and body[0]["name_en"] == WAIVER["name"]["en"]
    assert body[0]["description_en"] == WAIVER["description"]["en"]
    assert person(RESIDENT.subject).get(f"{API}/services").json() == []


def test_sessions_open_with_free_seats_and_own_bookings(cast: Cast) -> None:
    open_one = make_session(cast, capacity=1)
    full = make_session(cast, capacity=1, official_ar="وكيل الإمارة", official_en="Undersecretary")
    client = person(CITIZEN.subject)
    other = person(CITIZEN_2.subject)
    assert (
        other.post(f"/portal/jalsa/sessions/{full.public_id}/", {"subject": "أرض"}).status_code
        == 302
    )
    body = client.get(f"{API}/jalsa/sessions").json()
    assert [s["id"] for s in body] == [str(open_one.public_id)]
    assert body[0]["free"] == 1 and body[0]["official_en"] == "HRH the Deputy Emir"
    assert body[0]["starts_on"]["hijri"]
    assert client.get(f"{API}/jalsa/bookings").json() == []
    mine = other.get(f"{API}/jalsa/bookings").json()
    assert [b["session"] for b in mine] == [str(full.public_id)]
    assert mine[0]["state"] == "booked" and mine[0]["reference"] and mine[0]["may_cancel"]


@pytest.mark.parametrize("path", READS)
def test_anonymous_gets_401_in_the_apis_error_shape(db: Any, path: str) -> None:
    answer = Client().get(f"{API}{path}")
    assert answer.status_code == 401
    assert answer.json()["code"] == "portal_signed_out"
    assert set(answer.json()) == {"code", "message_ar", "message_en"}
    assert "no-store" in answer["Cache-Control"]


@pytest.mark.parametrize("path", READS)
def test_staff_are_not_citizens_by_session_or_token(
    cast: Cast, matters: dict[str, Any], path: str
) -> None:
    staff = Client()
    staff.force_login(cast.clerk.user)
    answer = staff.get(f"{API}{path}")
    assert answer.status_code == 401 and answer.json()["code"] == "portal_signed_out"
    token = create_token(cast.clerk.user.username, label="test")
    answer = Client().get(f"{API}{path}", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert answer.status_code == 401 and answer.json()["code"] == "portal_signed_out"


def csrf_token(client: Client) -> str:
    """The token a page of the portal carries (the cookie is HttpOnly: the app reads a page)."""
    page = client.get("/portal/matters/").content.decode()
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert found, "no CSRF token on the page"
    return found.group(1)


def strict(sub: str) -> tuple[Client, dict[str, str]]:
    """A signed-in person whose client is held to Django's CSRF check, and its header."""
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    assert sign_in(client, sub).status_code == 302
    return client, {"HTTP_X_CSRFTOKEN": csrf_token(client)}


def post_booking(client: Client, sid: Any, subject: str, **headers: Any) -> Any:
    return client.post(
        f"{API}/jalsa/sessions/{sid}/bookings",
        {"subject": subject},
        content_type="application/json",
        **headers,
    )


def test_a_booking_through_the_api_is_the_persons_own(cast: Cast) -> None:
    office = make_session(cast, capacity=2)
    client, csrf = strict(CITIZEN.subject)
    answer = post_booking(client, office.public_id, "نزاع على أرض", **csrf)
    assert answer.status_code == 201, answer.content
    made = answer.json()
    assert made["state"] == "booked" and made["seat"] == 1 and made["reference"]
    assert made["subject"] == "نزاع على أرض" and made["slot_on"]["hijri"]
    assert "no-store" in answer["Cache-Control"]
    booking = Booking.objects.get(public_id=made["id"])
    assert booking.person.id_number == CITIZEN.id_number
    assert [b["id"] for b in client.get(f"{API}/jalsa/bookings").json()] == [made["id"]]
    # Another person sees neither the booking nor its matter.
    other = person(CITIZEN_2.subject)
    assert other.get(f"{API}/jalsa/bookings").json() == []
    assert made["reference"] not in other.get(f"{API}/matters").content.decode()
    assert made["reference"] in client.get(f"{API}/matters").content.decode()


def test_unsafe_methods_need_the_csrf_token_and_a_portal_session(cast: Cast) -> None:
    office = make_session(cast)
    client, _ = strict(CITIZEN.subject)
    answer = post_booking(client, office.public_id, "أرض")
    assert answer.status_code == 403 and answer.json()["code"] == "csrf_failed"
    assert answer.json()["message_ar"] and answer.json()["message_en"]
    answer = post_booking(Client(), office.public_id, "أرض")
    assert answer.status_code == 401 and answer.json()["code"] == "portal_signed_out"
    staff = Client()
    staff.force_login(cast.clerk.user)
    assert post_booking(staff, office.public_id, "أرض").status_code == 401
    assert not Booking.objects.exists()
    # The app takes the token from /me (the cookie is HttpOnly).
    token = client.get(f"{API}/me").json()["csrf_token"]
    answer = post_booking(client, office.public_id, "أرض", HTTP_X_CSRFTOKEN=token)
    assert answer.status_code == 201, answer.content
    assert Booking.objects.get().person.id_number == CITIZEN.id_number


@pytest.mark.parametrize("language", ["ar", "en"])
def test_refusals_of_a_full_and_a_past_session_in_both_languages(cast: Cast, language: str) -> None:
    full = make_session(cast, capacity=1)
    past = make_session(cast)
    AudienceSession.objects.filter(pk=past.pk).update(starts_at=timezone.now() - timedelta(hours=1))
    assert post_booking(person(CITIZEN_2.subject), full.public_id, "أرض").status_code == 201
    client = person(CITIZEN.subject)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    answer = post_booking(client, full.public_id, "أرض")
    assert answer.status_code == 409, answer.content
    assert answer.json() == {
        "code": "session_full",
        "message_ar": "اكتمل عدد المواعيد في هذه الجلسة. اختر جلسة أخرى.",
        "message_en": "This session is full. Choose another session.",
    }
    answer = post_booking(client, past.public_id, "أرض")
    assert answer.status_code == 409 and answer.json()["code"] == "session_started"
    assert "لا يمكن الحجز" in answer.json()["message_ar"]
    assert "cannot be booked" in answer.json()["message_en"]
    answer = post_booking(client, "not-a-session", "أرض")
    assert answer.status_code == 404 and answer.json()["code"] == "unknown_session"
    answer = post_booking(client, full.public_id, "")
    assert answer.status_code == 400 and answer.json()["message_en"]
    assert Booking.objects.filter(person__id_number=CITIZEN.id_number).count() == 0


def test_a_repeat_with_the_same_idempotency_key_books_once(cast: Cast) -> None:
    office = make_session(cast, capacity=3)
    client = person(CITIZEN.subject)
    first = post_booking(client, office.public_id, "أرض", HTTP_IDEMPOTENCY_KEY="k-1")
    again = post_booking(client, office.public_id, "أرض", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert Booking.objects.filter(session=office).count() == 1
    # The key is the person's own: another person's same key is another request.
    other = post_booking(
        person(CITIZEN_2.subject), office.public_id, "أرض", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    assert other.status_code == 201 and other.json()["id"] != first.json()["id"]
    reused = post_booking(client, office.public_id, "غير ذلك", HTTP_IDEMPOTENCY_KEY="k-1")
    assert reused.status_code == 422 and reused.json()["code"] == "idempotency_key_reused"
    assert IdempotentRequest.objects.filter(owner__startswith="person:").count() == 2
