"""The map, closing with proof and the public page in real Chromium, Arabic and English,
phone (390 px) and desktop (1366 px): Leaflet draws the districts and the points with no tile
server, the pages fit the width, staff upload the proof through the page; each page is
photographed (docs/screenshots/reports-*.png with WASL_SCREENSHOTS=1)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from tests.web.conftest import screenshot_path
from wasl.reports.models import Report

from .conftest import HARAM_NORTH, jpeg, report_data

FITS = "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
# Leaflet has drawn `n` shapes (those off the screen are there, with an empty outline).
DRAWN = "n => document.querySelectorAll('#report-map path.leaflet-interactive').length >= n"
WORDS = {
    "ar": {"note": "ما الذي نُفّذ", "photos": "صور الإصلاح", "close": "أغلق البلاغ"},
    "en": {"note": "What was done", "photos": "Photos of the fix", "close": "Close the report"},
}


def submit(**overrides: Any) -> str:
    response = Client().post(
        "/api/v1/reports", json.dumps(report_data(**overrides)), content_type="application/json"
    )
    assert response.status_code == 201, response.content
    reference: str = response.json()["reference"]
    return reference


def browser(chromium: Any, live_server: Any, language: str, width: int, user: Any = None) -> Any:
    context = chromium.new_context(
        base_url=live_server.url,
        locale="ar-SA" if language == "ar" else "en-GB",
        viewport={"width": width, "height": 900},
    )
    if user is not None:
        client = Client()
        client.force_login(user)
        context.add_cookies(
            [
                {
                    "name": "sessionid",
                    "value": client.cookies["sessionid"].value,
                    "url": live_server.url,
                }
            ]
        )
    return context


@pytest.mark.parametrize("language", ["ar", "en"])
@pytest.mark.parametrize("width", [390, 1366])
def test_the_map_and_closing_with_proof_in_the_browser(
    municipal, chromium, live_server, tmp_path, language, width
):
    references = [submit(), submit(lat=21.4862, lon=39.1858)]
    submit(
        category="waste", lat=HARAM_NORTH[0], lon=HARAM_NORTH[1], answers={"waste_type": "debris"}
    )
    photo = tmp_path / "fixed.jpg"
    photo.write_bytes(jpeg((1200, 900), gps=True))
    context = browser(chromium, live_server, language, width, municipal.inspector.user)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        words = WORDS[language]
        # Staff close the first report with a photo and a note, through the page.
        page.goto(f"/reports/close/{references[0]}/")
        page.get_by_label(words["note"]).fill("رُدمت الحفرة وسُفلتت وأزيلت المخلفات")
        page.get_by_label(words["photos"]).set_input_files(str(photo))
        assert page.evaluate(FITS), "the close page is wider than the screen"
        page.screenshot(
            path=screenshot_path(f"reports-close-{language}-{width}.png", tmp_path),
            full_page=True,
        )
        page.get_by_role("button", name=words["close"]).click()
        page.wait_for_url(f"**/reports/p/{references[0]}/")
        assert Report.objects.get(transaction__reference=references[0]).photos.count() == 1
        page.locator(".photos img").first.wait_for()
        assert page.evaluate(FITS), "the public page is wider than the screen"
        page.screenshot(
            path=screenshot_path(f"reports-public-{language}-{width}.png", tmp_path),
            full_page=True,
        )
        # The public map: districts and points drawn by Leaflet, no tile server.
        page.goto("/reports/map/")
        page.wait_for_function(DRAWN, arg=29 + 3)
        shapes = page.locator("#report-map path.leaflet-interactive").count()
        assert shapes == 29 + 3, shapes  # the areas, then one point per report
        assert page.locator("#report-map img.leaflet-tile").count() == 0
        assert page.evaluate(FITS), "the map page is wider than the screen"
        page.screenshot(
            path=screenshot_path(f"reports-map-{language}-{width}.png", tmp_path),
            full_page=True,
        )
        page.goto("/reports/staff/map/?status=open")
        page.wait_for_function(DRAWN, arg=29 + 1)
        assert page.locator("#report-map path.leaflet-interactive").count() == 29 + 1
        assert page.evaluate(FITS), "the staff map is wider than the screen"
        page.screenshot(
            path=screenshot_path(f"reports-staff-map-{language}-{width}.png", tmp_path),
            full_page=True,
        )
    finally:
        context.close()
    assert errors == []
