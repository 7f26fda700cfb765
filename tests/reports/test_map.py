"""The maps: a public one without personal data and a staff one through the access rule; the
district polygons as the base layer, filters by category, status and date, counts per
district in a table (the map's text alternative)."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

from django.test import Client
from django.utils import timezone

from wasl.directory import services as directory
from wasl.reports.models import Report

from .conftest import HARAM_NORTH, close_with_proof, report_data

PERSONAL = ("أحمد الزهراني", "0551234567", "ahmad@example.sa", "حفرة كبيرة")


def submit(**overrides: Any) -> str:
    response = Client().post(
        "/api/v1/reports", json.dumps(report_data(**overrides)), content_type="application/json"
    )
    assert response.status_code == 201, response.content
    reference: str = response.json()["reference"]
    return reference


def map_data(response: Any) -> dict[str, Any]:
    found = re.search(
        r'<script id="map-data" type="application/json">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    assert found, "the page carries the map's data"
    data: dict[str, Any] = json.loads(found.group(1))
    return data


def counts_row(response: Any, name: str) -> list[int]:
    """The open, closed and total cells of the table row headed `name`."""
    html = response.content.decode()
    row = re.search(rf"<th scope=\"row\">{re.escape(name)}</th>(.*?)</tr>", html, re.S)
    assert row, name
    return [int(n) for n in re.findall(r"<td>(\d+)</td>", row.group(1))]


def make_reports(municipal: Any) -> dict[str, str]:
    refs = {
        "balad_open": submit(),
        "balad_closed": submit(),
        "makkah": submit(
            category="waste",
            lat=HARAM_NORTH[0],
            lon=HARAM_NORTH[1],
            answers={"waste_type": "debris"},
        ),
    }
    close_with_proof(municipal.inspector, refs["balad_closed"])
    return refs


def test_the_public_map_has_the_districts_the_points_and_the_counts(municipal):
    refs = make_reports(municipal)
    response = Client().get("/reports/map/")
    assert response.status_code == 200
    data = map_data(response)
    kinds = {f["properties"]["kind"] for f in data["areas"]["features"]}
    assert kinds == {"sub_municipality", "district"}
    assert len(data["areas"]["features"]) == 29
    historic = next(
        f for f in data["areas"]["features"] if f["properties"]["code"] == "JED-BLD-HST"
    )
    assert (historic["properties"]["open"], historic["properties"]["closed"]) == (1, 1)
    assert {m["ref"] for m in data["markers"]} == set(refs.values())
    assert all(m["url"].startswith("/reports/p/") for m in data["markers"])
    assert all(m["close_url"] == "" for m in data["markers"])
    assert data["tiles"]["url"] == ""
    assert counts_row(response, "حي البلد التاريخي") == [1, 1, 2]
    text = response.content.decode()
    assert not any(p in text for p in PERSONAL)
    assert "leaflet.js" in text and "map.js" in text
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]


def test_the_filters_narrow_the_points_and_the_counts(municipal):
    refs = make_reports(municipal)
    client = Client()
    closed = map_data(client.get("/reports/map/", {"status": "closed"}))
    assert [m["ref"] for m in closed["markers"]] == [refs["balad_closed"]]
    waste = map_data(client.get("/reports/map/", {"category": "waste"}))
    assert [m["ref"] for m in waste["markers"]] == [refs["makkah"]]
    Report.objects.filter(transaction__reference=refs["makkah"]).update(
        created_at=timezone.now() - timedelta(days=30)
    )
    today = timezone.localdate().isoformat()
    recent = client.get("/reports/map/", {"since": today, "until": today})
    assert {m["ref"] for m in map_data(recent)["markers"]} == {
        refs["balad_open"],
        refs["balad_closed"],
    }
    assert counts_row(recent, "بلدية الزاهر") == [0, 0, 0]


def test_bad_filters_are_a_clear_error_not_a_failure(municipal):
    client = Client()
    for params in (
        {"since": "yesterday"},
        {"status": "lost"},
        {"category": "x" * 5000},
        {"since": "2026-05-02", "until": "2026-05-01"},
    ):
        response = client.get("/reports/map/", params)
        assert response.status_code == 400, params
        assert "field__error" in response.content.decode() or "form-errors" in (
            response.content.decode()
        )


def test_the_staff_map_shows_only_what_the_access_rule_allows(municipal, client):
    refs = make_reports(municipal)
    client.force_login(municipal.makkah_inspector.user)
    mine = map_data(client.get("/reports/staff/map/"))
    assert mine["markers"] == []  # the Makkah waste report went to the cleaning unit
    client.force_login(municipal.inspector.user)
    response = client.get("/reports/staff/map/")
    assert response.status_code == 200
    seen = map_data(response)
    assert {m["ref"] for m in seen["markers"]} == {refs["balad_open"], refs["balad_closed"]}
    assert all(m["url"].startswith("/t/") for m in seen["markers"])
    closable = {m["ref"]: m["close_url"] for m in seen["markers"] if m["close_url"]}
    assert closable == {refs["balad_open"]: f"/reports/close/{refs['balad_open']}/"}


def test_the_staff_map_is_for_staff(municipal, client):
    assert client.get("/reports/staff/map/").status_code == 302
    citizen, _ = directory.ensure_person(username="citizen_1", first_name="منى", last_name="س")
    client.force_login(citizen)
    assert client.get("/reports/staff/map/").status_code == 403


def test_a_tile_server_is_set_by_the_environment(municipal, monkeypatch):
    monkeypatch.setenv("WASL_MAP_TILE_URL", "https://{s}.tiles.example.sa/{z}/{x}/{y}.png")
    monkeypatch.setenv("WASL_MAP_TILE_ATTRIBUTION", "© Example")
    response = Client().get("/reports/map/")
    assert map_data(response)["tiles"]["url"].startswith("https://{s}.tiles.example.sa/")
    assert "https://*.tiles.example.sa" in response["Content-Security-Policy"]


def test_the_map_takes_a_fixed_number_of_queries(municipal, django_assert_num_queries):
    for _ in range(3):
        submit()
    client = Client()
    client.get("/reports/map/")  # sessions and the like settle
    with django_assert_num_queries(4):  # categories, counts, areas, points
        response = client.get("/reports/map/", {"status": "open"})
    assert len(map_data(response)["markers"]) == 3
