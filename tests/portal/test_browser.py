"""The whole sign-in in Chromium through the provider process, and every portal page drawn in
Arabic and English at a phone's and a desktop's width (screenshots under docs/screenshots when
WASL_SCREENSHOTS is set)."""

from __future__ import annotations

import re
from typing import Any

from tests.web.conftest import screenshot_path
from wasl.portal.people import DEMO_PEOPLE
from wasl.registry import services as registry

from .conftest import CITIZEN
from .test_matters import PDF

SIZES = {"390": {"width": 390, "height": 844}, "1366": {"width": 1366, "height": 900}}


def test_a_citizen_signs_in_at_the_provider_follows_their_matters_and_signs_out(
    chromium: Any, live_server: Any, matters: dict[str, Any], tmp_path: Any
) -> None:
    context = chromium.new_context(base_url=live_server.url, locale="ar-SA")
    page = context.new_page()
    try:
        page.goto("/portal/")
        page.get_by_role("link", name="الدخول عبر النفاذ الوطني الموحد").click()
        # At the provider: the demo people are one click away.
        page.get_by_role("button", name=CITIZEN.subject).click()
        page.wait_for_url(re.compile(r"/portal/matters/$"))
        assert page.get_by_role("heading", name="معاملاتي").is_visible()
        text = page.content()
        assert matters["mine"].reference in text and matters["elsewhere"].reference in text
        assert matters["other"].reference not in text
        # Staff pages do not know this person.
        page.goto("/inbox/")
        assert "/signin/" in page.url
        page.goto("/portal/matters/")
        page.get_by_role("button", name="تسجيل الخروج").first.click()
        # The provider's end_session, then back to the portal, signed out.
        page.get_by_role("button", name="End session").click()
        page.wait_for_url(re.compile(r"/portal/(\?state=[^&]+)?$"))
        assert page.get_by_text("سجّلت الخروج").is_visible()
        page.goto("/portal/matters/")
        page.wait_for_url(re.compile(r"/portal/$"))
    finally:
        context.close()


def test_a_refused_sign_in_reads_plainly_in_the_browser(
    chromium: Any, live_server: Any, db: Any
) -> None:
    context = chromium.new_context(base_url=live_server.url, locale="ar-SA")
    page = context.new_page()
    try:
        page.goto("/portal/signin/callback/?code=forged&state=forged")
        alert = page.get_by_role("alert")
        assert "تعذّر إكمال تسجيل الدخول" in alert.inner_text()
        assert "Signing in could not be completed" in alert.inner_text()
    finally:
        context.close()


def shoot(page: Any, name: str, tmp_path: Any) -> None:
    page.screenshot(path=screenshot_path(name, tmp_path), full_page=True)
    overflow = page.evaluate(
        "document.documentElement.scrollWidth > document.documentElement.clientWidth"
    )
    assert not overflow, f"{name}: the page scrolls sideways"


def test_every_portal_page_in_both_languages_and_widths(
    chromium: Any, live_server: Any, cast: Any, matters: dict[str, Any], tmp_path: Any
) -> None:
    registry.add_attachment(
        cast.clerk.actor, matters["mine"].public_id, chunks=[PDF], filename="صك-الملكية.pdf"
    )
    runs = [(lang, size) for lang in ("ar", "en") for size in SIZES]
    # Each run asks a code for another demo person (three codes per person and five minutes).
    for (lang, size), texted in zip(runs, DEMO_PEOPLE, strict=True):
        context = chromium.new_context(
            base_url=live_server.url, locale=f"{lang}-SA", viewport=SIZES[size]
        )
        context.add_cookies([{"name": "django_language", "value": lang, "url": live_server.url}])
        page = context.new_page()
        try:
            page.goto("/portal/")
            shoot(page, f"portal-signin-{lang}-{size}.png", tmp_path)
            page.goto("/portal/signin/callback/?state=forged")
            shoot(page, f"portal-refused-{lang}-{size}.png", tmp_path)
            page.goto("/portal/signin/code/")
            page.locator("#id_number").fill(texted.id_number)
            page.locator("main button[type=submit]").last.click()
            page.wait_for_selector("#code")
            shoot(page, f"portal-code-{lang}-{size}.png", tmp_path)
            page.goto("/portal/demo-phone/")
            shoot(page, f"portal-demo-phone-{lang}-{size}.png", tmp_path)
            page.goto("/portal/signin/")
            page.get_by_role("button", name=CITIZEN.subject).click()
            page.wait_for_url(re.compile(r"/portal/matters/$"))
            assert matters["mine"].reference in page.content()
            shoot(page, f"portal-matters-{lang}-{size}.png", tmp_path)
        finally:
            context.close()
