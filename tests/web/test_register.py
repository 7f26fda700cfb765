"""Registering a transaction: one form, errors beside their fields, nothing partial, and a
second click that never registers twice."""

from __future__ import annotations

import re
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.web.conftest import PDF_BYTES, png_bytes, signed_in
from wasl.registry.models import Attachment, Transaction


def form_token(client: Client) -> str:
    html = client.get("/register/").content.decode()
    match = re.search(r'name="form_token" value="([^"]+)"', html)
    assert match, "the form carries a one-time token"
    return match.group(1)


def valid_data(token: str, **overrides: Any) -> dict[str, Any]:
    data = {
        "form_token": token,
        "direction": "incoming",
        "kind": "petition",
        "classification": "general",
        "urgency": "urgent",
        "confidentiality": "normal",
        "subject": "معروض بشأن تعويض أرض",
        "body": "",
        "correspondent": "",
        "party_type": "citizen",
        "party_name": "محمد بن علي الحربي",
        "party_id_number": "1058529940",
        "party_phone": "",
        "party_cr": "",
        "party_entity": "",
        "external_reference": "",
        "external_date": "",
        "due_date": "",
    }
    data.update(overrides)
    return data


def test_a_clerk_registers_with_several_attachments_at_once(cast: Any) -> None:
    client = signed_in(cast.clerk)
    files = [
        SimpleUploadedFile("صورة.png", png_bytes(), content_type="image/png"),
        SimpleUploadedFile("خطاب.pdf", PDF_BYTES, content_type="application/pdf"),
    ]
    response = client.post("/register/", {**valid_data(form_token(client)), "attachments": files})
    txn = Transaction.objects.get()
    assert response.status_code == 302 and response.url == f"/t/{txn.public_id}/"
    assert txn.urgency == "urgent" and txn.unit_id == cast.registry.pk
    assert sorted(a.filename for a in Attachment.objects.filter(transaction=txn)) == [
        "خطاب.pdf",
        "صورة.png",
    ]
    page = client.get(response.url).content.decode()
    assert f"سُجّلت المعاملة برقم {txn.reference}." in page


def test_eastern_arabic_digits_are_accepted_in_every_number(cast: Any) -> None:
    client = signed_in(cast.clerk)
    data = valid_data(
        form_token(client),
        party_id_number="١٠٥٨٥٢٩٩٤٠",
        party_phone="٠٥٥٠١٢٣٤٥٦",
        due_date="۱۴۴۹/۰۱/۰۱",  # Persian digits, Hijri
        external_date="",
    )
    assert client.post("/register/", data).status_code == 302
    txn = Transaction.objects.get()
    assert txn.party_id_number == "1058529940"
    assert txn.party_phone == "+966550123456"
    assert txn.due_date is not None and txn.due_date.year in (2027, 2028)


def test_a_second_click_with_the_same_token_does_not_register_twice(cast: Any) -> None:
    client = signed_in(cast.clerk)
    data = valid_data(form_token(client))
    first = client.post("/register/", data)
    second = client.post("/register/", data)
    assert Transaction.objects.count() == 1
    assert second.status_code == 302 and second.url == first.url
    assert "سبق إرسال هذا النموذج" in client.get(second.url).content.decode()


def test_a_forged_or_expired_token_registers_nothing_and_keeps_the_typing(cast: Any) -> None:
    client = signed_in(cast.clerk)
    form_token(client)
    response = client.post("/register/", valid_data("made-up-token"))
    html = response.content.decode()
    assert response.status_code == 400
    assert Transaction.objects.count() == 0
    assert "انتهت صلاحية النموذج" in html
    assert "معروض بشأن تعويض أرض" in html
    assert 'value="made-up-token"' not in html


