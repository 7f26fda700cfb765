"""The transaction page, its steps (each through the registry's services), attachments and
the receipt."""

from __future__ import annotations

import re
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from tests.conftest import make_referred, make_transaction
from tests.web.conftest import PDF_BYTES, png_bytes, post_step, signed_in
from wasl.core.arabic import fold_digits
from wasl.registry import services as registry
from wasl.registry.models import Attachment, Event, Link, Referral


def action_links(html: str) -> set[str]:
    return set(re.findall(r'data-dialog="dlg-([a-z]+)[-"]', html))


def attach(cast: Any, txn: Any, name: str, data: bytes, kind: str) -> Attachment:
    return registry.add_attachment(
        cast.clerk.actor, txn.public_id, chunks=[data], filename=name, declared_type=kind
    )


def test_the_page_shows_the_header_who_holds_it_and_the_timeline(cast: Any) -> None:
    txn, _ = make_referred(cast)
    html = signed_in(cast.clerk).get(f"/t/{txn.public_id}/").content.decode()
    assert txn.reference in html and txn.subject in html
    assert "محالة" in html  # state
    holder = re.search(r"لدى الآن</dt><dd>([^<]+)<", html)
    assert holder and "الإدارة العامة للحقوق" in holder.group(1)
    assert "هـ" in html and "م" in html  # both calendars
    timeline = html[html.index('class="timeline"') :]
    assert timeline.index("سُجّلت") < timeline.index("أُحيلت")


def test_another_entitys_clerk_and_unknown_ids_get_the_same_404(cast: Any) -> None:
    txn = make_transaction(cast)
    outsider = signed_in(cast.outsider)
    assert outsider.get(f"/t/{txn.public_id}/").status_code == 404
    assert outsider.get(f"/t/{txn.public_id}/receipt.pdf").status_code == 404
    assert outsider.post(f"/t/{txn.public_id}/close/", {"reason": "x"}).status_code == 404
    assert outsider.get("/t/00000000-0000-0000-0000-000000000000/").status_code == 404


def test_each_person_is_offered_only_the_steps_they_may_take_now(cast: Any) -> None:
    txn = make_transaction(cast)
    clerk_html = signed_in(cast.clerk).get(f"/t/{txn.public_id}/").content.decode()
    assert action_links(clerk_html) == {"refer", "close", "cancel", "comment", "attach", "link"}
    auditor_html = signed_in(cast.auditor).get(f"/t/{txn.public_id}/").content.decode()
    assert action_links(auditor_html) == set()
    ((ref,),) = [
        registry.refer(cast.clerk.actor, txn.public_id, to_units=[cast.rights], instruction="x")
    ]
    rights_html = signed_in(cast.rights_clerk).get(f"/t/{txn.public_id}/").content.decode()
    assert f"/r/{ref.public_id}/acknowledge/" in rights_html
    assert {"answer", "return", "forward"} <= action_links(rights_html)
    assert "refer" not in action_links(rights_html)


def test_the_whole_life_through_the_step_forms(cast: Any) -> None:
    txn = make_transaction(cast)
    clerk, rights = signed_in(cast.clerk), signed_in(cast.rights_clerk)
    refer = post_step(
        clerk,
        f"/t/{txn.public_id}/refer/",
        {"to_units": [str(cast.rights.public_id)], "instruction": "للإفادة", "due_in_days": "٣"},
    )
    assert refer.status_code == 302
    ref = Referral.objects.get(transaction=txn)
    assert post_step(rights, f"/r/{ref.public_id}/acknowledge/").status_code == 302
    assert (
        post_step(rights, f"/r/{ref.public_id}/answer/", {"text": "تمت الدراسة"}).status_code == 302
    )
    assert post_step(clerk, f"/t/{txn.public_id}/close/", {"reason": "انتهى"}).status_code == 302
    txn.refresh_from_db()
    ref.refresh_from_db()
    assert (txn.state, ref.state, ref.answer) == ("closed", "answered", "تمت الدراسة")
    head = signed_in(cast.head)
    assert post_step(head, f"/t/{txn.public_id}/reopen/", {"reason": "مراجعة"}).status_code == 302
    assert post_step(head, f"/t/{txn.public_id}/cancel/", {"reason": "خطأ"}).status_code == 302
    txn.refresh_from_db()
    assert txn.state == "cancelled"


