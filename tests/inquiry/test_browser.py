"""The inquiry's pages in real headless Chromium against the live server: the kiosk as a
visitor uses it (digit pad, full screen, back to the start after 60 s idle — on Playwright's
fake clock, not by waiting), the public page and the staff search.

Set WASL_SCREENSHOTS=1 to refresh docs/screenshots/inquiry-*.png and kiosk-*.png.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import PASSWORD, make_transaction
from wasl.registry import services as registry

pytestmark = pytest.mark.django_db(transaction=True)

ID = "1058529940"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
ARABIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def shot(page: Any, name: str, tmp_path: Path, **options: Any) -> None:
    """Take the screenshot either way; keep it in docs/ when WASL_SCREENSHOTS is set."""
    folder = SCREENSHOTS if os.environ.get("WASL_SCREENSHOTS") else tmp_path
    page.screenshot(path=str(folder / name), **options)
    assert (folder / name).stat().st_size > 5000


def kiosk_page(chromium: Any, live_server: Any, width: int = 1080, height: int = 1700) -> Any:
    """A portrait touch screen, as kiosks stand."""
    context = chromium.new_context(
        base_url=live_server.url,
        locale="ar-SA",
        viewport={"width": width, "height": height},
        has_touch=True,
    )
    page = context.new_page()
    page.clock.install()
    return page


def open_paused(page: Any, url: str) -> None:
    """Open `url` and stop the page's clock: from here, time passes only by `run_for`."""
    page.goto(url)
    page.clock.pause_at(page.evaluate("Date.now()") + 100)


def reset_to_start(page: Any) -> None:
    """Wait (in real time, briefly) for the start screen with nothing typed."""
    page.wait_for_function(
        "document.getElementById('reference') && !document.getElementById('reference').value"
        " && !document.getElementById('id_number').value && !document.querySelector('.status')"
        " && !document.querySelector('.error')",
        timeout=5000,
    )


def tap_pad(page: Any, text: str) -> None:
    """Type `text` on the on-screen pad: each digit on the key showing it (Arabic or ASCII)."""
    for char in text:
        if char == "-":
            page.locator(".digits button[data-key='-']").click()
        else:
            latin = char.translate(str.maketrans("٠١٢٣٤٥٦٧٨٩", "0123456789"))
            page.locator(f".digits button.digit[data-key='{latin}']").click()


def test_a_visitor_asks_on_the_kiosk_with_the_digit_pad(
    chromium: Any, live_server: Any, cast: Any, tmp_path: Path
) -> None:
    txn = make_transaction(cast)
    registry.refer(cast.clerk.actor, txn.public_id, to_units=[cast.rights], instruction="للإفادة")
    page = kiosk_page(chromium, live_server)
    page.goto("/kiosk/?entities=EMK,GOV-JED")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("a").count() == 0  # no links out
    # Full screen: the page fills the screen and cannot be scrolled away from.
    box = page.locator("main").bounding_box()
    assert box["height"] >= 1700 - 1
    assert page.evaluate("getComputedStyle(document.body).overflow") == "hidden"
    # Large touch targets: every key at least 64 px each way.
    for key in page.locator(".pad button:visible").all():
        size = key.bounding_box()
        assert size["width"] >= 64 and size["height"] >= 64, key.inner_text()
    shot(page, "kiosk-start.png", tmp_path)

    # The reference: the entity key, then the digits, tapped on the Arabic faces of the keys.
    page.locator(".codes button", has_text="EMK").click()
    assert page.evaluate("document.fullscreenElement !== null")  # the first touch
    year, seq = txn.reference.split("-")[1:]
    tap_pad(page, f"{year}-{seq}".translate(ARABIC))
    page.locator(".digits [data-action='back']").click()
    tap_pad(page, seq[-1])
    assert page.locator("#reference").input_value() == txn.reference
    # The entity keys are for the reference only.
    page.locator("label[data-field='id_number']").click()
    assert page.locator(".codes").is_hidden()
    tap_pad(page, ID[:4])
    page.locator(".digits [data-action='clear']").click()
    tap_pad(page, ID)
    assert page.locator("#id_number").input_value() == ID
    shot(page, "kiosk-typed.png", tmp_path)

    page.get_by_role("button", name="استعلام", exact=True).click()
    page.wait_for_selector(".status")
    assert page.locator(".status-state").inner_text() == "محالة"
    assert "الإدارة العامة للحقوق" in page.locator(".status").inner_text()
    assert txn.subject not in page.content()
    assert page.locator("a").count() == 0
    shot(page, "kiosk-answer.png", tmp_path)

    # A new inquiry goes back to this kiosk's start screen, entities kept.
    page.get_by_role("button", name="استعلام جديد").click()
    page.wait_for_selector("#kiosk-form")
    assert page.url.endswith("/kiosk/?entities=EMK%2CGOV-JED")
    assert page.locator(".codes button").all_inner_texts() == ["EMK", "GOV-JED"]


