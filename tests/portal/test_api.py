"""The portal's JSON API (/api/v1/portal/): read by people signed in through the local OpenID
Connect provider, refused to someone not signed in, to a staff session and to a staff token."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.conftest import Cast
from tests.jalsa.conftest import make_session
from wasl.directory.tokens import create_token
from wasl.portal.eservices import services as eservices

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
