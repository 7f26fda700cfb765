"""Bad input: clear errors or bounded work, never a 500 (pages, lists, exports, API)."""

from __future__ import annotations

from urllib.parse import parse_qsl

import pytest

from .test_pages import signed_in

PERIODS = [
    "period=0000-01",
    "period=0001-01",
    "period=1599-12",
    "period=1600-01",
    "period=9999-12",
    "period=1-1",
    "period=2025-1-1",
    "period=%D9%A1%D9%A4%D9%A4%D9%A7-%D9%A0%D9%A5",  # ١٤٤٧-٠٥, Arabic digits: fine
    "period=" + "9" * 40,
    "from=0001-01-01&to=0001-01-05",
    "from=9999-12-25&to=9999-12-31",
    "from=1300/01/01%D9%87%D9%80&to=1300/01/05%D9%87%D9%80",
    "from=2025-11-01&to=",
    "from=&to=2025-11-01",
    "from=2025-11-10&to=2025-11-01",
    "from=1925-01-01&to=2025-01-01",
    "from=tomorrow&to=yesterday",
    "from=2025-02-29&to=2025-03-01",
]


@pytest.mark.parametrize("query", PERIODS)
def test_no_period_is_a_server_error(cast, api, query):
    client = signed_in(cast.executive)
    for path in (
        "/dashboards/region/",
        "/dashboards/entity/EMK/",
        "/dashboards/list/?scope=entity:EMK&measure=open&",
        "/dashboards/export.xlsx?scope=entity:EMK&",
        "/dashboards/control-room/",
    ):
        url = f"{path}{'' if path.endswith('&') else '?'}{query}"
        status = client.get(url).status_code
        assert status in (200, 400), (url, status)
    params = dict(parse_qsl(query, keep_blank_values=True))
    response = api(cast.executive).get("/measures", scope="entity:EMK", **params)
    assert response.status_code in (200, 400, 422), (query, response.status_code)


def test_unknown_and_malformed_scopes_are_404(cast, api):
    client = signed_in(cast.executive)
    for scope in (
        "",
        "region:x",
        "entity:",
        "unit:",
        "person:",
        "person:nobody",
        "unit:00000000-0000-0000-0000-000000000000",
        "entity:" + "X" * 5000,
        "%00",
    ):
        assert client.get(f"/dashboards/list/?scope={scope}&measure=open").status_code == 404
        assert client.get(f"/dashboards/export.pdf?scope={scope}").status_code == 404
        if scope:  # an empty one is "my widest scope"
            assert client.get(f"/dashboards/control-room/?scope={scope}").status_code == 404
        response = api(cast.executive).get("/measures", scope=scope)
        assert response.status_code in (404, 422), scope


def test_odd_list_and_control_room_parameters_are_bounded(cast, month):
    client = signed_in(cast.executive)
    base = "/dashboards/list/?scope=entity:EMK&measure=open&period=2025-11"
    assert client.get(base + "&page=99999999").status_code == 200
    assert client.get(base + "&page=-3").status_code == 200
    assert client.get(base + "&item=x").status_code == 404
    assert client.get(base + "&governorate=GOV-JED").status_code == 404  # not the region
    for rotate in ("-5", "0", "99999", "abc"):
        html = client.get(f"/dashboards/control-room/?rotate={rotate}").content.decode()
        seconds = int(html.split('data-rotate="')[1].split('"')[0])
        assert 2 <= seconds <= 300
