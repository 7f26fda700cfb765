"""Probe: the public answers of Balagh 940 (the API's public version and "nearby", every
Open311 list and item in JSON and XML) never carry a reporter's contact details or answers,
and malformed reports never give a 5xx nor leave a half-saved row."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.reports.conftest import HARAM_NORTH, HISTORIC_BALAD, RED_SEA, Municipal, report_data
from wasl.registry.models import Transaction
from wasl.reports import services
from wasl.reports.models import Report

from .report import record

CONTACTS = [
    ("عبدالرحمن باعشن", "0551239876", "+966551239876", "baashen@example.sa"),
    ("نوف الحارثي", "0567771234", "+966567771234", "nouf.h@example.sa"),
]


@pytest.fixture
def municipal(cast: Any) -> Municipal:
    return Municipal(cast)


def test_public_answers_never_carry_personal_data(municipal, api):
    key = services.create_open311_key("probe")
    refs = []
    for (name, phone, _, email), point in zip(CONTACTS, (HISTORIC_BALAD, HARAM_NORTH), strict=True):
        made = api(None).post(
            "/reports",
            report_data(
                lat=point[0],
                lon=point[1],
                contact={"name": name, "phone": phone, "email": email},
                answers={"size": "small", "lane": "sidewalk"},
            ),
        )
        assert made.status_code == 201
        refs.append(made.json()["reference"])
    name, phone, _, email = CONTACTS[0]
    posted = Client().post(
        "/open311/v2/requests.json",
        {
            "api_key": key,
            "service_code": "pothole",
            "lat": HISTORIC_BALAD[0] + 0.001,
            "long": HISTORIC_BALAD[1],
            "description": "حفرة",
            "attribute[size]": "small",
            "first_name": name,
            "phone": phone,
            "email": email,
        },
    )
    assert posted.status_code == 201
    refs.append(posted.json()[0]["service_request_id"])
    answers: list[Any] = [
        api(None).get(
            "/reports/nearby",
            category="pothole",
            lat=HISTORIC_BALAD[0],
            lon=HISTORIC_BALAD[1],
            radius=1000,
        )
    ]
    for ref in refs:
        answers.append(api(None).get(f"/reports/public/{ref}"))
        for fmt in ("json", "xml"):
            answers.append(Client().get(f"/open311/v2/requests/{ref}.{fmt}"))
    for fmt in ("json", "xml"):
        answers.append(Client().get(f"/open311/v2/requests.{fmt}"))
        answers.append(Client().get(f"/open311/v2/requests.{fmt}", status="open"))
    secrets_ = [s for contact in CONTACTS for s in contact] + ["sidewalk"]
    leaks = sum(1 for response in answers for s in secrets_ if s in response.content.decode())
    errors = sum(1 for response in answers if response.status_code >= 500)
    record(
        "Balagh 940 public answers (API, Open311 JSON/XML) without personal data",
        attempts=len(answers),
        leaks=leaks,
        errors_5xx=errors,
    )
    assert all(r.status_code == 200 for r in answers)
    assert leaks == 0


BAD_REPORTS: list[Any] = [
    {"lat": RED_SEA[0], "lon": RED_SEA[1]},
    {"lat": 1e308, "lon": -1e308},
    {"lat": True},
    {"lat": [1]},
    {"description": None},
    {"description": {"x": 1}},
    {"description": "x" * 4001},
    {"answers": []},
    {"answers": {"size": {"a": 1}}},
    {"answers": {"size": 7}},
    {"contact": "x"},
    {"contact": {"phone": ["0551234567"]}},
    {"contact": {"email": 5}},
    {"category": None},
    {"category": "pothole" * 100},
]


def test_malformed_reports_never_give_5xx_nor_half_saved_rows(municipal, api):
    errors = 0
    for change in BAD_REPORTS:
        response = api(None).post("/reports", report_data(**change))
        errors += response.status_code >= 500
        assert 400 <= response.status_code < 500, (change, response.content)
    for change in (
        {"lat": "x"},
        {"long": ""},
        {"description": "x" * 5000},
        {"service_code": "../"},
    ):
        response = Client().post(
            "/open311/v2/requests.xml",
            {
                "api_key": services.create_open311_key("p"),
                "service_code": "pothole",
                "lat": HISTORIC_BALAD[0],
                "long": HISTORIC_BALAD[1],
                "description": "d",
                "attribute[size]": "small",
                **change,
            },
        )
        errors += response.status_code >= 500
        assert 400 <= response.status_code < 500, (change, response.content)
    saved = Report.objects.count() + Transaction.objects.count()
    record(
        "Balagh 940 malformed reports (API and Open311): clear refusals, nothing half-saved",
        attempts=len(BAD_REPORTS) + 4,
        errors_5xx=errors,
    )
    assert saved == 0