def test_forwarding_and_returning_go_through_the_referral_steps(cast: Any) -> None:
    txn, ref = make_referred(cast)
    rights = signed_in(cast.rights_clerk)
    forwarded = post_step(
        rights,
        f"/r/{ref.public_id}/forward/",
        {"to_unit": str(cast.security.public_id), "instruction": "للاختصاص"},
    )
    assert forwarded.status_code == 302
    new = Referral.objects.get(transaction=txn, state="pending")
    assert new.to_unit_id == cast.security.pk
    security = signed_in(cast.security_clerk)
    assert (
        post_step(
            security, f"/r/{new.public_id}/return/", {"reason": "ليس من اختصاصنا"}
        ).status_code
        == 302
    )
    txn.refresh_from_db()
    assert txn.state == "returned"


def test_an_empty_reason_is_refused_beside_the_field_and_changes_nothing(cast: Any) -> None:
    txn = make_transaction(cast)
    response = post_step(signed_in(cast.clerk), f"/t/{txn.public_id}/close/", {"reason": "   "})
    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_close_reason_error"' in html
    txn.refresh_from_db()
    assert txn.state == "registered"


def test_a_step_the_state_does_not_allow_shows_the_registrys_message(cast: Any) -> None:
    txn, _ = make_referred(cast)
    response = post_step(signed_in(cast.clerk), f"/t/{txn.public_id}/close/", {"reason": "انتهى"})
    assert response.status_code == 409
    assert "لا يمكن تنفيذ «حفظ»" in response.content.decode()
    assert "انتهى" in response.content.decode()  # what was typed is kept


def test_a_step_by_someone_without_the_right_is_refused(cast: Any) -> None:
    _, ref = make_referred(cast)
    response = post_step(signed_in(cast.clerk), f"/r/{ref.public_id}/answer/", {"text": "x"})
    assert response.status_code == 403
    assert "هذه الإحالة ليست لإدارتك." in response.content.decode()


def test_the_step_pages_work_without_javascript(cast: Any) -> None:
    txn = make_transaction(cast)
    html = signed_in(cast.clerk).get(f"/t/{txn.public_id}/refer/").content.decode()
    assert "الإدارة العامة للحقوق" in html and 'name="instruction"' in html
    assert signed_in(cast.clerk).get(f"/t/{txn.public_id}/nonsense/").status_code == 404


def test_comments_and_links_by_reference_number_typed_in_arabic_digits(cast: Any) -> None:
    txn, other = make_transaction(cast), make_transaction(cast, subject="معاملة سابقة")
    clerk = signed_in(cast.clerk)
    assert post_step(clerk, f"/t/{txn.public_id}/comment/", {"text": "للعلم"}).status_code == 302
    arabic_reference = other.reference.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    assert fold_digits(arabic_reference) == other.reference
    linked = post_step(
        clerk, f"/t/{txn.public_id}/link/", {"target": arabic_reference.lower(), "kind": "related"}
    )
    assert linked.status_code == 302
    assert Link.objects.filter(source=txn, target=other).exists()
    assert other.reference in clerk.get(f"/t/{txn.public_id}/").content.decode()


def test_linking_to_a_transaction_one_cannot_see_says_so_beside_the_field(cast: Any) -> None:
    txn = make_transaction(cast)
    hidden = make_transaction(cast, by=cast.outsider, unit=cast.amanah_registry)
    response = post_step(
        signed_in(cast.clerk),
        f"/t/{txn.public_id}/link/",
        {"target": hidden.reference, "kind": "related"},
    )
    assert response.status_code == 400
    assert 'id="id_link_target_error"' in response.content.decode()


