"""GET /api/v1/measures and /api/v1/reminders."""

from __future__ import annotations

from datetime import date

from wasl.dashboards import followup


def test_the_measures_of_a_month_come_as_json(cast, month, api, clock):
    response = api(cast.executive).get("/measures", scope="entity:EMK", period="2025-11")
    assert response.status_code == 200
    body = response.json()
    t = body["transactions"]
    assert (t["received"], t["completed"], t["in_progress"], t["overdue"]) == (6, 3, 2, 1)
    assert (t["completion_days_median"], t["completion_days_p90"]) == (4, 5)
    assert t["on_time_rate"] == round(2 / 3, 4)
    assert body["period"]["from_hijri"] == "1447/05/10هـ"
    assert body["referrals"]["received"] == 4
    assert {u["name_en"] for u in body["units"]} >= {"Rights", "Administrative Communications"}


def test_the_region_lists_entities_and_governorates(cast, month, api):
    body = api(cast.executive).get("/measures", scope="region", period="1447-05").json()
    assert body["scope"]["kind"] == "region"
    assert body["entities"][0]["scope"] == "entity:EMK"
    assert body["governorates"][0]["name_en"] == "Region-wide"
    assert body["referrals"] is None


def test_a_range_that_ends_before_it_starts_is_refused(cast, api):
    response = api(cast.executive).get(
        "/measures", scope="region", **{"from": "2025-11-10", "to": "2025-11-01"}
    )
    assert response.status_code == 400
    assert response.json()["code"] == "period_reversed"


def test_a_hundred_years_is_refused_quickly(cast, api):
    response = api(cast.executive).get(
        "/measures", scope="region", **{"from": "1950-01-01", "to": "2050-01-01"}
    )
    assert response.status_code == 400
    assert response.json()["code"] == "period_too_long"


def test_bad_months_and_dates_are_clear_errors(cast, api):
    for params in (
        {"period": "2025-13"},
        {"period": "x"},
        {"period": "1447-00"},
        {"from": "2025-02-30", "to": "2025-03-01"},
        {"from": "2025-01-01"},
    ):
        response = api(cast.executive).get("/measures", scope="region", **params)
        assert response.status_code == 400, params
        assert response.json()["message_ar"]


def test_scopes_one_may_not_see_look_missing(cast, api):
    for person, scope in (
        (cast.outsider, "entity:EMK"),
        (cast.clerk, "region"),
        (cast.clerk, "entity:EMK"),
        (cast.rights_clerk, f"unit:{cast.registry.public_id}"),
        (cast.clerk, f"person:{cast.head.username}"),
        (cast.executive, "entity:NOPE"),
        (cast.executive, "unit:not-a-uuid"),
        (cast.executive, "planet:mars"),
    ):
        response = api(person).get("/measures", scope=scope)
        assert response.status_code == 404, (person.username, scope)
        assert response.json()["code"] == "scope_not_found"


def test_an_entity_executive_sees_the_entity_but_not_the_region(cast, api):
    from wasl.directory import services as directory

    directory.grant(cast.outsider.user, cast.amanah_registry, "executive")
    assert api(cast.outsider).get("/measures", scope="entity:AMN-JED").status_code == 200
    assert api(cast.outsider).get("/measures", scope="region").status_code == 404


def test_without_a_token_the_measures_are_refused(cast, api):
    assert api(None).get("/measures").status_code == 401


def test_reminders_come_to_their_holders(cast, month, api):
    followup.run(date(2025, 11, 20))  # T5's referrals are due on Sunday the 23rd
    body = api(cast.rights_clerk).get("/reminders").json()
    assert [r["kind"] for r in body["reminders"]] == ["due_soon"]
    assert body["reminders"][0]["transaction"]["reference"] == month.t5.reference
    assert api(cast.outsider).get("/reminders").json() == {"reminders": []}
