"""Flood limits for posting reports: per address on the API, per person with a token, per API
key on Open311; the call centre is not counted. Over the limit: 429 with Retry-After, a clear
message in both languages, and nothing saved."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from wasl.reports import flood, services
from wasl.reports.models import Report

from .conftest import HARAM_NORTH, report_data


@pytest.fixture(autouse=True)
def small_limits(settings: Any) -> None:
    settings.WASL_REPORT_FLOOD_WINDOW = 600
    settings.WASL_REPORT_FLOOD_PER_ADDRESS = 3
    settings.WASL_REPORT_FLOOD_PER_KEY = 2


def post(address: str = "192.0.2.10", person: Any = None) -> Any:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {person.token}"} if person else {}
    return Client(REMOTE_ADDR=address).post(
        "/api/v1/reports",
        json.dumps(report_data()),
        content_type="application/json",
        **headers,
    )


def test_one_address_is_refused_past_its_limit_and_others_are_not(municipal):
    assert [post().status_code for _ in range(3)] == [201, 201, 201]
    refused = post()
    assert refused.status_code == 429
    body = refused.json()
    assert body["code"] == "too_many_reports" and body["message_ar"] and body["message_en"]
    assert 1 <= int(refused["Retry-After"]) <= 600
    assert Report.objects.count() == 3
    assert post("198.51.100.7").status_code == 201
    with_photos = Client(REMOTE_ADDR="192.0.2.10").post(
        "/api/v1/reports/with-photos", {"report": json.dumps(report_data())}
    )
    assert with_photos.status_code == 429
    assert Report.objects.count() == 4


def test_a_token_holder_is_counted_as_a_person_not_as_an_address(municipal):
    citizen = municipal.cast.clerk
    assert [post(person=citizen).status_code for _ in range(3)] == [201, 201, 429]
    assert post().status_code == 201  # the same address, anonymous: its own count


def test_the_window_ends(municipal):
    for _ in range(3):
        flood.check("address", "203.0.113.5", now=1_000.0)
    with pytest.raises(flood.Flooded) as refused:
        flood.check("address", "203.0.113.5", now=1_100.0)
    assert refused.value.retry_after == 100  # the window is 600..1200
    flood.check("address", "203.0.113.5", now=1_200.0)


def test_open311_counts_per_key(municipal):
    keys = [services.create_open311_key("تطبيق"), services.create_open311_key("تطبيق آخر")]

    def post311(key: str, fmt: str = "json") -> Any:
        return Client().post(
            f"/open311/v2/requests.{fmt}",
            {
                "api_key": key,
                "service_code": "waste",
                "lat": str(HARAM_NORTH[0]),
                "long": str(HARAM_NORTH[1]),
                "description": "مخلفات",
                "attribute[waste_type]": "debris",
            },
        )

    assert [post311(keys[0]).status_code for _ in range(2)] == [201, 201]
    refused = post311(keys[0], "xml")
    assert refused.status_code == 429
    assert b"<errors>" in refused.content and b"<code>429</code>" in refused.content
    assert post311(keys[1]).status_code == 201
    assert Report.objects.count() == 3


def test_the_call_centre_is_not_counted(municipal, client, settings):
    settings.WASL_REPORT_FLOOD_PER_ADDRESS = 1
    client.force_login(municipal.inspector.user)
    form = {
        "lat": "21.485",
        "lon": "39.185",
        "description": "حفرة",
        "q_size": "small",
        "confirm_new": "on",
    }
    codes = [client.post("/reports/call-centre/pothole/", form).status_code for _ in range(3)]
    assert codes == [302, 302, 302]
