"""Already reported, in real Chromium, Arabic and English, phone (390 px) and desktop (1280 px):
the call centre is offered the open report nearby and adds the caller to it; someone with the
same problem follows a report from its public page; staff merge a duplicate. Each page passes
axe-core, fits the width, and is photographed (docs/screenshots/reports-*.png with
WASL_SCREENSHOTS=1)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.web.conftest import screenshot_path
from tests.web.test_axe import too_wide, violations
from wasl.reports.models import Report, ReportFollower

from .conftest import HISTORIC_BALAD, report_data

NEAR = HISTORIC_BALAD[0] + 0.0005
FITS = "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
WORDS = {
    "ar": {
        "lat": "خط العرض",
        "lon": "خط الطول",
        "what": "ما يبلّغ عنه المتصل",
        "size": "حجم الحفرة",
        "option": "كبيرة (أكثر من متر)",
        "phone": "جوال المتصل",
        "submit": "سجّل البلاغ",
        "offer": "سبق الإبلاغ عنه بالقرب",
        "join": "المشكلة نفسها: أضف المتصل إلى",
        "joined": "أُضيف المتصل إلى بلاغ",
        "your_phone": "رقم جوالك",
        "follow": "تابع هذا البلاغ",
        "merge": "اضممه إلى ذلك البلاغ",
        "duplicate": "أُغلق لأنه مكرر",
        "problem": "ما المشكلة؟",
        "submit_portal": "أرسل البلاغ",
        "mine": "هذه مشكلتي: تابع",
        "category": "حفرة أو هبوط في الطريق",
    },
    "en": {
        "lat": "Latitude",
        "lon": "Longitude",
        "what": "What the caller reports",
        "size": "Size of the hole",
        "option": "Large (over a metre)",
        "phone": "Caller's mobile",
        "submit": "Register the report",
        "offer": "Already reported nearby",
        "join": "Same problem: add the caller to",
        "joined": "Caller added to a report",
        "your_phone": "Your mobile",
        "follow": "Follow this report",
        "merge": "Merge into that report",
        "duplicate": "Closed as a duplicate",
        "problem": "What is the problem?",
        "submit_portal": "Submit the report",
        "mine": "This is my problem: follow",
        "category": "Pothole or road subsidence",
    },
}


def open_as(chromium: Any, live_server: Any, user: Any, language: str, width: int) -> Any:
    cookies = [{"name": "django_language", "value": language, "url": live_server.url}]
    if user is not None:
        client = Client()
        client.force_login(user)
        cookies.append(
            {
                "name": "sessionid",
                "value": client.cookies["sessionid"].value,
                "url": live_server.url,
            }
        )
    context = chromium.new_context(
        base_url=live_server.url,
        locale="ar-SA" if language == "ar" else "en-GB",
        viewport={"width": width, "height": 900},
        bypass_csp=True,  # axe is injected as a script tag
    )
    context.add_cookies(cookies)
    return context


def submit(**overrides: Any) -> str:
    response = Client().post(
        "/api/v1/reports", report_data(**overrides), content_type="application/json"
    )
    assert response.status_code == 201, response.content
    reference: str = response.json()["reference"]
    return reference


def checked(page: Any, name: str, found: dict[str, Any], tmp_path: Any, tag: str) -> None:
    assert page.evaluate(FITS), f"{name} is wider than the screen"
    page.screenshot(path=screenshot_path(f"reports-{name}-{tag}.png", tmp_path), full_page=True)
    if problems := violations(page):
        found[name] = problems


@pytest.mark.parametrize("language", ["ar", "en"])
@pytest.mark.parametrize("width", [390, 1280])
def test_already_reported_in_the_browser(
    municipal, chromium, live_server, tmp_path, language, width
):
    words, tag = WORDS[language], f"{language}-{width}"
    first = submit(lat=NEAR)
    found: dict[str, Any] = {}
    # The call centre: the open report nearby is offered before a new one is registered.
    context = open_as(chromium, live_server, municipal.cast.outsider.user, language, width)
    try:
        page = context.new_page()
        page.goto("/reports/call-centre/pothole/")
        page.get_by_label(words["lat"]).fill(str(HISTORIC_BALAD[0]))
        page.get_by_label(words["lon"]).fill(str(HISTORIC_BALAD[1]))
        page.get_by_label(words["what"]).fill("حفرة كبيرة عند باب شريف")
        page.get_by_label(words["size"]).select_option(label=words["option"])
        page.get_by_label(words["phone"]).fill("0559876543")
        page.get_by_role("button", name=words["submit"]).click()
        page.get_by_role("heading", name=words["offer"]).wait_for()
        assert Report.objects.count() == 1
        checked(page, "already-reported", found, tmp_path, tag)
        page.get_by_role("button", name=f"{words['join']} {first}").click()
        page.get_by_role("heading", name=words["joined"]).wait_for()
        assert first in page.content()
        checked(page, "caller-added", found, tmp_path, tag)
    finally:
        context.close()
    assert ReportFollower.objects.get().phone == "+966559876543"
    assert Report.objects.count() == 1

    # The public page: anyone with the same problem follows the report.
    context = open_as(chromium, live_server, None, language, width)
    try:
        page = context.new_page()
        page.goto(f"/reports/p/{first}/")
        checked(page, "follow", found, tmp_path, tag)
        page.get_by_role("button", name=words["follow"]).click()
        page.locator(".field__error").first.wait_for()
        checked(page, "follow-refused", found, tmp_path, tag)
        page.get_by_label(words["your_phone"]).fill("0561111111")
        page.get_by_role("button", name=words["follow"]).click()
        page.wait_for_url(f"**/reports/p/{first}/")
        assert page.get_by_role("button", name=words["follow"]).count() == 1
    finally:
        context.close()
    assert ReportFollower.objects.filter(phone="+966561111111").count() == 1

    # Staff merge a duplicate into the first report.
    second = submit(lat=NEAR + 0.0002)
    context = open_as(chromium, live_server, municipal.inspector.user, language, width)
    try:
        page = context.new_page()
        page.goto(f"/reports/merge/{second}/")
        checked(page, "merge", found, tmp_path, tag)
        page.locator(f"input[name=pick][value='{first}']").check()
        page.get_by_role("button", name=words["merge"]).click()
        page.get_by_role("heading", name=words["duplicate"]).wait_for()
        checked(page, "duplicate", found, tmp_path, tag)
    finally:
        context.close()
    assert Report.objects.get(transaction__reference=second).duplicate_of is not None
    if width == 390:
        context = open_as(chromium, live_server, None, language, width)
        try:
            page = context.new_page()
            page.goto(f"/reports/p/{first}/")
            if wide := too_wide(page):
                found["follow (widths)"] = wide
        finally:
            context.close()
    assert found == {}


@pytest.mark.parametrize("language", ["ar", "en"])
@pytest.mark.parametrize("width", [390, 1280])
def test_the_portal_offers_the_report_already_there(
    municipal, chromium, live_server, tmp_path, language, width
):
    words, tag = WORDS[language], f"{language}-{width}"
    first = submit(lat=NEAR)
    found: dict[str, Any] = {}
    context = open_as(chromium, live_server, None, language, width)
    try:
        page = context.new_page()
        page.goto("/reports/new/")
        checked(page, "portal-categories", found, tmp_path, tag)
        page.get_by_role("link", name=words["category"]).click()
        page.get_by_label(words["lat"]).fill(str(HISTORIC_BALAD[0]))
        page.get_by_label(words["lon"]).fill(str(HISTORIC_BALAD[1]))
        page.get_by_label(words["problem"]).fill("حفرة عميقة أمام المسجد")
        page.get_by_label(words["size"]).select_option(label=words["option"])
        page.get_by_label(words["your_phone"]).fill("0561111111")
        checked(page, "portal-report", found, tmp_path, tag)
        page.get_by_role("button", name=words["submit_portal"]).click()
        page.get_by_role("heading", name=words["offer"]).wait_for()
        assert Report.objects.count() == 1
        checked(page, "portal-already-reported", found, tmp_path, tag)
        if width == 390 and (wide := too_wide(page)):
            found["portal-already-reported (widths)"] = wide
        page.get_by_role("button", name=f"{words['mine']} {first}").click()
        page.wait_for_url(f"**/reports/p/{first}/")
        checked(page, "portal-following", found, tmp_path, tag)
    finally:
        context.close()
    assert ReportFollower.objects.get().phone == "+966561111111"
    assert Report.objects.count() == 1
    assert found == {}
