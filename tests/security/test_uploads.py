"""Uploads are checked before they are stored, and a failed upload leaves nothing behind.

Probes, on the web's attach step and the API's attachment upload: a person without the right to
attach (the body is not even read), a body whose Content-Length is over the limit (refused before
a byte is read), a file over the attachment limit (refused while it is read), a file of the wrong
type, and a database error after the file was stored. After each, the media folder and the
folder of Django's temporary upload files hold what they held before."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError
from django.test import Client
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.urls import reverse

from wasl.registry import attachments, services
from wasl.registry.models import Attachment

from ..conftest import make_transaction
from ..web.conftest import PDF_BYTES, signed_in
from .report import record


class CountingInput(io.BytesIO):
    """A request body that counts what the server read of it."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.taken = 0

    def read(self, size: int | None = -1) -> bytes:
        chunk = super().read(size)
        self.taken += len(chunk)
        return chunk

    def readline(self, size: int | None = -1) -> bytes:
        line = super().readline(size)
        self.taken += len(line)
        return line


@pytest.fixture
def folders(settings: Any, tmp_path: Path) -> dict[str, Path]:
    """Small limits, files always streamed to a temporary folder of their own."""
    settings.WASL_ATTACHMENT_MAX_BYTES = 4000
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 100
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "uploads")
    (tmp_path / "uploads").mkdir()
    return {"media": Path(settings.MEDIA_ROOT), "temp": tmp_path / "uploads"}