def test_files_are_attached_through_the_step_form(cast: Any) -> None:
    txn = make_transaction(cast)
    response = post_step(
        signed_in(cast.clerk),
        f"/t/{txn.public_id}/attach/",
        {"attachments": [SimpleUploadedFile("a.png", png_bytes(), content_type="image/png")]},
    )
    assert response.status_code == 302
    assert Attachment.objects.filter(transaction=txn).count() == 1


def test_images_and_pdfs_are_previewed_inline_under_a_strict_policy(cast: Any) -> None:
    txn = make_transaction(cast)
    image = attach(cast, txn, "صورة.png", png_bytes(), "image/png")
    pdf = attach(cast, txn, "letter.pdf", PDF_BYTES, "application/pdf")
    text = attach(cast, txn, "note.txt", b"<script>alert(1)</script>", "text/plain")
    clerk = signed_in(cast.clerk)
    html = clerk.get(f"/t/{txn.public_id}/").content.decode()
    assert f'<img class="preview" src="/a/{image.public_id}/"' in html
    assert f'src="/a/{pdf.public_id}/"' in html and "<iframe" in html
    shown = clerk.get(f"/a/{image.public_id}/")
    assert shown["Content-Type"] == "image/png"
    assert shown["Content-Disposition"].startswith("inline")
    assert "sandbox" in shown["Content-Security-Policy"]
    assert "default-src 'none'" in shown["Content-Security-Policy"]
    assert shown["X-Content-Type-Options"] == "nosniff"
    assert shown["X-Frame-Options"] == "SAMEORIGIN"
    assert b"".join(shown.streaming_content) == png_bytes()
    framed = clerk.get(f"/a/{pdf.public_id}/")
    assert "frame-ancestors 'self'" in framed["Content-Security-Policy"]
    downloaded = clerk.get(f"/a/{text.public_id}/")
    assert downloaded["Content-Disposition"].startswith("attachment")
    b"".join(framed.streaming_content), b"".join(downloaded.streaming_content)


def test_another_entitys_clerk_cannot_fetch_an_attachment(cast: Any) -> None:
    txn = make_transaction(cast)
    image = attach(cast, txn, "صورة.png", png_bytes(), "image/png")
    outsider = signed_in(cast.outsider)
    assert outsider.get(f"/a/{image.public_id}/").status_code == 404
    assert outsider.get(f"/a/{image.public_id}/download/").status_code == 404


