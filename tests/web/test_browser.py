"""The staff workspace as people use it: real headless Chromium against the live server.

One journey covers sign-in → register with an attachment → refer → acknowledge → answer →
close; the others check the access rule, the pages without JavaScript, the English switch
and a tablet's width. Set WASL_SCREENSHOTS=1 to refresh docs/screenshots/web-*.png.
"""

from __future__ import annotations

import base64
import re
import shutil
import subprocess
from typing import Any

import pytest

from tests.conftest import PASSWORD, make_referred, make_transaction
from tests.web.conftest import PDF_BYTES, png_bytes, screenshot_path
from wasl.registry import services as registry
from wasl.registry.models import Transaction

pytestmark = pytest.mark.django_db(transaction=True)


def sign_in(page: Any, username: str) -> None:
    page.goto("/")
    page.get_by_label("اسم المستخدم").fill(username)
    page.get_by_label("كلمة المرور").fill(PASSWORD)
    page.get_by_role("button", name="تسجيل الدخول").click()
    page.wait_for_url(re.compile(r"/(\?.*)?$"))


def sign_out(page: Any) -> None:
    page.get_by_role("button", name="تسجيل الخروج").click()
    page.wait_for_selector("text=الدخول إلى وصل")


def drop_file(page: Any, selector: str, name: str, kind: str, data: bytes) -> None:
    """Drop a file on an element, as a person dragging it from their desktop does."""
    page.evaluate(
        """([selector, name, kind, b64]) => {
            const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
            const transfer = new DataTransfer();
            transfer.items.add(new File([bytes], name, {type: kind}));
            const zone = document.querySelector(selector);
            for (const type of ["dragenter", "dragover", "drop"]) {
                zone.dispatchEvent(new DragEvent(type, {
                    dataTransfer: transfer, bubbles: true, cancelable: true}));
            }
        }""",
        [selector, name, kind, base64.b64encode(data).decode()],
    )


def fill_inbox(cast: Any) -> None:
    """A few referrals waiting in the Emirate's registry unit, for the inbox to show."""
    subjects = [
        ("طلب تعويض عن نزع ملكية أرض في حي الشرائع", "immediate"),
        ("شكوى من تأخر صرف مستحقات مقاول مشروع الطريق الدائري", "very_urgent"),
        ("دعوة لحضور اجتماع لجنة السلامة المرورية", "normal"),
    ]
    for subject, urgency in subjects:
        txn = make_transaction(
            cast, by=cast.rights_clerk, unit=cast.rights, subject=subject, urgency=urgency
        )
        registry.refer(
            cast.rights_clerk.actor, txn.public_id, to_units=[cast.registry], instruction="للاطلاع"
        )


