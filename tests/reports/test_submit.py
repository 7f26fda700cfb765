"""Submitting a 940 report through the API: registered as a transaction in the unit that
receives its category in the area that contains it; refusals leave nothing behind."""

from __future__ import annotations

import json
from typing import Any

import pytest

from wasl.audit.models import AuditRecord
from wasl.registry.models import Transaction
from wasl.reports.models import Report

from .conftest import HARAM_NORTH, OBHUR, RED_SEA, RIYADH, report_data

PERSONAL = ("أحمد الزهراني", "0551234567", "551234567", "ahmad@example.sa")


def counts() -> tuple[int, int, int]:
    return Report.objects.count(), Transaction.objects.count(), AuditRecord.objects.count()


def test_it_registers_a_report_as_a_transaction_of_the_receiving_unit(municipal, api):
    response = api(None).post("/reports", report_data())
    assert response.status_code == 201, response.content
    body = response.json()
    report = Report.objects.select_related("transaction__unit__entity").get()
    txn = report.transaction
    assert body["reference"] == txn.reference
    assert txn.reference.startswith("SUB-JED-BLD-")
    assert (txn.unit.entity.code, txn.unit.code) == ("SUB-JED-BLD", "INSPECTION")
    assert txn.kind == "report" and txn.classification == "municipal"
    assert txn.urgency == "urgent"  # pothole: high priority
    assert txn.due_date is not None and txn.due_date > txn.registered_on
    assert report.area.code == "JED-BLD" and report.district.code == "JED-BLD-HST"
    assert report.answers == {"size": "large"}
    assert report.contact_phone == "+966551234567"
    assert body["district_en"] == "Historic Al-Balad"
    assert AuditRecord.objects.filter(action="reports.report.submitted").count() == 1


def test_the_public_answer_holds_no_personal_data(municipal, api):
    created = api(None).post("/reports", report_data())
    public = api(None).get(f"/reports/public/{created.json()['reference']}")
    assert public.status_code == 200
    for response in (created, public):
        text = response.content.decode()
        assert not any(p in text for p in PERSONAL), text
        assert "answers" not in response.json()


def test_a_category_can_be_routed_to_another_unit_in_some_areas(municipal, api):
    response = api(None).post(
        "/reports",
        report_data(category="street_light", answers={"exposed_wires": "no"}),
    )
    assert response.status_code == 201, response.content
    txn = Report.objects.get().transaction
    assert (txn.unit.entity.code, txn.unit.code) == ("AMN-JED", "SERVICES")


@pytest.mark.parametrize(
    ("point", "entity_code", "unit_code"),
    [
        (OBHUR, "SUB-JED-ABH", "CLEANING"),
        (HARAM_NORTH, "SUB-HC-ZHR", "CLEANING"),
    ],
)
def test_it_routes_by_the_polygon_that_contains_the_point(
    municipal, api, point, entity_code, unit_code
):
    response = api(None).post(
        "/reports",
        report_data(category="waste", lat=point[0], lon=point[1], answers={"waste_type": "bin"}),
    )
    assert response.status_code == 201, response.content
    txn = Report.objects.get().transaction
    assert (txn.unit.entity.code, txn.unit.code) == (entity_code, unit_code)


@pytest.mark.parametrize("point", [RED_SEA, RIYADH, (0.0, 0.0), (91, 39.1)])
def test_a_point_outside_every_area_is_refused_in_both_languages(municipal, api, point):
    before = counts()
    response = api(None).post("/reports", report_data(lat=point[0], lon=point[1]))
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "outside_service_area"
    assert "خارج نطاق الخدمة" in body["message_ar"]
    assert "outside the service area" in body["message_en"]
    assert counts() == before


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"category": "no-such"}, 400, "unknown_category"),
        ({"category": 7}, 422, "validation_error"),
        ({"lat": "north"}, 422, "validation_error"),
        ({"lat": "NaN"}, 400, "invalid_location"),
        ({"description": ""}, 400, "text_required"),
        ({"description": "x" * 4001}, 400, "text_too_long"),
        ({"answers": {}}, 400, "answer_required"),
        ({"answers": {"size": "enormous"}}, 400, "invalid_answer"),
        ({"answers": {"size": "large", "colour": "red"}}, 400, "unknown_question"),
        ({"answers": {"size": ["large"]}}, 400, "invalid_answer"),
        ({"contact": {"phone": "12"}}, 400, "invalid_phone"),
        ({"contact": {"email": "not-an-address"}}, 400, "invalid_email"),
    ],
)
def test_bad_input_gets_a_clear_error_and_changes_nothing(municipal, api, change, status, code):
    before = counts()
    response = api(None).post("/reports", report_data(**change))
    assert response.status_code == status, response.content
    assert response.json()["code"] == code
    assert response.json()["message_ar"] and response.json()["message_en"]
    assert counts() == before


