"""Field inspection in real Chromium: an inspection filled with the network switched off is
kept in the browser and sent when the connection returns; an answer lost on the way (the
connection flickers after the server has saved it) makes the browser send it again, and the
server keeps one record; the pages pass axe-core and fit a phone, in Arabic and English; each
page is photographed at 390 and 1366 px (docs/screenshots/inspections-*.png with
WASL_SCREENSHOTS=1)."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.test import Client

from tests.web.conftest import screenshot_path
from tests.web.test_axe import too_wide, violations
from wasl.inspections.models import Inspection, Visit

from .conftest import jpeg

FITS = "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
OUTBOX = """() => new Promise((resolve, reject) => {
  const open = indexedDB.open('wasl-inspections', 1);
  open.onupgradeneeded = () => open.result.createObjectStore('outbox', {keyPath: 'key'});
  open.onsuccess = () => {
    const request = open.result.transaction('outbox').objectStore('outbox').getAll();
    request.onsuccess = () => { resolve(request.result.map(e => ({key: e.key, state: e.state,
      files: e.files.length}))); open.result.close(); };
  };
  open.onerror = () => reject(open.error);
})"""
SAVED = {
    "ar": "لا يوجد اتصال: حُفظ المحضر على هذا الجهاز",
    "en": "No connection: the inspection is saved on this device",
}


def browser(chromium: Any, live_server: Any, user: Any, language: str, width: int) -> Any:
    client = Client()
    client.force_login(user)
    context = chromium.new_context(
        base_url=live_server.url,
        locale="ar-SA" if language == "ar" else "en-GB",
        viewport={"width": width, "height": 900},
        bypass_csp=True,  # axe is injected as a script tag
    )
    context.add_cookies(
        [
            {
                "name": "sessionid",
                "value": client.cookies["sessionid"].value,
                "url": live_server.url,
            },
            {"name": "django_language", "value": language, "url": live_server.url},
        ]
    )
    return context


def fill_shop_checklist(page: Any, photo: str, *, fridge: str = "4") -> None:
    for name, value in [
        ("licence", "yes"),
        ("expired_food", "yes"),
        ("cleanliness", "good"),
        ("pests", "yes"),
        ("hand_basin", "yes"),
    ]:
        page.locator(f'input[name="item-{name}"][value="{value}"]').check()
    page.locator("#item-health_certificates").fill("0")
    page.locator("#item-fridge_temperature").fill(fridge)
    page.locator("#photo-fridge_temperature").set_input_files(photo)


def wait_for(condition: Any, seconds: float = 20) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError("timed out")


@pytest.mark.parametrize("language", ["ar", "en"])
def test_an_inspection_filled_offline_is_sent_when_the_connection_returns(
    field, chromium, live_server, tmp_path, language
):
    visit = field.plan()
    photo = tmp_path / "fridge.jpg"
    photo.write_bytes(jpeg((1200, 900), gps=True))
    context = browser(chromium, live_server, field.hisham.user, language, 390)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    try:
        page.goto(f"/inspections/visit/{visit.public_id}/")
        context.set_offline(True)
        fill_shop_checklist(page, str(photo))
        page.locator("#checklist-form button[type=submit]").click()
        page.get_by_text(SAVED[language]).wait_for()
        outbox = page.evaluate(OUTBOX)
        assert len(outbox) == 1 and outbox[0]["state"] == "waiting" and outbox[0]["files"] == 1
        time.sleep(1)  # nothing reaches the server while the network is off
        assert not Inspection.objects.exists()
        page.screenshot(
            path=screenshot_path(f"inspections-offline-{language}-390.png", tmp_path),
            full_page=True,
        )
        context.set_offline(False)
        wait_for(lambda: Inspection.objects.filter(visit=visit).exists())
        page.locator(".score").wait_for()  # the page reloads with the inspection as filed
        assert page.evaluate(OUTBOX) == []
        inspection = Inspection.objects.get(visit=visit)
        assert str(inspection.idempotency_key) == outbox[0]["key"]
        assert inspection.photos.count() == 1 and inspection.score == 100
        assert Visit.objects.get(pk=visit.pk).state == "done"
    finally:
        context.close()
    assert errors == []


def test_an_answer_lost_on_the_way_is_sent_again_and_kept_once(
    field, chromium, live_server, tmp_path
):
    visit = field.plan()
    photo = tmp_path / "fridge.jpg"
    photo.write_bytes(jpeg((640, 480)))
    context = browser(chromium, live_server, field.hisham.user, "ar", 390)
    page = context.new_page()
    reached: list[int] = []
    # Chromium's own request interception, at the response stage: the request has gone out
    # whole (its photo too) and the server has answered before the test decides its fate.
    cdp = context.new_cdp_session(page)

    def flicker(event: dict[str, Any]) -> None:
        if event["request"]["method"] != "POST":
            cdp.send("Fetch.continueRequest", {"requestId": event["requestId"]})
            return
        reached.append(event["responseStatusCode"])  # the server has saved the inspection…
        if len(reached) == 1:  # …and its answer is lost on the way back
            cdp.send(
                "Fetch.failRequest",
                {"requestId": event["requestId"], "errorReason": "ConnectionReset"},
            )
        else:
            cdp.send("Fetch.continueRequest", {"requestId": event["requestId"]})

    cdp.on("Fetch.requestPaused", flicker)
    cdp.send(
        "Fetch.enable",
        {"patterns": [{"urlPattern": "*/inspections/visit/*", "requestStage": "Response"}]},
    )
    try:
        page.goto(f"/inspections/visit/{visit.public_id}/")
        fill_shop_checklist(page, str(photo), fridge="9")  # a violation: a follow-up opens
        page.locator("#checklist-form button[type=submit]").click()
        page.get_by_text(SAVED["ar"]).wait_for()
        assert reached == [201] and len(page.evaluate(OUTBOX)) == 1
        # The connection "returns": the browser sends the same inspection again.
        page.evaluate("() => window.dispatchEvent(new Event('online'))")
        page.locator(".score").wait_for()
    finally:
        context.close()
    assert reached == [201, 200]
    assert Inspection.objects.filter(visit=visit).count() == 1
    assert Visit.objects.filter(follows=visit).count() == 1


@pytest.mark.parametrize("language", ["ar", "en"])
@pytest.mark.parametrize("width", [390, 1366])
def test_the_pages_pass_axe_and_fit_the_screen(
    field, chromium, live_server, tmp_path, language, width
):
    visit = field.plan()
    field.plan(field.building, "building-site-safety")
    done = field.plan()
    photo = tmp_path / "fridge.jpg"
    photo.write_bytes(jpeg((800, 600)))
    found: dict[str, Any] = {}
    for who, path, name in [
        (field.hisham, f"/inspections/visit/{visit.public_id}/", "visit"),
        (field.supervisor, "/inspections/", "assignments"),
        (field.hisham, f"/inspections/visit/{done.public_id}/", "inspected"),
    ]:
        context = browser(chromium, live_server, who.user, language, width)
        page = context.new_page()
        try:
            page.goto(path)
            if name == "inspected":
                fill_shop_checklist(page, str(photo), fridge="8")
                page.locator("#checklist-form button[type=submit]").click()
                page.locator(".score").wait_for()
            assert page.locator("html").get_attribute("lang") == language
            assert page.evaluate(FITS), f"{name} is wider than the screen"
            page.screenshot(
                path=screenshot_path(f"inspections-{name}-{language}-{width}.png", tmp_path),
                full_page=True,
            )
            found[name] = violations(page) + (too_wide(page) if width == 390 else [])
        finally:
            context.close()
    assert found == {"visit": [], "assignments": [], "inspected": []}