def test_the_receipt_is_a_pdf_with_the_reference(cast: Any) -> None:
    txn = make_transaction(cast)
    response = signed_in(cast.clerk).get(f"/t/{txn.public_id}/receipt.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert txn.reference in response["Content-Disposition"]


def test_the_transaction_page_costs_a_fixed_number_of_queries(
    cast: Any, django_assert_max_num_queries: Any
) -> None:
    txn, ref = make_referred(cast)
    client = signed_in(cast.rights_clerk)
    client.get(f"/t/{txn.public_id}/")
    with django_assert_max_num_queries(20):
        client.get(f"/t/{txn.public_id}/")
    registry.acknowledge(cast.rights_clerk.actor, ref.public_id)
    for i in range(5):
        registry.comment(cast.rights_clerk.actor, txn.public_id, text=f"تعليق {i}")
    with django_assert_max_num_queries(20):
        html = client.get(f"/t/{txn.public_id}/").content.decode()
    assert html.count("timeline__item--commented") == 5


def form_token_of(client: Any, path: str) -> str:
    match = re.search(r'name="form_token" value="([^"]+)"', client.get(path).content.decode())
    assert match, "every step form carries a one-time token"
    return match.group(1)


def test_a_second_click_on_a_step_never_records_it_twice(cast: Any) -> None:
    txn, ref = make_referred(cast)
    clerk, rights = signed_in(cast.clerk), signed_in(cast.rights_clerk)
    path = f"/t/{txn.public_id}/comment/"
    data = {"form_token": form_token_of(clerk, path), "text": "للعلم"}
    first, second = clerk.post(path, data), clerk.post(path, data)
    assert first.status_code == second.status_code == 302
    assert Event.objects.filter(transaction=txn, action="commented").count() == 1
    assert "سبق إرسال هذا النموذج" in clerk.get(second.url).content.decode()
    # The acknowledgement's inline form too: the second click is not a 409 but a no-op.
    page = rights.get(f"/t/{txn.public_id}/").content.decode()
    ack = re.search(
        rf'action="/r/{ref.public_id}/acknowledge/"[^>]*>.*?name="form_token" value="([^"]+)"',
        page,
        re.S,
    )
    assert ack
    for _ in range(2):
        response = rights.post(f"/r/{ref.public_id}/acknowledge/", {"form_token": ack.group(1)})
        assert response.status_code == 302
    assert Event.objects.filter(transaction=txn, action="acknowledged").count() == 1


def test_a_refused_step_leaves_its_token_for_the_corrected_form(cast: Any) -> None:
    txn, other = make_transaction(cast), make_transaction(cast, subject="معاملة سابقة")
    hidden = make_transaction(cast, by=cast.outsider, unit=cast.amanah_registry)
    clerk = signed_in(cast.clerk)
    path = f"/t/{txn.public_id}/link/"
    token = form_token_of(clerk, path)
    refused = clerk.post(path, {"form_token": token, "target": hidden.reference, "kind": "related"})
    assert refused.status_code == 400
    assert f'value="{token}"' in refused.content.decode()
    done = clerk.post(path, {"form_token": token, "target": other.reference, "kind": "related"})
    assert done.status_code == 302
    assert Link.objects.filter(source=txn).count() == 1


def test_a_forged_or_someone_elses_token_acts_not_and_keeps_the_typing(cast: Any) -> None:
    txn = make_transaction(cast)
    path = f"/t/{txn.public_id}/comment/"
    heads_token = form_token_of(signed_in(cast.head), path)
    clerk = signed_in(cast.clerk)
    for token in ("made-up", heads_token, ""):
        response = clerk.post(path, {"form_token": token, "text": "ملاحظة مكتوبة"})
        html = response.content.decode()
        assert response.status_code == 400
        assert "انتهت صلاحية النموذج" in html and "ملاحظة مكتوبة" in html
    assert Event.objects.filter(transaction=txn, action="commented").count() == 0


def test_the_receipt_prints_the_reference_both_dates_and_shaped_arabic(
    cast: Any, tmp_path: Any
) -> None:
    import shutil
    import subprocess

    from wasl.core import hijri

    txn = make_transaction(cast)
    pdf = tmp_path / "receipt.pdf"
    pdf.write_bytes(signed_in(cast.clerk).get(f"/t/{txn.public_id}/receipt.pdf").content)
    pdftotext, pdffonts = shutil.which("pdftotext"), shutil.which("pdffonts")
    assert pdftotext and pdffonts, "poppler-utils is missing"
    text = subprocess.run(  # noqa: S603
        [pdftotext, str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    fonts = subprocess.run(  # noqa: S603
        [pdffonts, str(pdf)], capture_output=True, text=True, check=True
    ).stdout
    assert txn.reference in text
    h = hijri.to_hijri(txn.registered_on)
    assert f"{h.year}/{h.month:02d}/{h.day:02d}" in text
    assert txn.registered_on.strftime("%Y/%m/%d") in text
    # Shaped by HarfBuzz with the shipped font: the words come back whole, in reading order.
    assert "إيصال تسجيل معاملة" in text and "الحربي" in text
    assert "Wasl-Arabic" in fonts or "WaslArabic" in fonts, fonts


def test_old_form_claims_are_purged_and_recent_ones_kept(cast: Any) -> None:
    from datetime import timedelta
    from io import StringIO

    from django.core.management import call_command
    from django.utils import timezone

    from wasl.web.models import SubmittedForm

    old = SubmittedForm.objects.create(token="old", user=cast.clerk.user)
    SubmittedForm.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=3))
    SubmittedForm.objects.create(token="recent", user=cast.clerk.user)
    out = StringIO()
    call_command("purge_submitted_forms", stdout=out)
    assert list(SubmittedForm.objects.values_list("token", flat=True)) == ["recent"]
    assert "deleted 1" in out.getvalue()
