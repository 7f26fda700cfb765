"""Errors next to the field that caused them, in Chromium: what the browser lets through and
the server refuses — a file of the wrong type, an application submitted with answers the
rules require missing — comes back beside its field (aria-invalid, aria-describedby), in an
error summary at the top that links to the fields (GOV.UK's pattern), in the person's
language, with what they typed kept; the page passes axe-core (screenshots at 390 and 1280 px
under docs/screenshots when WASL_SCREENSHOTS is set)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.web.test_axe import too_wide, violations
from wasl.portal.eservices import services
from wasl.registry.models import Transaction

from .conftest import CITIZEN, CITIZEN_2, browser_in
from .eservice_fixtures import PNG, WAIVER, services_file
from .test_eservices_browser import WORDS, shoot, sign_in_at_provider

pytestmark = pytest.mark.django_db(transaction=True)
SIZES = {"390": {"width": 390, "height": 844}, "1280": {"width": 1280, "height": 900}}
TEXTS = {
    "ar": {
        "problem": "توجد مشكلة",
        "error": "خطأ:",
        "save": "احفظ وأكمل لاحقًا",
        "wrong_type": "نوع الملف غير مقبول هنا",
        "required": "«نوع القضية» مطلوب.",
    },
    "en": {
        "problem": "There is a problem",
        "error": "Error:",
        "save": "Save and finish later",
        "wrong_type": "not accepted here",
        "required": "Kind of case is required.",
    },
}


@pytest.fixture
def waiver(cast: Any) -> None:
    services.import_services(services_file(WAIVER), by="test")


def beside(page: Any, key: str) -> str:
    """The error shown beside the field `key`, after checking the field points to it."""
    error = page.locator(f"#f_{key}_error")
    assert error.is_visible()
    field = page.locator(f"#f_{key}")
    assert f"f_{key}_error" in (field.get_attribute("aria-describedby") or "").split()
    if field.evaluate("el => el.tagName") != "FIELDSET":
        assert field.get_attribute("aria-invalid") == "true"
    return str(error.inner_text())


def summary_links(page: Any) -> list[str]:
    return [str(a.get_attribute("href")) for a in page.locator("#step-errors a").element_handles()]


def check_page(
    page: Any, words: dict[str, str], failures: dict[str, Any], name: str, viewport: Any
) -> None:
    assert page.locator("#step-errors h2").inner_text() == words["problem"]
    assert page.evaluate("document.activeElement.id") == "step-errors"
    assert page.title().startswith(words["error"])
    if found := violations(page):
        failures[name] = found
    if wide := too_wide(page):
        failures[f"{name} (width)"] = wide
    page.set_viewport_size(viewport)  # too_wide leaves the page at 1280 px


@pytest.mark.parametrize("language", ["ar", "en"])
def test_errors_the_server_finds_show_beside_their_fields(
    chromium: Any,
    live_server: Any,
    waiver: None,
    language: str,
    tmp_path: Any,
) -> None:
    words, texts = WORDS[language], TEXTS[language]
    failures: dict[str, Any] = {}
    # One person per width: each starts an application of their own.
    for (size, viewport), (person, other) in zip(
        SIZES.items(), [(CITIZEN, CITIZEN_2), (CITIZEN_2, CITIZEN)], strict=True
    ):
        context, page = browser_in(chromium, live_server, language, viewport)
        try:
            sign_in_at_provider(page, person)
            page.goto("/portal/services/test-waiver/")
            page.get_by_role("button", name=words["start"]).click()
            page.wait_for_url(re.compile(r"/step/1/$"))
            step_1 = page.url
            # Submitted before the rules' required answers are there: "Save and finish
            # later" keeps a half-filled step, and the review page's "Submit" is pressed.
            page.locator("#f_summary").fill("قضية دهس")
            page.get_by_role("button", name=texts["save"]).click()
            page.wait_for_url(re.compile(r"/services/$"))
            page.goto(step_1.replace("/step/1/", "/review/"))
            page.get_by_role("button", name=words["submit"]).click()
            page.wait_for_selector("#step-errors")
            assert texts["required"] in beside(page, "case_type")
            beside(page, "other_party")
            assert {"#f_case_type", "#f_other_party"} <= set(summary_links(page))
            assert page.locator("#f_summary").input_value() == "قضية دهس"  # kept
            assert not Transaction.objects.exists()
            shoot(page, f"portal-eservice-submit-errors-{language}-{size}.png", tmp_path)
            check_page(page, texts, failures, f"submission refused {size}", viewport)
            # The summary's link puts the cursor in the field; the form goes on from here.
            page.locator("#step-errors a[href='#f_other_party']").click()
            assert page.evaluate("document.activeElement.id") == "f_other_party"
            page.locator("input[name=f_case_type][value=traffic]").check()
            page.locator("#f_other_party").fill(other.id_number)
            page.get_by_role("button", name=words["next"], exact=True).click()
            page.wait_for_url(re.compile(r"/step/2/$"))
            # A file the page's `accept` would not offer, sent anyway: refused beside it,
            # the phone number typed kept.
            page.locator("#f_deed").set_input_files(
                {"name": "صورة.png", "mimeType": "image/png", "buffer": PNG}
            )
            page.locator("#f_phone").fill("0501234567")
            page.get_by_role("button", name=words["review"]).click()
            page.wait_for_selector("#f_deed_error")
            assert texts["wrong_type"] in beside(page, "deed")
            assert summary_links(page) == ["#f_deed"]
            assert page.locator("#f_phone").input_value() == "0501234567"
            shoot(page, f"portal-eservice-file-error-{language}-{size}.png", tmp_path)
            check_page(page, texts, failures, f"file refused {size}", viewport)
        finally:
            context.close()
    assert not failures, failures
