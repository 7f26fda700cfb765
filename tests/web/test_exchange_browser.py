"""A letter through Wasl in real headless Chromium: the Emirate's clerk sends it from the
page, the worker's pass delivers it, the Amanah's clerk finds it waiting in the inbox and
reads it with the sender's reference. Screenshots of every exchange page, Arabic and
English, 390 and 1366 px wide (WASL_SCREENSHOTS=1 keeps them in docs/screenshots)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.exchange import conftest as exchange_fixtures
from tests.exchange.conftest import move
from tests.web.conftest import screenshot_path
from tests.web.test_browser import sign_in
from wasl.exchange.models import IncomingMessage, OutgoingMessage

pytestmark = pytest.mark.django_db(transaction=True)

net = exchange_fixtures.net
WIDTHS = (390, 1366)


def shoot(page: Any, name: str, tmp_path: Any) -> None:
    """The page at each width, whole; and no width scrolls sideways."""
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=screenshot_path(f"{name}-{width}.png", tmp_path), full_page=True)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{name} scrolls sideways at {width} px"
    page.set_viewport_size({"width": 1280, "height": 900})


def in_english(page: Any) -> None:
    page.locator(".language-switch button").click()
    page.wait_for_load_state()


def test_a_letter_is_sent_delivered_and_read_with_its_senders_reference(
    page: Any, net: Any, tmp_path: Any
) -> None:
    sign_in(page, net.clerk.username)
    page.get_by_role("link", name="إرسال خطاب عبر وصل").click()
    page.wait_for_url(re.compile(r"/letters/send/"))
    shoot(page, "web-exchange-send-ar", tmp_path)
    page.locator("#id_to").select_option("AMN-JED")
    page.locator("#id_subject").fill("طلب إزالة التعديات على أرض مخطط الروضة")
    page.locator("#id_body").fill("نأمل التكرم بالاطلاع واتخاذ اللازم حيال التعديات.")
    page.get_by_role("button", name="إرسال", exact=True).click()
    page.wait_for_url(re.compile(r"/t/[0-9a-f-]+/$"))
    # The delivery task ran when the letter was committed (tasks run inline here); a pass
    # of the worker finds nothing more to deliver.
    move()
    (sent,) = OutgoingMessage.objects.all()
    assert sent.state == "delivered"
    page.reload()
    assert page.get_by_text(sent.their_reference).first.is_visible()
    shoot(page, "web-exchange-delivered-ar", tmp_path)
    page.get_by_role("link", name="إشعار الاستلام", exact=True).click()
    page.wait_for_url(re.compile(r"/x/[0-9a-f-]+/receipt/"))
    assert page.get_by_text("التوقيع صحيح").is_visible()
    shoot(page, "web-exchange-receipt-ar", tmp_path)
    page.goto("/letters/")
    assert sent.their_reference in page.locator("table.list").inner_text()
    shoot(page, "web-exchange-letters-ar", tmp_path)
    page.go_back()
    in_english(page)
    assert page.get_by_text("The signature checks").is_visible()
    shoot(page, "web-exchange-receipt-en", tmp_path)
    page.go_back()
    page.goto(f"/t/{sent.transaction.public_id}/")
    shoot(page, "web-exchange-delivered-en", tmp_path)
    page.goto("/letters/send/")
    shoot(page, "web-exchange-send-en", tmp_path)
    page.goto("/letters/")
    shoot(page, "web-exchange-letters-en", tmp_path)
    sign_out_en(page)

    sign_in(page, net.outsider.username)
    page.goto("/")
    incoming = page.locator(".box--incoming .box__count")
    assert incoming.inner_text() == "1"
    page.locator(".box--incoming").click()
    shoot(page, "web-exchange-inbox-ar", tmp_path)
    letter = IncomingMessage.objects.get().transaction
    assert letter is not None
    page.get_by_role("link", name=letter.reference).click()
    page.wait_for_url(re.compile(r"/t/[0-9a-f-]+/$"))
    section = page.locator("section.exchange")
    assert sent.transaction.reference in section.inner_text()  # the sender's reference
    shoot(page, "web-exchange-incoming-ar", tmp_path)
    in_english(page)
    assert "Through Wasl" in page.locator("section.exchange").inner_text()
    shoot(page, "web-exchange-incoming-en", tmp_path)
    page.goto("/?box=incoming")
    shoot(page, "web-exchange-inbox-en", tmp_path)


def sign_out_en(page: Any) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()
    if page.locator("html").get_attribute("lang") != "ar":
        page.locator(".language-switch button").click()
        page.wait_for_load_state()
