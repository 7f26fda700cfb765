"""Attachment files: safe names, types told by content (not by what the client claims),
size limits, and storage by SHA-256 content address under MEDIA_ROOT/blobs/."""

from __future__ import annotations

import hashlib
import os
import tempfile
import unicodedata
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from django.conf import settings

from wasl.core.errors import InvalidInput, TooLarge

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


def store(chunks: Iterable[bytes], *, filename: object, declared_type: str = "") -> StoredFile:
    """Check and store a file; returns what was stored. Nothing is kept if a check fails.

    The file is written to a temporary file while it is hashed and measured, its type is told
    from its content and must agree with the name's extension and the declared type, then it
    is moved to its content address (an identical file already there is simply reused).
    """
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
                    raise TooLarge(
                        f"حجم المرفق أكبر من {limit // (1024 * 1024)} ميجابايت.",
                        f"The attachment is larger than {limit // (1024 * 1024)} MB.",
                        code="attachment_too_large",
                        field="file",
                    )
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
        sha = digest.hexdigest()
        final = blob_path(sha)
        final.parent.mkdir(parents=True, exist_ok=True)
        if final.exists():
            tmp.unlink()
        else:
            os.replace(tmp, final)
        return StoredFile(sha256=sha, size=size, content_type=expected, filename=name)
    finally:
        if tmp.exists():
            tmp.unlink()


def _bad_name(ar: str, en: str) -> InvalidInput:
    return InvalidInput(ar, en, code="attachment_bad_name", field="file")
