""" "Already reported nearby": open reports of the same category within N metres, offered
before submitting; nothing personal in them; a fixed number of queries."""

from __future__ import annotations

from typing import Any

from wasl.reports import services

from .conftest import HISTORIC_BALAD, RED_SEA, close_with_proof, report_data

LAT, LON = HISTORIC_BALAD
# About 55 m north and 330 m north of the historic district's point.
NEAR = LAT + 0.0005
FAR = LAT + 0.003


def submit(api: Any, **overrides: Any) -> dict[str, Any]:
    response = api(None).post("/reports", report_data(**overrides))
    assert response.status_code == 201, response.content
    return response.json()


def nearby(api: Any, **params: Any) -> Any:
    return api(None).get(
        "/reports/nearby", **{"category": "pothole", "lat": LAT, "lon": LON, **params}
    )


def test_it_offers_open_reports_of_the_same_category_nearest_first(municipal, api):
    far = submit(api, lat=FAR)
    near = submit(api, lat=NEAR)
    submit(api, category="waste", lat=NEAR, answers={"waste_type": "bin"})
    response = nearby(api, radius=500)
    assert response.status_code == 200
    found = response.json()["results"]
    assert [r["reference"] for r in found] == [near["reference"], far["reference"]]
    assert 50 < found[0]["distance_m"] < 60
    assert "0551234567" not in response.content.decode()
    assert "+966551234567" not in response.content.decode()
    assert [r["reference"] for r in nearby(api, radius=100).json()["results"]] == [
        near["reference"]
    ]


def test_closed_reports_are_not_offered(municipal, api):
    made = submit(api, lat=NEAR)
    close_with_proof(municipal.inspector, made["reference"], "تم ردم الحفرة وسفلتتها")
    assert nearby(api).json()["results"] == []


def test_the_radius_is_bounded(municipal, api):
    assert nearby(api, radius=10**9).json()["radius_m"] == 1000
    assert nearby(api, radius=-5).json()["radius_m"] == 10


def test_bad_questions_get_clear_errors(municipal, api):
    assert nearby(api, category="nope").json()["code"] == "unknown_category"
    assert nearby(api, lat="x").status_code == 422
    assert nearby(api, lat=0, lon=0).json()["code"] == "outside_service_area"
    assert nearby(api, lat="inf").json()["code"] == "invalid_location"
    # Inside the kingdom but in no area (at sea off Jeddah): refused, not "nothing nearby".
    at_sea = nearby(api, lat=RED_SEA[0], lon=RED_SEA[1])
    assert at_sea.status_code == 400
    assert at_sea.json()["code"] == "outside_service_area"


def test_it_takes_a_fixed_number_of_queries(municipal, api, django_assert_num_queries: Any):
    made = [submit(api, lat=LAT + 0.0002 * i) for i in range(5)]
    # Followers and a merged duplicate change nothing in the count; the duplicate is not offered.
    assert (
        api(None)
        .post(f"/reports/{made[0]['reference']}/follow", {"contact": {"phone": "0559876543"}})
        .status_code
        == 200
    )
    services.merge_reports(
        municipal.inspector.actor, made[4]["reference"], into=made[0]["reference"]
    )
    # The category, the areas around the point, the boxed reports with what they show.
    with django_assert_num_queries(3):
        response = nearby(api, radius=500)
    assert len(response.json()["results"]) == 4
