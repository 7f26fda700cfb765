"""Tawasul installable on a phone: the web app manifest and its icons, the service worker that
keeps the app shell and shows the offline notice in the person's language, never a person's
own page (screenshots of the notice at 390 and 1280 px under docs/screenshots when
WASL_SCREENSHOTS is set)."""

from __future__ import annotations

import json
import re
import struct
import time
from typing import Any

import pytest
from django.test import Client

from tests.web.conftest import screenshot_path
from tests.web.test_axe import too_wide, violations
from wasl.portal.eservices import services
from wasl.portal.eservices.models import Application

from .conftest import CITIZEN, browser_in
from .eservice_fixtures import WAIVER, services_file
from .test_eservices_browser import WORDS, sign_in_at_provider

SIZES = {"390": {"width": 390, "height": 844}, "1280": {"width": 1280, "height": 900}}
NOTICE = {"ar": "لا يوجد اتصال", "en": "No connection"}
CACHED = """async () => {
  const out = [];
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    for (const request of await cache.keys()) { out.push(new URL(request.url).pathname); }
  }
  return out;
}"""


def png_size(body: bytes) -> tuple[int, int]:
    """Width and height from a PNG's header (its IHDR chunk comes first)."""
    assert body[:8] == b"\x89PNG\r\n\x1a\n" and body[12:16] == b"IHDR", body[:16]
    width, height = struct.unpack(">II", body[16:24])
    return width, height


def test_the_manifest_makes_the_portal_an_arabic_app_with_its_icons(client: Client) -> None:
    response = client.get("/portal/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/manifest+json")
    manifest = json.loads(response.content)
    assert manifest["lang"] == "ar" and manifest["dir"] == "rtl"
    assert manifest["name"] == "تواصل — معاملاتك مع الإمارة"
    assert manifest["short_name"] == "تواصل"
    assert manifest["start_url"] == manifest["scope"] == "/portal/"
    assert manifest["display"] == "standalone"
    assert re.fullmatch(r"#[0-9a-f]{6}", manifest["theme_color"])
    assert re.fullmatch(r"#[0-9a-f]{6}", manifest["background_color"])
    # The theme colour is the portal's green, the one the pages' <meta> names.
    page = client.get("/portal/").content.decode()
    assert f'<meta name="theme-color" content="{manifest["theme_color"]}">' in page
    assert '<link rel="manifest" href="/portal/manifest.webmanifest">' in page
    assert 'rel="apple-touch-icon"' in page
    purposes = set()
    for icon in manifest["icons"]:
        body = b"".join(client.get(icon["src"]).streaming_content)
        width, height = png_size(body)
        assert icon["sizes"] == f"{width}x{height}", icon
        assert icon["type"] == "image/png"
        purposes.add((width, icon["purpose"]))
    assert {(192, "any"), (512, "any"), (512, "maskable")} <= purposes


def test_the_service_worker_is_served_under_the_portal_uncached(client: Client) -> None:
    response = client.get("/portal/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Cache-Control"] == "no-cache"
    assert "Service-Worker-Allowed" not in response  # its scope is its own folder
    shell = json.loads(re.search(r"var SHELL = (\{.*\});", response.content.decode())[1])
    assert shell["offline"] == {"ar": "/portal/offline/ar/", "en": "/portal/offline/en/"}
    assert all(url.startswith("/static/") for url in shell["urls"]), shell["urls"]


@pytest.mark.parametrize(("language", "heading"), NOTICE.items())
def test_the_offline_notice_is_in_each_language_without_a_session(
    client: Client, language: str, heading: str
) -> None:
    response = client.get(f"/portal/offline/{language}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert f'<html lang="{language}"' in page and heading in page
    assert "csrfmiddlewaretoken" not in page and "Set-Cookie" not in response
    assert client.get("/portal/offline/fr/").status_code == 404


pytestmark_browser = pytest.mark.django_db(transaction=True)


def wait_until(page: Any, script: str, arg: Any = None) -> None:
    """Poll `script` in the page until it is true (Playwright's wait_for_function evaluates
    a string, which the portal's CSP refuses)."""
    deadline = time.monotonic() + 15
    while not page.evaluate(script, arg):
        assert time.monotonic() < deadline, script
        time.sleep(0.1)


def install(page: Any) -> None:
    """Wait until the service worker controls the page and knows the page's language."""
    wait_until(page, "() => navigator.serviceWorker.controller !== null")
    language = page.locator("html").get_attribute("lang")
    wait_until(
        page,
        """async (language) => {
          const cache = await caches.open("wasl-portal-prefs");
          const saved = await cache.match("/portal/offline/language");
          return !!saved && (await saved.text()) === language;
        }""",
        language,
    )


@pytestmark_browser
@pytest.mark.parametrize("language", ["ar", "en"])
def test_offline_a_page_shows_the_notice_and_never_a_kept_personal_page(
    chromium: Any, live_server: Any, matters: dict[str, Any], language: str, tmp_path: Any
) -> None:
    mine = matters["mine"].subject
    for size, viewport in SIZES.items():
        # At 390 px under the portal's own CSP (the worker, manifest and icons it allows);
        # at 1280 px axe-core is injected, which the CSP would refuse.
        context, page = browser_in(chromium, live_server, language, viewport, axe=size == "1280")
        try:
            sign_in_at_provider(page, CITIZEN)
            install(page)
            assert mine in page.content()
            kept = page.evaluate(CACHED)
            assert f"/portal/offline/{language}/" in kept
            assert all(p.startswith(("/static/", "/portal/offline/")) for p in kept), (
                kept
            )  # the shell and the language chosen, nothing of the person's
            context.set_offline(True)
            page.goto("/portal/matters/")
            assert page.locator("#offline h1").inner_text() == NOTICE[language]
            assert page.locator("html").get_attribute("lang") == language
            assert mine not in page.content()
            # The shell's styles came from the cache: the notice is laid out, not bare.
            assert page.evaluate(
                "getComputedStyle(document.querySelector('.card')).borderRadius"
            ) not in ("", "0px")
            page.goto("/portal/services/")
            assert page.locator("#offline h1").inner_text() == NOTICE[language]
            page.screenshot(
                path=screenshot_path(f"portal-offline-{language}-{size}.png", tmp_path),
                full_page=True,
            )
            if size == "1280":
                assert not violations(page)
                assert not too_wide(page)
            context.set_offline(False)
            page.goto("/portal/matters/")
            assert mine in page.content()  # online again: the page itself, from the server
        finally:
            context.close()


@pytestmark_browser
def test_an_answer_sent_offline_shows_the_notice_and_is_neither_kept_nor_saved(
    chromium: Any, live_server: Any, cast: Any
) -> None:
    services.import_services(services_file(WAIVER), by="test")
    context, page = browser_in(chromium, live_server, "ar", SIZES["390"], axe=False)
    try:
        sign_in_at_provider(page, CITIZEN)
        install(page)
        page.goto("/portal/services/test-waiver/")
        page.get_by_role("button", name=WORDS["ar"]["start"]).click()
        page.wait_for_url(re.compile(r"/step/1/$"))
        page.locator("#f_summary").fill("قضية دهس")
        context.set_offline(True)
        page.get_by_role("button", name=WORDS["ar"]["next"], exact=True).click()
        page.wait_for_selector("#offline")
        assert page.locator("#offline h1").inner_text() == NOTICE["ar"]
        kept = page.evaluate(CACHED)
        assert all(p.startswith(("/static/", "/portal/offline/")) for p in kept), kept
        assert Application.objects.get().answers == {}  # nothing reached the server
    finally:
        context.close()
