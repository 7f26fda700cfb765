"""Attachments: stored by SHA-256, type told by content, safe names, size limits."""

from __future__ import annotations

import hashlib
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from wasl.registry.attachments import blob_path
from wasl.registry.models import Attachment, Event

from ..conftest import make_transaction

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40


def docx_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return buf.getvalue()


def upload(api, person, txn, name, content, content_type="application/octet-stream"):
    return api(person).upload(
        f"/transactions/{txn.public_id}/attachments",
        file=SimpleUploadedFile(name, content, content_type=content_type),
    )


def test_a_pdf_is_stored_once_by_its_sha256_and_shown_on_the_timeline(cast, api):
    txn = make_transaction(cast)
    r = upload(api, cast.clerk, txn, "خطاب الإحالة.pdf", PDF, "application/pdf")
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert body["filename"] == "خطاب الإحالة.pdf"
    assert blob_path(body["sha256"]).read_bytes() == PDF
    again = upload(api, cast.clerk, txn, "نسخة.pdf", PDF)
    assert again.json()["sha256"] == body["sha256"]
    assert Attachment.objects.filter(sha256=body["sha256"]).count() == 2
    actions = list(Event.objects.filter(transaction=txn).values_list("action", flat=True))
    assert actions == ["registered", "attached", "attached"]


@pytest.mark.parametrize(
    ("name", "content", "declared"),
    [
        ("photo.png", PNG, "image/png"),
        ("محضر.docx", docx_bytes(), ""),
        ("ملاحظات.txt", "نص عربي".encode(), "text/plain"),
    ],
)
def test_allowed_types_are_accepted(cast, api, name, content, declared):
    r = upload(
        api,
        cast.clerk,
        make_transaction(cast),
        name,
        content,
        declared or "application/octet-stream",
    )
    assert r.status_code == 201, r.content


@pytest.mark.parametrize(
    ("name", "content", "declared", "code"),
    [
        (
            "letter.pdf",
            b"MZ\x90\x00 this is a windows program",
            "application/pdf",
            "attachment_type_mismatch",
        ),
        ("letter.pdf", PNG, "application/pdf", "attachment_type_mismatch"),
        ("photo.png", PDF, "image/png", "attachment_type_mismatch"),
        ("letter.pdf", PDF, "image/png", "attachment_type_mismatch"),
        ("fake.docx", b"PK\x03\x04garbage", "", "attachment_type_mismatch"),
        ("run.exe", b"MZ\x90\x00", "application/octet-stream", "attachment_type_not_allowed"),
        ("page.html", b"<script>alert(1)</script>", "text/html", "attachment_type_not_allowed"),
        ("empty.pdf", b"", "application/pdf", "attachment_empty"),
        ("..pdf", PDF, "application/pdf", "attachment_bad_name"),
    ],
)
def test_files_that_lie_or_are_not_allowed_are_refused_and_nothing_is_kept(
    cast, api, settings, name, content, declared, code
):
    txn = make_transaction(cast)
    r = upload(api, cast.clerk, txn, name, content, declared)
    assert r.status_code == 400, r.content
    assert r.json()["code"] == code
    assert r.json()["message_ar"]
    assert not Attachment.objects.exists()
    assert (
        not list((settings.MEDIA_ROOT / "blobs").rglob("*"))
        if (settings.MEDIA_ROOT / "blobs").exists()
        else True
    )
    assert list(Event.objects.filter(transaction=txn).values_list("action", flat=True)) == [
        "registered"
    ]


@pytest.mark.parametrize(
    "name",
    [
        "../../etc/passwd.pdf",
        "..\\..\\boot.pdf",
        "/etc/x.pdf",
        "a/b.pdf",
        "report\u202egnp.pdf",
        "nul\x00.pdf",
    ],
)
def test_path_traversal_and_hidden_characters_in_file_names_are_refused(cast, name):
    from wasl.core.errors import InvalidInput
    from wasl.registry import services

    txn = make_transaction(cast)
    with pytest.raises(InvalidInput) as caught:
        services.add_attachment(cast.clerk.actor, txn.public_id, chunks=[PDF], filename=name)
    assert caught.value.code == "attachment_bad_name"
    assert not Attachment.objects.exists()


def test_an_attachment_over_the_size_limit_is_refused_with_413(cast, api, settings):
    settings.WASL_ATTACHMENT_MAX_BYTES = 1000
    txn = make_transaction(cast)
    r = upload(api, cast.clerk, txn, "big.pdf", PDF + b"0" * 2000, "application/pdf")
    assert r.status_code == 413
    assert r.json()["code"] == "attachment_too_large"
    assert not Attachment.objects.exists()
    # Refused while it was read: nothing of it reached the media folder.
    assert not [p for p in settings.MEDIA_ROOT.rglob("*") if p.is_file()]


def test_a_unit_without_the_transaction_cannot_attach(cast, api):
    txn = make_transaction(cast)
    r = upload(api, cast.outsider, txn, "x.pdf", PDF)
    assert r.status_code == 404
    r = upload(api, cast.executive, txn, "x.pdf", PDF)
    assert r.status_code == 403
