"""Attachment files: safe names, types told by content (not by what the client claims),
size limits, and storage by SHA-256 content address under MEDIA_ROOT/blobs/.

An upload is checked before it is stored, and nothing stays behind when its request fails:
- `UploadLimits`, the first upload handler, refuses a request whose Content-Length is over
  `request_limit()` before a byte of its body is read, and stops reading a file that grows past
  `WASL_ATTACHMENT_MAX_BYTES` (what Django wrote of it to a temporary file is closed, and so
  deleted);
- `check` reads a file into a temporary file under MEDIA_ROOT/tmp and deletes it again: a file
  is checked without being stored;
- `store` checks and places a file at its content address. A file placed during a request that
  no attachment row refers to when the request ends (its transaction rolled back, or the
  request failed after it was stored) is deleted then (`sweep_request_files`).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadhandler import FileUploadHandler

from wasl.core.errors import InvalidInput, TooLarge

from .models import Attachment

# type -> the file name extensions that may carry it
ALLOWED_TYPES: dict[str, tuple[str, ...]] = {
    "application/pdf": (".pdf",),
    "image/png": (".png",),
    "image/jpeg": (".jpg", ".jpeg"),
    "image/tiff": (".tif", ".tiff"),
    "image/webp": (".webp",),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (".docx",),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (".xlsx",),
    "text/plain": (".txt",),
}
GENERIC_TYPES = {"", "application/octet-stream", "binary/octet-stream"}
NAME_MAX = 150
_FORBIDDEN_NAME_CHARS = set('/\\:*?"<>|')


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    size: int
    content_type: str
    filename: str


def safe_filename(name: object) -> str:
    """Refuse names that try to escape the storage or hide what they are; keep Arabic."""
    if not isinstance(name, str) or not name.strip():
        raise _bad_name("اسم الملف مطلوب.", "A file name is required.")
    if len(name) > NAME_MAX:
        raise _bad_name(
            f"اسم الملف أطول من {NAME_MAX} حرفاً.", f"The file name is over {NAME_MAX} characters."
        )
    name = unicodedata.normalize("NFC", name.strip())
    if any(ch in _FORBIDDEN_NAME_CHARS for ch in name) or ".." in name or name.startswith("."):
        raise _bad_name(
            "اسم الملف يحتوي على مسار أو رموز غير مسموحة.",
            "The file name contains a path or characters that are not allowed.",
        )
    for ch in name:
        category = unicodedata.category(ch)
        if category in {"Cc", "Cf", "Cs", "Co", "Cn"} and ch not in "\u200c\u200d":
            raise _bad_name(
                "اسم الملف يحتوي على رموز تحكم أو اتجاه مخفية.",
                "The file name contains hidden control or direction characters.",
            )
    if PurePosixPath(name).name != name:
        raise _bad_name("اسم الملف غير صالح.", "The file name is not valid.")
    return name


def sniff(head: bytes, path: Path) -> str | None:
    """The type of a file, from its content."""
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "image/tiff"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            return None
        if "[Content_Types].xml" in names:
            if any(n.startswith("word/") for n in names):
                return ALLOWED_TYPES_BY_EXT[".docx"]
            if any(n.startswith("xl/") for n in names):
                return ALLOWED_TYPES_BY_EXT[".xlsx"]
        return None
    try:
        text = path.read_bytes().decode("utf-8")
    except (UnicodeDecodeError, OSError):
        return None
    if any(unicodedata.category(ch) == "Cc" and ch not in "\r\n\t" for ch in text):
        return None
    return "text/plain"


ALLOWED_TYPES_BY_EXT = {ext: t for t, exts in ALLOWED_TYPES.items() for ext in exts}


def blob_path(sha256: str) -> Path:
    return Path(settings.MEDIA_ROOT) / "blobs" / sha256[:2] / sha256[2:4] / sha256


# Files of the largest size one request may carry (a letter's or a registration's files).
FILES_PER_REQUEST = 4


def request_limit() -> int:
    """The largest multipart request read: a few files at their limit, and the form fields."""
    return FILES_PER_REQUEST * int(settings.WASL_ATTACHMENT_MAX_BYTES) + int(
        settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    )


class UploadLimits(FileUploadHandler):
    """The first of the upload handlers (FILE_UPLOAD_HANDLERS): sizes are checked before and
    while the body is read, so that no request can fill the disk with temporary files."""

    def handle_raw_input(
        self,
        input_data: Any,
        META: dict[str, Any],
        content_length: int,
        boundary: Any,
        encoding: str | None = None,
    ) -> None:
        self.total = 0
        self.size = 0
        if content_length > request_limit():
            raise RequestDataTooBig("The request is over the upload limit.")

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.size = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.size += len(raw_data)
        self.total += len(raw_data)
        if self.size > int(settings.WASL_ATTACHMENT_MAX_BYTES) or self.total > request_limit():
            # The handlers after this one hold the file being written: close (so delete) it.
            for handler in self.request.upload_handlers:
                written = getattr(handler, "file", None)
                if handler is not self and written is not None:
                    written.close()
            raise RequestDataTooBig("A file is over the attachment limit.")
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def too_large() -> TooLarge:
    limit = int(settings.WASL_ATTACHMENT_MAX_BYTES)
    return TooLarge(
        f"حجم المرفق أكبر من {limit // (1024 * 1024)} ميجابايت.",
        f"The attachment is larger than {limit // (1024 * 1024)} MB.",
        code="attachment_too_large",
        field="file",
    )


def check(chunks: Iterable[bytes], *, filename: object, declared_type: str = "") -> StoredFile:
    """Check a file as `store` does, without storing it: what it would be stored as."""
    with _checked(chunks, filename=filename, declared_type=declared_type) as (checked, _tmp):
        return checked


def store(chunks: Iterable[bytes], *, filename: object, declared_type: str = "") -> StoredFile:
    """Check and store a file; returns what was stored. Nothing is kept if a check fails.

    The file is written to a temporary file while it is hashed and measured, its type is told
    from its content and must agree with the name's extension and the declared type, then it
    is moved to its content address (an identical file already there is simply reused). A file
    placed here during a request is deleted when the request ends unless a row refers to it.
    """
    with _checked(chunks, filename=filename, declared_type=declared_type) as (checked, tmp):
        final = blob_path(checked.sha256)
        final.parent.mkdir(parents=True, exist_ok=True)
        if not final.exists():
            os.replace(tmp, final)
            placed = getattr(_request, "placed", None)
            if placed is not None:
                placed.append(checked.sha256)
        return checked


def keep(chunks: Iterable[bytes], *, filename: object, declared_type: str = "") -> StoredFile:
    """Store a file that no row refers to yet and that must outlive its request (a file kept
    across a refused form)."""
    stored = store(chunks, filename=filename, declared_type=declared_type)
    placed = getattr(_request, "placed", None)
    if placed and placed[-1] == stored.sha256:
        placed.pop()
    return stored


# The files this thread's request placed (None outside a request: a worker keeps nothing).
_request = threading.local()


def start_request(**kwargs: Any) -> None:
    """`request_started`: files placed from now on are this request's."""
    _request.placed = []


