"""An e-service in Chromium: the rules show and require fields as the person answers (the
vendored json-logic-js), a file is uploaded, the application is submitted and its reference
shown; every e-service page passes axe-core and fits a phone, in Arabic and English
(screenshots at 390 and 1366 px under docs/screenshots when WASL_SCREENSHOTS is set)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.web.conftest import screenshot_path
from tests.web.test_axe import open_in, too_wide, violations
from wasl.portal.eservices import services
from wasl.registry.models import Transaction

from .conftest import CITIZEN, CITIZEN_2, RESIDENT
from .eservice_fixtures import PDF, WAIVER, services_file

pytestmark = pytest.mark.django_db(transaction=True)
SIZES = {"390": {"width": 390, "height": 844}, "1366": {"width": 1366, "height": 900}}
WORDS = {
    "ar": {
        "start": "ابدأ الطلب",
        "next": "التالي",
        "review": "راجع إجاباتك",
        "submit": "قدّم الطلب",
    },
    "en": {
        "start": "Start the application",
        "next": "Next",
        "review": "Review your answers",
        "submit": "Submit the application",
    },
}


@pytest.fixture
def waiver(cast: Any) -> None:
    services.import_services(services_file(WAIVER), by="test")
    services.load_demo_services()


def sign_in_at_provider(page: Any, who: Any) -> None:
    page.goto("/portal/signin/")
    page.get_by_role("button", name=who.subject).click()
    page.wait_for_url(re.compile(r"/portal/matters/$"))


def shoot(page: Any, name: str, tmp_path: Any) -> None:
    page.screenshot(path=screenshot_path(name, tmp_path), full_page=True)
    overflow = page.evaluate(
        "document.documentElement.scrollWidth > document.documentElement.clientWidth"
    )
    assert not overflow, f"{name}: the page scrolls sideways"


def apply_in_browser(page: Any, lang: str, shots: Any = None) -> str:
    """Through the test service as a person: the reference number shown at the end."""
    words = WORDS[lang]
    page.goto("/portal/services/")
    if shots:
        shots("catalogue")
    page.goto("/portal/services/test-waiver/")
    if shots:
        shots("service")
    page.get_by_role("button", name=words["start"]).click()
    page.wait_for_url(re.compile(r"/step/1/$"))
    # The rule: "other" shows the field that names the case, and requires it.
    assert page.locator("#f_case_other").is_hidden()
    page.locator("#f_summary").fill("قضية دهس")
    page.locator("input[name=f_case_type][value=other]").check()
    assert page.locator("#f_case_other").is_visible()
    page.locator("#f_other_party").fill(CITIZEN_2.id_number)
    page.locator("#f_happened_on").fill("1499/01/01")
    page.get_by_role("button", name=words["next"], exact=True).click()
    page.wait_for_selector("#f_happened_on_error")
    assert page.locator("#f_case_other_error").is_visible()  # required by the rule, on the server
    if shots:
        shots("step-errors")
    page.locator("#f_case_other").fill("مطالبة مالية")
    page.locator("#f_happened_on").fill("1445/01/10")
    page.get_by_role("button", name=words["next"], exact=True).click()
    page.wait_for_url(re.compile(r"/step/2/$"))
    page.locator("#f_deed").set_input_files(
        {"name": "تنازل.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    page.locator("#f_phone").fill("0501234567")
    if shots:
        shots("step-2")
    page.get_by_role("button", name=words["review"]).click()
    page.wait_for_url(re.compile(r"/review/$"))
    if shots:
        shots("review")
    page.get_by_role("button", name=words["submit"]).click()
    page.wait_for_selector("#reference")
    if shots:
        shots("submitted")
    return str(page.locator("#reference").inner_text()).strip()


def test_a_citizen_applies_in_the_browser_and_follows_it_on_my_matters(
    chromium: Any, live_server: Any, waiver: None
) -> None:
    context = chromium.new_context(base_url=live_server.url, locale="ar-SA")
    page = context.new_page()
    try:
        sign_in_at_provider(page, CITIZEN)
        reference = apply_in_browser(page, "ar")
        receipt = page.request.get(page.locator("#receipt").get_attribute("href"))
        assert receipt.ok and receipt.body().startswith(b"%PDF")
        txn = Transaction.objects.get(reference=reference)
        assert txn.party_id_number == CITIZEN.id_number
        assert "نوع القضية الأخرى: مطالبة مالية" in txn.body
        page.goto("/portal/matters/")
        assert reference in page.content()
    finally:
        context.close()


@pytest.mark.parametrize("language", ["ar", "en"])
def test_every_eservice_page_passes_axe(
    chromium: Any, live_server: Any, waiver: None, language: str
) -> None:
    context, page = open_in(chromium, live_server, language)
    context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    failures: dict[str, Any] = {}

    def check(name: str) -> None:
        assert page.locator("html").get_attribute("lang") == language, name
        if found := violations(page):
            failures[name] = found
        if wide := too_wide(page):
            failures[f"{name} (width)"] = wide

    try:
        sign_in_at_provider(page, CITIZEN)
        apply_in_browser(page, language, shots=check)
        page.goto("/portal/services/emir-audience/")
        check("a demo service")
        page.goto("/portal/signin/")
        context.clear_cookies()
        context.add_cookies(
            [{"name": "django_language", "value": language, "url": live_server.url}]
        )
        sign_in_at_provider(page, RESIDENT)
        page.goto("/portal/services/test-waiver/")
        check("not for residents")
    finally:
        context.close()
    assert not failures, failures


def test_every_eservice_page_in_both_languages_and_widths(
    chromium: Any, live_server: Any, waiver: None, tmp_path: Any
) -> None:
    for lang in ("ar", "en"):
        for size in SIZES:
            context = chromium.new_context(
                base_url=live_server.url, locale=f"{lang}-SA", viewport=SIZES[size]
            )
            context.add_cookies(
                [{"name": "django_language", "value": lang, "url": live_server.url}]
            )
            page = context.new_page()
            try:
                sign_in_at_provider(page, CITIZEN)

                def shots(name: str, page: Any = page, lang: str = lang, size: str = size) -> None:
                    shoot(page, f"portal-eservice-{name}-{lang}-{size}.png", tmp_path)

                apply_in_browser(page, lang, shots=shots)
            finally:
                context.close()
