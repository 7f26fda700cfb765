"""The e-mail pages in real Chromium, in Arabic and English at a phone's and a desktop's width:
the items to triage, the demo's mail catcher with the visitor's HTML e-mail, and the failing
address on the transaction page. WASL_SCREENSHOTS=1 writes them to docs/screenshots."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.web.conftest import screenshot_path
from wasl.notifications import tasks
from wasl.notifications.models import Notification
from wasl.registry import services as registry

from .conftest import mail_from_visitor, receive, visitor_with_email
from .test_bounces import dsn

pytestmark = pytest.mark.django_db(transaction=True)
SIZES = {"390": {"width": 390, "height": 844}, "1366": {"width": 1366, "height": 900}}


def shoot(target: Any, page: Any, name: str, tmp_path: Any) -> None:
    target.screenshot(path=screenshot_path(name, tmp_path))
    wide = page.evaluate(
        "document.documentElement.scrollWidth > document.documentElement.clientWidth"
    )
    assert not wide, f"{name}: the page scrolls sideways"


def test_the_mail_pages_in_both_languages_and_widths(
    chromium: Any, live_server: Any, cast: Any, smtp_out: Any, settings: Any, tmp_path: Any
) -> None:
    settings.WASL_DEMO = True
    settings.WASL_MAIL_DEV_DIR = str(smtp_out.folder)
    txn = visitor_with_email(cast)
    registry.refer(cast.clerk.actor, txn.public_id, to_units=[cast.rights], instruction="للإفادة")
    tasks.send_due.call()
    ours = Notification.objects.get(transaction_id=txn.pk, channel="email")
    receive(mail_from_visitor(f"Re: {ours.subject}", sender="stranger@example.com"))
    receive(mail_from_visitor("استفسار عن رسوم الخدمة", sender="ahmad@example.com"))
    receive(dsn(ours.message_id))
    client = Client()
    client.force_login(cast.admin.user)
    session = client.cookies["sessionid"].value
    for lang in ("ar", "en"):
        for size, viewport in SIZES.items():
            context = chromium.new_context(
                base_url=live_server.url, locale=f"{lang}-SA", viewport=viewport
            )
            context.add_cookies(
                [
                    {"name": "django_language", "value": lang, "url": live_server.url},
                    {"name": "sessionid", "value": session, "url": live_server.url},
                ]
            )
            page = context.new_page()
            try:
                page.goto("/mail/triage")
                assert "stranger@example.com" in page.content()
                assert "ahmad@example.com" in page.content()
                shoot(page, page, f"mail-triage-{lang}-{size}.png", tmp_path)
                page.goto("/mail/demo")
                assert txn.reference in page.content()
                shoot(page, page, f"mail-demo-{lang}-{size}.png", tmp_path)
                page.goto("/mail/demo/1.html")
                assert page.locator("html").get_attribute("dir") == "rtl"
                shoot(page, page, f"mail-html-{lang}-{size}.png", tmp_path)
                page.goto(f"/t/{txn.public_id}/")
                section = page.locator("section[aria-labelledby=notifications-title]")
                assert "5.1.1" in section.inner_text()
                shoot(section, page, f"mail-failing-{lang}-{size}.png", tmp_path)
            finally:
                context.close()
