"""The pages in a real browser (Chromium): charts read right to left in Arabic, the control
room rotates by itself. (tests/dashboards/screenshots.py takes the pictures.)"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


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


def stop_the_clock(page):
    """The page's timers run on Playwright's clock, stopped: they fire only on run_for."""
    start = datetime(2025, 11, 20, 8, 0, tzinfo=UTC)
    page.clock.install(time=start)
    page.clock.pause_at(start + timedelta(seconds=1))


def active_view(page):
    return page.locator(".cr__view.is-active").get_attribute("aria-labelledby")


def test_the_control_room_rotates_through_every_view_on_its_own(cast, month, page, live_server):
    sign_in(page, live_server, cast.executive)
    stop_the_clock(page)
    page.goto("/dashboards/control-room/?rotate=20")
    count = page.locator(".cr__view").count()
    assert count >= 4 and page.locator(".cr__dot").count() == count
    seen = [active_view(page)]
    for _ in range(count - 1):
        page.clock.run_for(19_000)
        assert active_view(page) == seen[-1]  # not before its time
        page.clock.run_for(1_000)
        seen.append(active_view(page))
    assert len(set(seen)) == count
    page.clock.run_for(20_000)
    assert active_view(page) == seen[0]  # and round again


def test_the_control_room_reloads_itself_with_fresh_figures(cast, month, page, live_server):
    from tests.conftest import make_transaction

    received = page.locator('[data-measure="received"] .dash-card__value').first
    sign_in(page, live_server, cast.executive)
    stop_the_clock(page)
    page.goto("/dashboards/control-room/")
    assert received.inner_text() == "6"
    make_transaction(cast)  # new work arrives meanwhile
    page.clock.run_for(250_000)
    assert received.inner_text() == "6"
    with page.expect_navigation():
        page.clock.run_for(60_000)  # five minutes after it opened
    assert received.inner_text() == "7"


def test_the_control_room_keeps_its_figures_and_says_so_when_the_server_fails(
    cast, month, page, live_server
):
    sign_in(page, live_server, cast.executive)
    stop_the_clock(page)
    page.goto("/dashboards/control-room/")
    stale = page.locator(".cr__stale")
    assert stale.is_hidden()
    page.route("**/dashboards/control-room/**", lambda route: route.fulfill(status=502))
    page.clock.run_for(300_000)
    stale.wait_for(state="visible")
    assert page.locator('[data-measure="received"] .dash-card__value').first.inner_text() == "6"
    page.unroute("**/dashboards/control-room/**")
    with page.expect_navigation():
        page.clock.run_for(60_000)  # a minute later the server answers again
    assert page.locator(".cr__stale").is_hidden()


def test_the_control_room_goes_full_screen_in_large_type(cast, month, page, live_server):
    sign_in(page, live_server, cast.executive)
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto("/dashboards/control-room/")
    size = page.locator(".cr .dash-card__value").first.evaluate(
        "e => parseFloat(getComputedStyle(e).fontSize)"
    )
    assert size >= 80  # read from across a room
    assert page.locator(".site-header").first.is_hidden()
    page.click("[data-fullscreen]")
    page.wait_for_function("document.fullscreenElement !== null")
    page.keyboard.press("f")
    page.wait_for_function("document.fullscreenElement === null")


def test_the_pages_keep_to_their_content_security_policy(cast, month, page, live_server):
    refused = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else None)
    sign_in(page, live_server, cast.executive)
    for path in (
        "/dashboards/region/?period=2025-11",
        f"/dashboards/unit/{cast.rights.public_id}/?period=2025-11",
        "/dashboards/control-room/",
        "/dashboards/list/?scope=entity:EMK&measure=open&period=2025-11",
    ):
        response = page.goto(path)
        assert "style-src 'self'" in response.headers["content-security-policy"]
        assert page.locator(".bars__bar, .dash-table").count() > 0
    assert refused == []