def test_a_transaction_goes_from_registration_to_closing_in_the_browser(
    page: Any, cast: Any, tmp_path: Any
) -> None:
    fill_inbox(cast)
    page.goto("/")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("html").get_attribute("lang") == "ar"
    page.screenshot(path=screenshot_path("web-signin.png", tmp_path))

    sign_in(page, "clerk")
    assert page.get_by_role("heading", name=re.compile("الوارد")).is_visible()
    assert page.locator(".box--new .box__count").inner_text() == "3"
    page.screenshot(path=screenshot_path("web-inbox.png", tmp_path), full_page=True)

    # Register, with an attachment and an ID typed in Arabic digits.
    page.get_by_role("link", name="تسجيل معاملة").first.click()
    page.get_by_label("النوع").select_option("petition")
    page.get_by_label("الموضوع").fill("معروض المواطن بشأن تعويض أرض في حي العوالي")
    page.get_by_label("صفة صاحب المعاملة").select_option("citizen")
    page.get_by_label("اسم صاحب المعاملة").fill("عبدالرحمن بن سعيد الغامدي")
    id_box = page.get_by_label("رقم الهوية الوطنية أو الإقامة")
    id_box.fill("١٠٥٨٥٢٩٩٤١")  # a typing mistake: the check digit is told at once
    id_box.blur()
    assert "رقم التحقق" in page.locator(".field__live.is-error").inner_text()
    id_box.fill("١٠٥٨٥٢٩٩٤٠")
    assert page.locator(".field__live.is-error").count() == 0
    page.locator("input[type=file]").set_input_files(
        [{"name": "صورة-المعروض.png", "mimeType": "image/png", "buffer": png_bytes(40, 30)}]
    )
    # A second file dropped on the box joins the one chosen.
    drop_file(page, "[data-dropzone-area]", "خطاب-الإحالة.pdf", "application/pdf", PDF_BYTES)
    assert page.locator("[data-dropzone-list] li").count() == 2
    page.screenshot(path=screenshot_path("web-register.png", tmp_path), full_page=True)
    page.get_by_role("button", name="تسجيل", exact=True).click()
    page.wait_for_url(re.compile(r"/t/[0-9a-f-]+/$"))
    txn = Transaction.objects.get(subject__contains="العوالي")
    assert txn.party_id_number == "1058529940"
    assert sorted(a.filename for a in txn.attachments.all()) == sorted(
        ["صورة-المعروض.png", "خطاب-الإحالة.pdf"]
    )
    assert page.locator(".txn-head__ref").inner_text().strip().endswith(txn.reference)
    # Previews: the image inline, the PDF in a frame of the same origin.
    assert page.locator("img.preview").count() == 1
    # The preview loads lazily: wait until it has (or failed to), then read its size.
    image = page.locator("img.preview")
    image.scroll_into_view_if_needed()
    page.wait_for_function("() => document.querySelector('img.preview').complete")
    assert image.evaluate("img => img.naturalWidth") == 40
    assert page.locator("iframe.preview--pdf").count() == 1

    # The receipt is a PDF; look at it as a picture.
    receipt = page.request.get(f"/t/{txn.public_id}/receipt.pdf")
    assert receipt.ok and receipt.body().startswith(b"%PDF")
    pdf = tmp_path / "receipt.pdf"
    pdf.write_bytes(receipt.body())
    png = screenshot_path("web-receipt.png", tmp_path)
    pdftoppm = shutil.which("pdftoppm")
    assert pdftoppm, "pdftoppm is missing: apt-get install poppler-utils"
    subprocess.run(  # noqa: S603 — a fixed program on a file this test wrote
        [pdftoppm, "-png", "-r", "60", "-singlefile", str(pdf), str(png.with_suffix(""))],
        check=True,
    )
    assert png.exists()

    # Refer, in the dialog: it takes the focus, Escape gives it back to the button.
    refer_link = page.get_by_role("link", name="إحالة", exact=True)
    refer_link.focus()
    page.keyboard.press("Enter")
    dialog = page.locator("dialog#dlg-refer")
    assert dialog.is_visible()
    assert dialog.evaluate("d => d.contains(document.activeElement)")
    page.keyboard.press("Escape")
    assert not dialog.is_visible()
    assert refer_link.evaluate("a => a === document.activeElement")
    refer_link.click()
    assert dialog.is_visible()
    page.screenshot(path=screenshot_path("web-dialog-refer.png", tmp_path))
    dialog.get_by_label("الإدارة العامة للحقوق").check()
    dialog.get_by_label("التوجيه").fill("لدراسة الطلب والإفادة")
    dialog.get_by_role("button", name="إحالة").click()
    page.wait_for_selector("text=تمت الإحالة.")
    sign_out(page)

    # The rights unit acknowledges and answers.
    sign_in(page, "rights_clerk")
    page.get_by_role("link", name=txn.reference).click()
    page.get_by_role("button", name="استلام").click()
    page.wait_for_selector("text=تم الاستلام.")
    page.get_by_role("link", name="إفادة", exact=True).click()
    page.locator("dialog[open]").get_by_label("النص").fill("لا مانع من صرف التعويض وفق النظام.")
    page.locator("dialog[open]").get_by_role("button", name="إفادة").click()
    page.wait_for_selector("text=أُرسلت الإفادة.")
    sign_out(page)

    # Back with the registry, which links an earlier one (its number typed in Arabic
    # digits) and closes it.
    sign_in(page, "clerk")
    page.get_by_role("link", name=re.compile("عادت إلى الإدارة")).click()
    page.get_by_role("link", name=txn.reference).click()
    earlier = Transaction.objects.get(subject__contains="الشرائع")
    page.get_by_role("link", name="ربط", exact=True).click()
    linking = page.locator("dialog[open]")
    linking.get_by_label("رقم المعاملة الأخرى").fill(
        earlier.reference.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    )
    linking.get_by_label("نوع الربط").select_option("follows")
    linking.get_by_role("button", name="ربط").click()
    page.wait_for_selector("text=تم الربط.")
    assert page.locator(".links").get_by_role("link", name=earlier.reference).is_visible()
    page.get_by_role("link", name="حفظ", exact=True).click()
    page.locator("dialog[open]").get_by_label("السبب").fill("انتهى الغرض منها")
    page.locator("dialog[open]").get_by_role("button", name="حفظ").click()
    page.wait_for_selector("text=حُفظت المعاملة.")
    txn.refresh_from_db()
    assert txn.state == "closed"
    page.screenshot(path=screenshot_path("web-transaction.png", tmp_path), full_page=True)


