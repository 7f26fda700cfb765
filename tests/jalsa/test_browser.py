"""Jalsa's pages pass axe-core (WCAG 2.1 A and AA) and fit 360 to 1280 px without scrolling
sideways, in Arabic and in English (the harness of tests/web/test_axe.py): the person's
sessions, a session with its form (and refused), a booking; the office's day and its publish
form (refused)."""

from __future__ import annotations

import os
from datetime import timedelta
from importlib import import_module
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone

from tests.conftest import Cast
from tests.web.test_axe import open_in, sign_in, too_wide, violations
from wasl.portal import sessions
from wasl.portal.jalsa import services

from .conftest import make_person, make_session

pytestmark = pytest.mark.django_db(transaction=True)
# Set to a folder to keep a screenshot of every page at 390 and 1366 px (to look at them).
SHOTS = os.environ.get("WASL_JALSA_SCREENSHOTS", "")


def person_cookie(person: Any, url: str) -> dict[str, str]:
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    now = int(timezone.now().timestamp())
    store[sessions.KEY] = {
        "person": str(person.public_id),
        "since": now,
        "seen": now,
        "via": "test",
        "id_token": "",
    }
    store.save()
    return {"name": settings.SESSION_COOKIE_NAME, "value": store.session_key, "url": url}


@pytest.mark.parametrize("language", ["ar", "en"])
def test_jalsa_pages_pass_axe_and_fit_small_screens(
    chromium: Any, live_server: Any, cast: Cast, language: str
) -> None:
    later = make_session(cast, capacity=4)
    today = make_session(
        cast,
        capacity=3,
        starts_at=timezone.now() + timedelta(minutes=40),
        official_ar="سمو أمير المنطقة",
        official_en="HRH the Emir",
    )
    person = make_person(0)
    booking = services.book(person, later.public_id, "طلب النظر في تعويض أرض منزوعة لمشروع الطريق")
    services.book(make_person(1), today.public_id, "نزاع على حد أرض")
    services.book(make_person(2), today.public_id, "طلب مساعدة في علاج")
    day = timezone.localdate(today.starts_at).isoformat()
    failures: dict[str, Any] = {}

    def check(page: Any, name: str) -> None:
        assert page.locator("html").get_attribute("lang") == language, name
        if found := violations(page):
            failures[name] = found
        if wide := too_wide(page):
            failures[f"{name} (width)"] = wide
        if SHOTS:
            for width in (390, 1366):
                page.set_viewport_size({"width": width, "height": 900})
                page.screenshot(
                    path=str(Path(SHOTS) / f"{name}-{language}-{width}.png"), full_page=True
                )
            page.set_viewport_size({"width": 1280, "height": 900})

    context, page = open_in(chromium, live_server, language)
    context.add_cookies(
        [
            {"name": "django_language", "value": language, "url": live_server.url},
            person_cookie(person, live_server.url),
        ]
    )
    try:
        page.goto("/portal/jalsa/")
        check(page, "sessions")
        page.goto(f"/portal/jalsa/sessions/{today.public_id}/")
        check(page, "session")
        page.locator("#book").click()
        page.wait_for_selector("#subject_error")
        check(page, "session-refused")
        page.goto(f"/portal/jalsa/bookings/{booking.public_id}/")
        check(page, "booking")
        page.goto("/portal/matters/")
        assert page.locator("#jalsa-link").count() == 1
    finally:
        context.close()

    context, page = open_in(chromium, live_server, language)
    context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    try:
        sign_in(page, "clerk")
        page.goto(f"/office/jalsa/?day={day}")
        assert page.locator(".jalsa-record").count() == 2
        check(page, "office")
        page.locator(".jalsa-publish button[type=submit]").click()
        page.wait_for_selector(".field__error")
        check(page, "office-refused")
    finally:
        context.close()
    assert not failures, failures