def files_in(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


class Probe:
    """Each probe: an upload, then the folders compared with what they held before."""

    def __init__(self, folders: dict[str, Path]) -> None:
        self.folders = folders
        self.attempts = 0
        self.leaks: list[str] = []

    @contextmanager
    def __call__(self, what: str) -> Iterator[None]:
        before = {name: files_in(folder) for name, folder in self.folders.items()}
        rows = Attachment.objects.count()
        yield
        self.attempts += 1
        for name, folder in self.folders.items():
            if files_in(folder) != before[name]:
                self.leaks.append(f"{what}: left {files_in(folder)} in {name}")
        if Attachment.objects.count() != rows:
            self.leaks.append(f"{what}: an attachment row was made")

    def read(self, what: str, sent: CountingInput) -> None:
        if sent.taken:
            self.leaks.append(f"{what}: {sent.taken} bytes of the body were read")

    def done(self) -> None:
        record("uploads", attempts=self.attempts, leaks=len(self.leaks))
        assert self.leaks == []


def web_attach(client: Client, txn: Any, upload: Any, **extra: Any) -> Any:
    path = reverse("web:transaction_step", args=[txn.public_id, "attach"])
    page = client.get(path)
    token = page.content.decode().split('name="form_token" value="')[1].split('"')[0]
    data = encode_multipart(BOUNDARY, {"attachments": upload, "form_token": token})
    return raw_post(client, path, data, **extra)


def api_attach(person: Any, txn: Any, upload: Any, **extra: Any) -> Any:
    data = encode_multipart(BOUNDARY, {"file": upload})
    headers = {"HTTP_AUTHORIZATION": f"Bearer {person.token}", **extra}
    return raw_post(Client(), f"/api/v1/transactions/{txn.public_id}/attachments", data, **headers)


def raw_post(client: Client, path: str, data: bytes, **extra: Any) -> Any:
    body = extra.pop("wsgi_input", None)
    if body is not None:
        extra["wsgi.input"] = body
    return client.generic("POST", path, data, content_type=MULTIPART_CONTENT, **extra)


def pdf(size: int = 0, name: str = "letter.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF_BYTES + b"%" * size, content_type="application/pdf")


def test_an_upload_by_someone_who_may_not_attach_is_not_even_read(cast, folders):
    probe = Probe(folders)
    txn = make_transaction(cast)
    web = reverse("web:transaction_step", args=[txn.public_id, "attach"])
    api = f"/api/v1/transactions/{txn.public_id}/attachments"
    for person in (cast.executive, cast.auditor):  # they see the transaction, may not attach
        sent = CountingInput(
            encode_multipart(BOUNDARY, {"attachments": pdf(3000), "form_token": "x"})
        )
        with probe("web, no right"):
            answer = raw_post(signed_in(person), web, sent.getvalue(), wsgi_input=sent)
        assert answer.status_code == 403
        probe.read(f"web, {person.username}", sent)

        sent = CountingInput(encode_multipart(BOUNDARY, {"file": pdf(3000)}))
        with probe("api, no right"):
            answer = raw_post(
                Client(),
                api,
                sent.getvalue(),
                wsgi_input=sent,
                HTTP_AUTHORIZATION=f"Bearer {person.token}",
            )
        assert answer.status_code == 403
        assert answer.json()["code"] == "not_holder"
        probe.read(f"api, {person.username}", sent)
    # Someone who cannot see it gets the same 404 as for a transaction that does not exist.
    with probe("api, not visible"):
        answer = api_attach(cast.outsider, txn, pdf())
    assert answer.status_code == 404
    probe.done()


def test_a_body_over_the_limit_is_refused_before_it_is_read(cast, folders):
    probe = Probe(folders)
    txn = make_transaction(cast)
    over = str(attachments.request_limit() + 1)
    # What the client says it will send decides: nothing of it is read.
    sent = CountingInput(encode_multipart(BOUNDARY, {"attachments": pdf(), "form_token": "x"}))
    with probe("web"):
        answer = web_attach(signed_in(cast.clerk), txn, pdf(), CONTENT_LENGTH=over, wsgi_input=sent)
    assert answer.status_code == 413
    probe.read("web", sent)
    for key in ({}, {"HTTP_IDEMPOTENCY_KEY": "big-0"}):
        sent = CountingInput(encode_multipart(BOUNDARY, {"file": pdf()}))
        with probe(f"api {key}"):
            answer = api_attach(cast.clerk, txn, pdf(), CONTENT_LENGTH=over, wsgi_input=sent, **key)
        assert answer.status_code == 413
        assert answer.json()["code"] in {"attachment_too_large", "request_too_large"}
        probe.read(f"api {key}", sent)
    probe.done()


def test_a_file_over_the_limit_is_refused_while_it_is_read(cast, folders):
    probe = Probe(folders)
    txn = make_transaction(cast)
    big = 3 * 4000
    with probe("web"):
        answer = web_attach(signed_in(cast.clerk), txn, pdf(big))
    assert answer.status_code == 413
    with probe("api"):
        answer = api_attach(cast.clerk, txn, pdf(big))
    assert answer.status_code == 413
    assert answer.json()["code"] == "attachment_too_large"
    with probe("api with a key"):  # whose fingerprint reads the body first
        answer = api_attach(cast.clerk, txn, pdf(big), HTTP_IDEMPOTENCY_KEY="big-1")
    assert answer.status_code == 413
    probe.done()


def test_a_file_of_the_wrong_type_leaves_nothing(cast, folders):
    probe = Probe(folders)
    txn = make_transaction(cast)

    def fake() -> SimpleUploadedFile:
        return SimpleUploadedFile("letter.pdf", b"MZ\x90\x00" * 100, content_type="application/pdf")

    with probe("web"):
        answer = web_attach(signed_in(cast.clerk), txn, fake())
    assert answer.status_code == 400
    with probe("api"):
        answer = api_attach(cast.clerk, txn, fake())
    assert answer.status_code == 400
    assert answer.json()["code"] == "attachment_type_mismatch"
    probe.done()


def test_a_database_error_after_the_file_was_stored_leaves_no_orphan(cast, folders, monkeypatch):
    probe = Probe(folders)
    txn = make_transaction(cast)

    def broken(*args: Any, **kwargs: Any) -> None:
        raise DatabaseError("the disk of the database is full")

    monkeypatch.setattr(services, "_touch", broken)  # after the file and its row were written
    client = Client(raise_request_exception=False)
    client.force_login(cast.clerk.user)
    with probe("web"):
        answer = web_attach(client, txn, pdf(500))
    assert answer.status_code == 500
    for key in ({}, {"HTTP_IDEMPOTENCY_KEY": "db-1"}):
        with probe(f"api {key}"):
            answer = raw_post(
                client,
                f"/api/v1/transactions/{txn.public_id}/attachments",
                encode_multipart(BOUNDARY, {"file": pdf(500)}),
                HTTP_AUTHORIZATION=f"Bearer {cast.clerk.token}",
                **key,
            )
        assert answer.status_code == 500
    monkeypatch.undo()
    probe.done()
    # The same file attached for real afterwards is stored (the key was freed by the failure).
    answer = api_attach(cast.clerk, txn, pdf(500), HTTP_IDEMPOTENCY_KEY="db-1")
    assert answer.status_code == 201
    assert attachments.blob_path(answer.json()["sha256"]).exists()


def test_a_file_kept_by_its_row_is_never_swept(cast, folders):
    txn = make_transaction(cast)
    first = api_attach(cast.clerk, txn, pdf(10))
    again = api_attach(cast.clerk, txn, pdf(10))  # the same content: the same stored file
    assert first.status_code == again.status_code == 201
    assert Attachment.objects.filter(transaction=txn).count() == 2
    assert attachments.blob_path(first.json()["sha256"]).exists()