def test_another_entitys_clerk_gets_not_found(page: Any, cast: Any) -> None:
    txn = make_transaction(cast)
    sign_in(page, "outsider")
    response = page.goto(f"/t/{txn.public_id}/")
    assert response is not None and response.status == 404
    assert txn.reference not in page.content()
    assert page.get_by_role("heading", name="غير موجود").is_visible()


def test_the_whole_life_works_without_javascript(
    chromium: Any, live_server: Any, cast: Any, tmp_path: Any
) -> None:
    context = chromium.new_context(
        base_url=live_server.url, locale="ar-SA", java_script_enabled=False
    )
    page = context.new_page()
    try:
        sign_in(page, "clerk")
        page.get_by_role("link", name="تسجيل معاملة").first.click()
        page.get_by_label("النوع").select_option("letter")
        page.get_by_label("الجهة المراسلة").select_option("GOV-JED")
        page.get_by_label("تاريخ خطاب الجهة").fill("١٤٤٨/٠٥/٠١")
        page.locator("input[type=file]").set_input_files(
            [{"name": "scan.png", "mimeType": "image/png", "buffer": png_bytes()}]
        )
        # Sent without a subject: refused beside the field, with the typing and the file kept.
        page.get_by_role("button", name="تسجيل", exact=True).click()
        assert page.locator("#id_subject_error").is_visible()
        assert page.get_by_label("تاريخ خطاب الجهة").input_value() == "١٤٤٨/٠٥/٠١"
        assert page.get_by_label("scan.png").is_checked()
        page.get_by_label("الموضوع").fill("خطاب بلا جافاسكربت")
        # A double click on the button, with nothing to stop the second: one registration.
        page.get_by_role("button", name="تسجيل", exact=True).dblclick()
        page.wait_for_url(re.compile(r"/t/[0-9a-f-]+/$"))
        txn = Transaction.objects.get(subject="خطاب بلا جافاسكربت")
        assert Transaction.objects.filter(subject="خطاب بلا جافاسكربت").count() == 1
        assert txn.attachments.count() == 1 and txn.external_date is not None
        # Without JavaScript each action is a link to a page of its own.
        page.get_by_role("link", name="إحالة", exact=True).click()
        page.wait_for_url(re.compile(r"/refer/$"))
        page.get_by_label("الإدارة العامة للحقوق").check()
        page.get_by_label("التوجيه").fill("للإفادة")
        page.get_by_label("مدة الإنجاز (أيام عمل)").fill("٥")
        page.screenshot(path=screenshot_path("web-step-refer.png", tmp_path))
        page.get_by_role("button", name="إحالة").click()
        page.wait_for_selector("text=تمت الإحالة.")
        sign_out(page)

        sign_in(page, "rights_clerk")
        page.get_by_role("link", name=txn.reference).click()
        page.get_by_role("button", name="استلام").click()
        page.wait_for_selector("text=تم الاستلام.")
        page.get_by_role("link", name="إفادة", exact=True).click()
        page.wait_for_url(re.compile(r"/answer/$"))
        page.get_by_role("button", name="إفادة").click()  # empty: refused beside the field
        assert page.locator(".field--error").count() == 1
        page.get_by_label("النص").fill("أُنجز المطلوب.")
        page.get_by_role("button", name="إفادة").click()
        page.wait_for_selector("text=أُرسلت الإفادة.")
        sign_out(page)

        sign_in(page, "clerk")
        page.goto(f"/t/{txn.public_id}/")
        page.get_by_role("link", name="حفظ", exact=True).click()
        page.wait_for_url(re.compile(r"/close/$"))
        page.get_by_label("السبب").fill("انتهى الغرض منها")
        page.get_by_role("button", name="حفظ").click()
        page.wait_for_selector("text=حُفظت المعاملة.")
        txn.refresh_from_db()
        assert txn.state == "closed"
        assert txn.referrals.get().answer == "أُنجز المطلوب."
    finally:
        context.close()