def test_a_wrong_id_is_refused_beside_its_field_and_nothing_is_saved(cast: Any) -> None:
    client = signed_in(cast.clerk)
    response = client.post(
        "/register/", valid_data(form_token(client), party_id_number="1058529941")
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert Transaction.objects.count() == 0
    error = re.search(r'id="id_party_id_number_error">([^<]+)<', html)
    assert error and "رقم التحقق" in error.group(1)
    assert 'value="1058529941"' in html
    assert 'aria-invalid="true"' in html


def test_a_service_error_lands_beside_the_field_it_names(cast: Any) -> None:
    client = signed_in(cast.clerk)
    # A resident's iqama starts with 2: the registry refuses a citizen's number here.
    response = client.post("/register/", valid_data(form_token(client), party_type="resident"))
    html = response.content.decode()
    assert response.status_code == 400
    assert re.search(r'id="id_party_id_number_error">[^<]*يبدأ', html)
    assert Transaction.objects.count() == 0


def test_an_incoming_letter_without_a_correspondent_is_refused_with_a_message(
    cast: Any,
) -> None:
    client = signed_in(cast.clerk)
    response = client.post(
        "/register/",
        valid_data(form_token(client), party_type="none", party_name="", party_id_number=""),
    )
    assert response.status_code == 400
    assert 'id="id_correspondent_error"' in response.content.decode()


def test_a_refused_attachment_saves_neither_the_transaction_nor_any_file(cast: Any) -> None:
    client = signed_in(cast.clerk)
    files = [
        SimpleUploadedFile("good.png", png_bytes(), content_type="image/png"),
        SimpleUploadedFile("evil.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf"),
    ]
    response = client.post("/register/", {**valid_data(form_token(client)), "attachments": files})
    html = response.content.decode()
    assert response.status_code == 400
    assert Transaction.objects.count() == 0 and Attachment.objects.count() == 0
    assert 'id="id_attachments_error"' in html
    assert "لا يطابق" in html


def test_the_subject_is_required_and_bidi_tricks_are_refused(cast: Any) -> None:
    client = signed_in(cast.clerk)
    token = form_token(client)
    empty = client.post("/register/", valid_data(token, subject=""))
    assert 'id="id_subject_error"' in empty.content.decode()
    tricky = client.post("/register/", valid_data(token, subject="abc\u202edcba"))
    assert re.search(r'id="id_subject_error">[^<]*اتجاه', tricky.content.decode())
    assert Transaction.objects.count() == 0


def test_an_impossible_hijri_date_is_refused_beside_its_field(cast: Any) -> None:
    client = signed_in(cast.clerk)
    response = client.post("/register/", valid_data(form_token(client), due_date="1448/02/31"))
    assert 'id="id_due_date_error"' in response.content.decode()
    assert Transaction.objects.count() == 0


def test_only_people_who_work_in_the_unit_may_register(cast: Any) -> None:
    client = signed_in(cast.auditor)
    assert client.get("/register/").status_code == 403
    assert client.post("/register/", valid_data("x")).status_code == 403
    assert Transaction.objects.count() == 0


def test_the_form_labels_every_input(cast: Any) -> None:
    html = signed_in(cast.clerk).get("/register/").content.decode()
    ids = {
        m.group(2)
        for m in re.finditer(r'<(input|select|textarea)\b[^>]*\bid="([^"]+)"[^>]*>', html)
        if 'type="hidden"' not in m.group(0)
    }
    labelled = set(re.findall(r'<label[^>]*\bfor="([^"]+)"', html))
    radios = {i for i in ids if re.search(r"id_(urgency|confidentiality)_\d", i)}
    # Radio buttons are labelled by the <label> Django wraps around each of them.
    assert ids - labelled - radios == set()


def test_no_input_is_a_box_that_refuses_arabic_digits(cast: Any) -> None:
    """Browsers refuse Arabic digits in number, date and email boxes: none of those, on any
    page with a form (the server folds the digits of every field that holds a number)."""
    from tests.conftest import make_referred

    txn, ref = make_referred(cast)
    clerk, rights = signed_in(cast.clerk), signed_in(cast.rights_clerk)
    pages = [Client().get("/"), clerk.get("/register/"), clerk.get("/inbox/")]
    pages += [clerk.get(f"/t/{txn.public_id}/{s}/") for s in ("refer", "link", "close")]
    pages += [rights.get(f"/t/{txn.public_id}/"), rights.get(f"/r/{ref.public_id}/forward/")]
    for response in pages:
        assert response.status_code == 200
        inputs = re.findall(r"<input\b[^>]*>", response.content.decode())
        assert inputs
        kinds = {m.group(1) for i in inputs if (m := re.search(r'type="([^"]+)"', i))}
        assert kinds <= {"text", "hidden", "password", "radio", "checkbox", "file"}, kinds


def kept_tokens(html: str) -> list[str]:
    return re.findall(r'name="kept_files" value="([^"]+)"', html)


def test_files_sent_with_a_refused_form_are_kept_for_the_corrected_one(cast: Any) -> None:
    client = signed_in(cast.clerk)
    token = form_token(client)
    files = [
        SimpleUploadedFile("صورة.png", png_bytes(), content_type="image/png"),
        SimpleUploadedFile("evil.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf"),
    ]
    refused = client.post("/register/", {**valid_data(token, subject=""), "attachments": files})
    html = refused.content.decode()
    assert refused.status_code == 400 and Transaction.objects.count() == 0
    kept = kept_tokens(html)
    assert len(kept) == 1 and "صورة.png" in html  # the refused file is not kept
    forged = kept[0][:-3] + "abc"
    done = client.post(
        "/register/", {**valid_data(token), "kept_files": [kept[0], forged, "nonsense"]}
    )
    assert done.status_code == 302
    txn = Transaction.objects.get()
    assert [a.filename for a in Attachment.objects.filter(transaction=txn)] == ["صورة.png"]


def test_a_kept_file_signed_for_someone_else_is_left_out(cast: Any) -> None:
    head = signed_in(cast.head)
    refused = head.post(
        "/register/",
        {
            **valid_data(form_token(head), subject=""),
            "attachments": [SimpleUploadedFile("a.png", png_bytes(), content_type="image/png")],
        },
    )
    heads_kept = kept_tokens(refused.content.decode())
    assert heads_kept
    clerk = signed_in(cast.clerk)
    done = clerk.post("/register/", {**valid_data(form_token(clerk)), "kept_files": heads_kept})
    assert done.status_code == 302
    assert Attachment.objects.count() == 0