def test_a_description_of_4000_characters_is_taken(municipal, api):
    response = api(None).post("/reports", report_data(description="ح" * 4000))
    assert response.status_code == 201, response.content


def test_a_10_mb_description_is_refused_before_it_is_read(municipal, api):
    before = counts()
    response = api(None).post("/reports", report_data(description="x" * 10_000_000))
    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"
    assert counts() == before


def test_wrong_types_and_garbage_never_give_a_500(municipal, api):
    for raw in ("{", "[]", "null", '{"lat": {}}', "\x00", '{"answers": "x"}'):
        response = api(None).post("/reports", raw=raw)
        assert 400 <= response.status_code < 500, (raw, response.content)
    assert Report.objects.count() == 0


def test_a_signed_in_reporter_is_kept_on_the_report(municipal, api):
    response = api(municipal.cast.outsider).post("/reports", report_data())
    assert response.status_code == 201
    assert Report.objects.get().reported_by_id == municipal.cast.outsider.user.pk


def test_staff_see_only_the_reports_of_their_units(municipal, api):
    api(None).post("/reports", report_data())
    api(None).post(
        "/reports",
        report_data(lat=HARAM_NORTH[0], lon=HARAM_NORTH[1]),
    )
    balad = api(municipal.inspector).get("/reports")
    makkah = api(municipal.makkah_inspector).get("/reports")
    outsider = api(municipal.cast.outsider).get("/reports")
    assert [r["area"] for r in balad.json()] == ["JED-BLD"]
    assert balad.json()[0]["contact_phone"] == "+966551234567"
    assert [r["area"] for r in makkah.json()] == ["MKK-ZHR"]
    assert outsider.json() == []
    assert api(None).get("/reports").status_code == 401


def test_the_staff_list_takes_a_fixed_number_of_queries(
    municipal, api, django_assert_num_queries: Any
):
    for _ in range(3):
        api(None).post("/reports", report_data())
    client = api(municipal.inspector)
    client.get("/reports")  # warm the token's first-use bookkeeping
    with django_assert_num_queries(2):  # the token with its actor, the list
        response = client.get("/reports")
    assert len(response.json()) == 3


def test_categories_are_listed_with_their_questions(municipal, api):
    response = api(None).get("/reports/categories")
    codes = {c["code"]: c for c in response.json()}
    assert {"pothole", "street_light", "waste", "water_leak", "building_violation"} <= set(codes)
    assert codes["water_leak"]["sla_hours"] == 8
    assert codes["pothole"]["questions"][0]["code"] == "size"


def test_loading_the_reference_data_twice_changes_nothing(municipal):
    from wasl.reports import services
    from wasl.reports.models import Area, Category

    before = (Category.objects.count(), Area.objects.count())
    again = services.load_reference_data()
    assert (Category.objects.count(), Area.objects.count()) == before
    assert again.grants == 0 and again.missing == []


def test_a_token_holder_retrying_with_the_same_key_gets_one_report(municipal, api):
    client = api(municipal.cast.outsider)
    body = report_data()
    answers = [
        client.client.post(
            "/api/v1/reports",
            json.dumps(body),
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY="call-0001",
            **client.headers,
        )
        for _ in range(2)
    ]
    assert [a.status_code for a in answers] == [201, 201]
    assert answers[0].json()["reference"] == answers[1].json()["reference"]
    assert Report.objects.count() == 1
