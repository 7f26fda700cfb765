"""Every portal page passes axe-core (WCAG 2.1 A and AA) and fits 360 to 1280 px, in Arabic
and in English (the harness of tests/web/test_axe.py)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.web.test_axe import open_in, too_wide, violations

from .conftest import CITIZEN, RESIDENT

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("language", ["ar", "en"])
def test_every_portal_page_passes_axe(
    chromium: Any, live_server: Any, matters: dict[str, Any], language: str
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
        page.goto("/portal/")
        check("sign-in")
        page.goto("/portal/signin/callback/?state=forged")
        check("refused")
        page.goto("/portal/signin/code/")
        check("code: ID")
        page.locator("#id_number").fill("1234567890")
        page.locator("main button[type=submit]").last.click()
        page.wait_for_selector("#id_number_error")
        check("code: ID refused")
        page.locator("#id_number").fill(
            RESIDENT.id_number if language == "ar" else CITIZEN.id_number
        )
        page.locator("main button[type=submit]").last.click()
        page.wait_for_selector("#code")
        check("code: code")
        page.locator("#code").fill("000000")
        page.locator("main button[type=submit]").last.click()
        page.wait_for_selector("#code_error")
        check("code: code refused")
        page.goto("/portal/demo-phone/")
        check("demo phone")
        page.goto("/portal/signin/")
        page.get_by_role("button", name=CITIZEN.subject).click()
        page.wait_for_url(re.compile(r"/portal/matters/$"))
        check("my matters")
    finally:
        context.close()
    assert not failures, failures