def sweep_request_files(**kwargs: Any) -> int:
    """`request_finished`: delete the files this request placed that no attachment refers to
    (its database transaction rolled back, or it failed after storing them). Returns how many.
    """
    placed: list[str] = getattr(_request, "placed", None) or []
    _request.placed = None
    if not placed:
        return 0
    referred = set(Attachment.objects.filter(sha256__in=placed).values_list("sha256", flat=True))
    gone = 0
    for sha in set(placed) - referred:
        blob_path(sha).unlink(missing_ok=True)
        gone += 1
    return gone


@contextmanager
def _checked(
    chunks: Iterable[bytes], *, filename: object, declared_type: str
) -> Iterator[tuple[StoredFile, Path]]:
    """The file checked, in a temporary file that is deleted when the block ends."""
    name = safe_filename(filename)
    ext = os.path.splitext(name)[1].lower()
    if ext not in ALLOWED_TYPES_BY_EXT:
        raise InvalidInput(
            "نوع الملف غير مسموح. المسموح: PDF وصور PNG وJPEG وTIFF وWebP ومستندات Word وExcel والنص.",
            "File type not allowed. Allowed: PDF, PNG, JPEG, TIFF, WebP, DOCX, XLSX, TXT.",
            code="attachment_type_not_allowed",
            field="file",
        )
    limit = int(settings.WASL_ATTACHMENT_MAX_BYTES)
    tmp_dir = Path(settings.MEDIA_ROOT) / "tmp"
    tmp_dir.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    head = b""
    fd, tmp_name = tempfile.mkstemp(dir=tmp_dir)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in chunks:
                size += len(chunk)
                if size > limit:
                    raise too_large()
                if len(head) < 64:
                    head += chunk[: 64 - len(head)]
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise InvalidInput(
                "الملف فارغ.", "The file is empty.", code="attachment_empty", field="file"
            )
        detected = sniff(head, tmp)
        expected = ALLOWED_TYPES_BY_EXT[ext]
        declared = (declared_type or "").split(";")[0].strip().lower()
        if detected != expected or (declared not in GENERIC_TYPES and declared != expected):
            raise InvalidInput(
                "محتوى الملف لا يطابق نوعه المعلن أو امتداد اسمه.",
                "The file's content does not match its declared type or its name's extension.",
                code="attachment_type_mismatch",
                field="file",
            )
        yield (
            StoredFile(sha256=digest.hexdigest(), size=size, content_type=expected, filename=name),
            tmp,
        )
    finally:
        if tmp.exists():
            tmp.unlink()


def _bad_name(ar: str, en: str) -> InvalidInput:
    return InvalidInput(ar, en, code="attachment_bad_name", field="file")
