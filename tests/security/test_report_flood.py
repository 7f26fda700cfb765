"""Probe: a flood of 940 reports from one address and from one Open311 key is cut at the
limit; nothing past it is saved, nothing fails with a 5xx."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from tests.reports import conftest as reports_conftest
from tests.security.report import record
from wasl.reports import services
from wasl.reports.models import Report

PER_ADDRESS, PER_KEY, SENT = 5, 5, 25


@pytest.fixture(name="municipal")
def _municipal(cast: Any) -> Any:
    return reports_conftest.Municipal(cast)


def test_a_flood_of_reports_is_cut_at_the_limit(municipal, settings):
    settings.WASL_REPORT_FLOOD_PER_ADDRESS = PER_ADDRESS
    settings.WASL_REPORT_FLOOD_PER_KEY = PER_KEY
    body = json.dumps(reports_conftest.report_data())
    api = Client(REMOTE_ADDR="192.0.2.99")
    codes = [
        api.post("/api/v1/reports", body, content_type="application/json").status_code
        for _ in range(SENT)
    ]
    key = services.create_open311_key("flood")
    form = {
        "api_key": key,
        "service_code": "waste",
        "lat": str(reports_conftest.HARAM_NORTH[0]),
        "long": str(reports_conftest.HARAM_NORTH[1]),
        "description": "مخلفات",
        "attribute[waste_type]": "debris",
    }
    codes += [Client().post("/open311/v2/requests.json", form).status_code for _ in range(SENT)]
    accepted = sum(code == 201 for code in codes)
    saved = Report.objects.count()
    record(
        "940 reports: flood from one address and one Open311 key",
        attempts=len(codes),
        errors_5xx=sum(code >= 500 for code in codes),
        undetected=max(0, accepted - PER_ADDRESS - PER_KEY),
        duplicated=max(0, saved - accepted),
    )
    assert codes.count(429) == 2 * SENT - PER_ADDRESS - PER_KEY
    assert accepted == saved == PER_ADDRESS + PER_KEY