def test_the_english_switch_is_remembered_and_pages_fit_a_tablet(
    chromium: Any, live_server: Any, cast: Any, tmp_path: Any
) -> None:
    txn, ref = make_referred(cast)
    context = chromium.new_context(
        base_url=live_server.url, locale="ar-SA", viewport={"width": 768, "height": 1024}
    )
    page = context.new_page()
    try:
        sign_in(page, "rights_clerk")
        page.screenshot(path=screenshot_path("web-tablet-inbox.png", tmp_path), full_page=True)
        # Nothing overflows sideways at tablet width.
        assert page.evaluate("document.documentElement.scrollWidth") <= 768
        for path in ("/register/", f"/r/{ref.public_id}/forward/", f"/t/{txn.public_id}/"):
            page.goto(path)
            assert page.evaluate("document.documentElement.scrollWidth") <= 768, path
        page.screenshot(path=screenshot_path("web-tablet-transaction.png", tmp_path))

        page.get_by_role("button", name="English").click()
        page.wait_for_selector("html[lang=en]")
        assert page.locator("html").get_attribute("dir") == "ltr"
        assert page.get_by_role("link", name="Acknowledge receipt").count() == 0
        assert page.get_by_role("button", name="Acknowledge receipt").is_visible()
        page.goto("/")
        assert page.locator("html").get_attribute("lang") == "en"
        assert page.get_by_role("heading", name=re.compile("Inbox")).is_visible()
        page.set_viewport_size({"width": 1280, "height": 900})
        page.screenshot(path=screenshot_path("web-english-inbox.png", tmp_path), full_page=True)
        # Keyboard: the skip link is the first stop and is visible when focused.
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.className")
        assert focused == "skip-link"
        # Focus is drawn: every control reached by Tab gets a visible outline.
        for _ in range(6):
            page.keyboard.press("Tab")
            outline = page.evaluate(
                "(() => { const s = getComputedStyle(document.activeElement);"
                " return [s.outlineStyle, parseFloat(s.outlineWidth)]; })()"
            )
            assert outline[0] != "none" and outline[1] >= 2, outline
    finally:
        context.close()


CONTRAST_SCRIPT = """() => {
  function rgba(text) {
    const m = text.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return [255, 255, 255, 1];
    const p = m[1].split(",").map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  }
  function background(el) {
    const layers = [];
    for (; el; el = el.parentElement) {
      const c = rgba(getComputedStyle(el).backgroundColor);
      if (c[3] > 0) layers.push(c);
      if (c[3] >= 1) break;
    }
    let out = [255, 255, 255];
    for (const c of layers.reverse()) out = out.map((v, i) => v * (1 - c[3]) + c[i] * c[3]);
    return out;
  }
  function lum(c) {
    const l = c.map(v => { v /= 255; return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * l[0] + 0.7152 * l[1] + 0.0722 * l[2];
  }
  const failures = [];
  for (const el of document.querySelectorAll("body *")) {
    const own = Array.from(el.childNodes).some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own || !el.getClientRects().length) continue;
    const style = getComputedStyle(el);
    if (style.visibility === "hidden" || el.closest("[hidden], dialog:not([open])")) continue;
    const bg = background(el);
    const f = rgba(style.color);
    const fg = bg.map((v, i) => v * (1 - f[3]) + f[i] * f[3]);
    const [hi, lo] = [lum(fg), lum(bg)].sort((a, b) => b - a);
    const ratio = (hi + 0.05) / (lo + 0.05);
    const size = parseFloat(style.fontSize), bold = Number(style.fontWeight) >= 700;
    const large = size >= 24 || (bold && size >= 18.66);
    if (ratio < (large ? 3 : 4.5)) {
      failures.push(el.tagName + "." + el.className + " " + ratio.toFixed(2) + " "
                    + el.textContent.trim().slice(0, 30));
    }
  }
  return failures;
}"""


def test_every_text_on_the_pages_passes_wcag_aa_contrast(page: Any, cast: Any) -> None:
    """Computed in the browser, on the rendered pages: every piece of text against the
    background it is drawn on, 4.5:1 (3:1 for large text)."""
    fill_inbox(cast)
    txn, _ = make_referred(cast, urgency="immediate", confidentiality="confidential")
    sign_in(page, "clerk")
    failures = {"inbox": page.evaluate(CONTRAST_SCRIPT)}
    page.goto(f"/t/{txn.public_id}/")
    failures["transaction"] = page.evaluate(CONTRAST_SCRIPT)
    page.goto("/register/")
    page.get_by_role("button", name="تسجيل", exact=True).click()  # errors beside fields
    page.wait_for_selector(".field__error")
    failures["register with errors"] = page.evaluate(CONTRAST_SCRIPT)
    page.goto("/inbox/?box=overdue&date_from=nonsense")
    failures["inbox with a bad filter"] = page.evaluate(CONTRAST_SCRIPT)
    assert {k: v for k, v in failures.items() if v} == {}