@pytest.mark.parametrize(("width", "height"), [(1080, 1700), (1280, 800), (768, 1024)])
def test_the_kiosk_fits_portrait_and_landscape_screens(
    chromium: Any, live_server: Any, cast: Any, width: int, height: int
) -> None:
    page = kiosk_page(chromium, live_server, width, height)
    page.goto("/kiosk/")
    main = page.locator("main").bounding_box()
    for selector in ("#reference", "#id_number", ".digits", "button[type=submit]"):
        box = page.locator(selector).bounding_box()
        assert main["x"] <= box["x"] and box["x"] + box["width"] <= main["x"] + main["width"]
    submit = page.locator("button[type=submit]").bounding_box()
    assert submit["y"] + submit["height"] <= height


def test_the_kiosk_returns_to_its_start_screen_after_a_minute_idle(
    chromium: Any, live_server: Any, cast: Any
) -> None:
    page = kiosk_page(chromium, live_server)
    open_paused(page, "/kiosk/?entities=EMK")
    page.locator(".codes button", has_text="EMK").click()
    tap_pad(page, "1448")
    page.clock.run_for(40_000)
    tap_pad(page, "9")  # a touch starts the minute again
    page.clock.run_for(59_000)
    page.wait_for_timeout(300)
    assert page.locator("#reference").input_value() == "EMK-14489"
    page.clock.run_for(2_000)
    reset_to_start(page)
    assert page.url.endswith("/kiosk/?entities=EMK")


def test_the_kiosk_s_answer_is_cleared_after_a_minute_idle(
    chromium: Any, live_server: Any, cast: Any, tmp_path: Path
) -> None:
    txn = make_transaction(cast)
    page = kiosk_page(chromium, live_server)
    open_paused(page, "/kiosk/")
    page.locator("#reference").evaluate("(el, v) => el.value = v", txn.reference)
    page.locator("#id_number").evaluate("(el, v) => el.value = v", "1001244019")
    page.get_by_role("button", name="استعلام", exact=True).click()
    page.wait_for_selector(".error")
    # A wrong pair reads exactly like a missing number.
    assert "لم نجد معاملة" in page.locator(".error").inner_text()
    shot(page, "kiosk-not-found.png", tmp_path)
    page.clock.run_for(59_000)
    page.wait_for_timeout(300)
    assert page.locator(".error").count() == 1
    page.clock.run_for(2_000)
    reset_to_start(page)
    assert page.url.endswith("/kiosk/")


def test_the_public_page_answers_in_the_browser(page: Any, cast: Any, tmp_path: Path) -> None:
    txn = make_transaction(cast)
    page.goto("/inquiry/public/")
    page.get_by_label("رقم المعاملة").fill(txn.reference.lower().replace("-", " "))
    page.get_by_label("رقم الهوية أو الإقامة").fill(ID.translate(ARABIC))
    page.get_by_role("button", name="استعلام", exact=True).click()
    page.wait_for_selector(".status")
    assert page.locator(".status-state").inner_text() == "مسجلة"
    shot(page, "inquiry-public.png", tmp_path, full_page=True)


