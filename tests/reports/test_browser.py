"""The call centre in real Chromium, Arabic and English, phone (390 px) and desktop (1366 px):
the pages fit the width, a call is taken end to end, and each page is photographed
(docs/screenshots/reports-*.png with WASL_SCREENSHOTS=1)."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.web.conftest import screenshot_path
from wasl.reports.models import Report

from .conftest import HISTORIC_BALAD

LABELS = {
    "ar": {
        "lat": "خط العرض",
        "lon": "خط الطول",
        "what": "ما يبلّغ عنه المتصل",
        "size": "حجم الحفرة",
        "submit": "سجّل البلاغ",
        "done": "سُجّل البلاغ",
        "category": "حفرة أو هبوط في الطريق",
        "option": "كبيرة (أكثر من متر)",
        "name": "اسم المتصل",
    },
    "en": {
        "lat": "Latitude",
        "lon": "Longitude",
        "what": "What the caller reports",
        "size": "Size of the hole",
        "submit": "Register the report",
        "done": "Report registered",
        "category": "Pothole or road subsidence",
        "option": "Large (over a metre)",
        "name": "Caller's name",
    },
}


@pytest.mark.parametrize("language", ["ar", "en"])
@pytest.mark.parametrize("width", [390, 1366])
def test_an_agent_takes_a_call_in_the_browser(
    municipal, chromium, live_server, tmp_path, language, width
):
    client = Client()
    client.force_login(municipal.cast.outsider.user)
    context = chromium.new_context(
        base_url=live_server.url,
        locale="ar-SA" if language == "ar" else "en-GB",
        viewport={"width": width, "height": 900},
    )
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page = context.new_page()
    try:
        words = LABELS[language]
        page.goto("/reports/call-centre/")
        assert page.locator("html").get_attribute("dir") == ("rtl" if language == "ar" else "ltr")
        fits = "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
        assert page.evaluate(fits), "the category page is wider than the screen"
        page.screenshot(
            path=screenshot_path(f"reports-categories-{language}-{width}.png", tmp_path),
            full_page=True,
        )
        page.get_by_role("link", name=words["category"]).click()
        page.get_by_label(words["lat"]).fill(str(HISTORIC_BALAD[0]))
        page.get_by_label(words["lon"]).fill(str(HISTORIC_BALAD[1]))
        page.get_by_label(words["what"]).fill("حفرة كبيرة عند باب شريف")
        page.get_by_label(words["size"]).select_option(label=words["option"])
        page.get_by_label(words["name"]).fill("سعيد باخشب")
        assert page.evaluate(fits), "the call form is wider than the screen"
        page.screenshot(
            path=screenshot_path(f"reports-call-{language}-{width}.png", tmp_path), full_page=True
        )
        page.get_by_role("button", name=words["submit"]).click()
        page.get_by_role("heading", name=words["done"]).wait_for()
        reference = Report.objects.get().transaction.reference
        assert reference in page.content()
        assert page.evaluate(fits), "the confirmation is wider than the screen"
        page.screenshot(
            path=screenshot_path(f"reports-taken-{language}-{width}.png", tmp_path), full_page=True
        )
    finally:
        context.close()
