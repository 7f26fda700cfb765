"""The pages in a real browser (Chromium): charts read right to left in Arabic, the control
room rotates by itself. (tests/dashboards/screenshots.py takes the pictures.)"""

from __future__ import annotations


def sign_in(page, live_server, person):
    from django.test import Client

    client = Client()
    client.force_login(person.user)
    cookie = client.cookies["sessionid"]
    page.context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])


def test_bars_grow_from_the_right_in_arabic(cast, month, page, live_server):
    sign_in(page, live_server, cast.executive)
    page.goto("/dashboards/entity/EMK/?period=2025-11")
    track = page.locator(".bars__track").first.bounding_box()
    bar = page.locator(".bars__bar").first.bounding_box()
    assert abs((bar["x"] + bar["width"]) - (track["x"] + track["width"])) < 1
    assert bar["width"] < track["width"] or bar["width"] == track["width"]


def test_the_trend_runs_from_right_to_left(cast, month, page, live_server):
    sign_in(page, live_server, cast.executive)
    page.goto("/dashboards/entity/EMK/?period=2025-11")
    heads = page.locator(".trend tfoot th")
    first, last = heads.first.bounding_box(), heads.last.bounding_box()
    assert first["x"] > last["x"]  # the oldest month on the right


def test_the_control_room_moves_to_the_next_view_by_itself(cast, month, page, live_server):
    sign_in(page, live_server, cast.executive)
    page.goto("/dashboards/control-room/?rotate=2")
    first = page.locator(".cr__view.is-active").get_attribute("aria-labelledby")
    page.wait_for_function(
        f"document.querySelector('.cr__view.is-active').getAttribute('aria-labelledby') !== '{first}'",
        timeout=6000,
    )
    assert page.locator(".cr__dot").count() == page.locator(".cr__view").count()