def test_the_staff_search_highlights_and_counts_in_the_browser(
    page: Any, cast: Any, tmp_path: Path
) -> None:
    subjects = [
        ("طلب صرف تعويض عن أرض منزوعة لصالح مشروع طريق", "ورد معروض المواطن عبد الله الحربي."),
        ("حصر الأراضي الحكومية في محافظة الليث", "بيان الأراضي والمعاملات المتعلقة بها."),
        ("تعويضات أصحاب الأراضي في مخطط الشرائع", "بشأن صرف التعويضات لملاك الأراضي."),
        ("شكوى من تأخر صرف المستحقات", "يشكو المواطن عبدالله العتيبي."),
    ]
    for n, (subject, body) in enumerate(subjects):
        txn = make_transaction(
            cast, subject=subject, body=body, urgency=("normal", "urgent")[n % 2]
        )
        if n == 0:
            registry.refer(cast.clerk.actor, txn.public_id, to_units=[cast.rights], instruction="-")
    page.goto("/")
    page.get_by_label("اسم المستخدم").fill(cast.clerk.user.username)
    page.get_by_label("كلمة المرور").fill(PASSWORD)
    page.get_by_role("button", name="تسجيل الدخول").click()
    page.wait_for_load_state()
    page.goto("/inquiry/?q=الارض")
    marks = page.locator(".hits mark").all_inner_texts()
    assert {"أرض", "الأراضي"} <= set(marks)
    assert "3" in page.locator(".summary").inner_text()
    state_counts = page.locator(".facets section").first.locator(".count").all_inner_texts()
    assert sorted(int(c) for c in state_counts) == [1, 2]
    shot(page, "inquiry-search.png", tmp_path, full_page=True)
    page.goto("/inquiry/?q=" + "عبد الله")
    assert page.locator(".hits li.hit").count() == 2
    shot(page, "inquiry-search-names.png", tmp_path, full_page=True)


@pytest.mark.parametrize("language", ["ar", "en"])
def test_the_staff_search_shows_its_tiers_and_did_you_mean_in_the_browser(
    chromium: Any, live_server: Any, cast: Any, tmp_path: Path, language: str
) -> None:
    for subject, body in [
        ("طلب رخصة بناء منزل في مخطط الفيصلية", "تقدم المواطن بطلب رخصة بناء منذ ستة أشهر."),
        ("حصر التراخيص المنتهية في البلدية", "بيان الرخص المنتهية وأصحابها."),
        ("بناء سور حول مدرسة البنات", "طلب بناء سور للمدرسة."),
        ("صيانة مبنى الإدارة", "أعمال بناء وترميم."),
        ("طلب بناء مسجد في الحي", ""),
    ]:
        make_transaction(cast, subject=subject, body=body)
    for width, height in ((390, 844), (1366, 900)):
        context = chromium.new_context(
            base_url=live_server.url, locale="ar-SA", viewport={"width": width, "height": height}
        )
        page = context.new_page()
        page.goto("/")
        page.get_by_label("اسم المستخدم").fill(cast.clerk.user.username)
        page.get_by_label("كلمة المرور").fill(PASSWORD)
        page.get_by_role("button", name="تسجيل الدخول").click()
        page.wait_for_load_state()
        if language == "en":
            context.add_cookies(
                [{"name": "django_language", "value": "en", "url": live_server.url}]
            )
        page.goto("/inquiry/?q=بناء رخضة")
        suggestion = page.locator(".did-you-mean a")
        assert suggestion.inner_text() == "بناء رخصة"
        assert page.locator(".not-found s").inner_text() == "رخضة"
        assert page.locator(".tier-heading").count() == 1
        shot(page, f"inquiry-did-you-mean-{language}-{width}.png", tmp_path, full_page=True)
        suggestion.click()
        page.wait_for_load_state()
        assert page.locator(".hits li.tier-1").count() == 1
        page.goto("/inquiry/?q=طلب بناء سور")
        assert page.locator(".hits li.tier-1").count() == 1
        assert page.locator(".hits li.tier-2").count() >= 2
        assert page.locator(".hits li.tier-2 .missing s").first.inner_text()
        shot(page, f"inquiry-tiers-{language}-{width}.png", tmp_path, full_page=True)
        # The subject opens the transaction.
        page.locator(".hits li.tier-1 .subject a").click()
        page.wait_for_load_state()
        assert "/t/" in page.url
        context.close()
