"""Photos of a report (صور البلاغ): checked, resized and stripped before they are stored.

A photo is read in full by Pillow (a file that only claims to be an image is refused), turned
upright by its EXIF orientation, shrunk to at most `LONG_SIDE` pixels and saved again as a new
JPEG built from its pixels alone: no EXIF (so no GPS position, camera make, model or serial
number), no XMP, no comment, no ICC profile. Only that copy is stored; the original is dropped
once it has been read. Staff gain nothing from the original that the report does not already
hold (its location is the report's own), while keeping it would keep the reporter's device
details and position history on the server and cost up to 10 MB a photo: so no one, staff
included, is ever shown anything but the clean copy. The original's SHA-256 and size are kept
as a receipt of what was received.

Sizes are checked before the body is read (`PhotoUploadLimits`, installed by `photo_uploads`
in front of the project's own handlers): a request longer than five photos at the limit is
refused from its Content-Length, and a photo that grows past the limit stops the reading, so a
40 MB photo never reaches the disk whole.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadhandler import FileUploadHandler
from django.http import JsonResponse
from PIL import Image, ImageOps, UnidentifiedImageError

from wasl.core.errors import InvalidInput, TooLarge

from . import conf

LONG_SIDE = 1600
JPEG_QUALITY = 82
FORMATS = {"JPEG", "PNG", "WEBP"}
# Pixels decoded at most (a 12,000 x 8,000 panorama); a "decompression bomb" above is refused.
MAX_PIXELS = 100_000_000


@dataclass(frozen=True)
class Photo:
    """A photo ready to store: the clean JPEG and what was received."""

    data: bytes
    width: int
    height: int
    original_sha256: str
    original_size: int


def request_limit() -> int:
    return conf.PHOTOS_MAX * conf.photo_max_bytes() + int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)


def too_large() -> TooLarge:
    mb = conf.photo_max_bytes() // (1024 * 1024)
    return TooLarge(
        f"حجم الصورة أكبر من {mb} ميجابايت؛ أرسل صورة أصغر.",
        f"A photo is larger than {mb} MB; send a smaller one.",
        code="photo_too_large",
        field="photos",
    )


def not_an_image() -> InvalidInput:
    return InvalidInput(
        "الملف المرفق ليس صورة (المقبول: JPEG وPNG وWebP).",
        "An attached file is not a photo (accepted: JPEG, PNG, WebP).",
        code="photo_not_an_image",
        field="photos",
    )


def too_many() -> InvalidInput:
    return InvalidInput(
        f"يُرفق {conf.PHOTOS_MAX} صور على الأكثر.",
        f"At most {conf.PHOTOS_MAX} photos may be attached.",
        code="too_many_photos",
        field="photos",
    )


def prepare_all(files: Iterable[Any]) -> list[Photo]:
    """Check, resize and strip every uploaded file (up to PHOTOS_MAX), or raise for the first
    that fails. Nothing is stored here."""
    files = [f for f in files if f is not None]
    if len(files) > conf.PHOTOS_MAX:
        raise too_many()
    return [prepare(f.chunks() if hasattr(f, "chunks") else [f]) for f in files]


def prepare(chunks: Iterable[bytes]) -> Photo:
    """One photo: read (within the size limit), decoded by Pillow, upright, resized, and saved
    again as a JPEG with no metadata."""
    limit = conf.photo_max_bytes()
    buffer = io.BytesIO()
    digest = hashlib.sha256()
    for chunk in chunks:
        if buffer.tell() + len(chunk) > limit:
            raise too_large()
        digest.update(chunk)
        buffer.write(chunk)
    size = buffer.tell()
    if size == 0:
        raise not_an_image()
    buffer.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(buffer, formats=sorted(FORMATS)) as opened:
                width, height = opened.size
                if width * height > MAX_PIXELS:
                    raise not_an_image()
                opened.load()  # decode every pixel: a truncated or forged file fails here
                upright = ImageOps.exif_transpose(opened)
    except (
        UnidentifiedImageError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
        OSError,
        SyntaxError,
        ValueError,
    ):
        raise not_an_image() from None
    clean = upright.convert("RGB")
    clean.thumbnail((LONG_SIDE, LONG_SIDE), Image.Resampling.LANCZOS)
    clean.info = {}  # nothing of the original's metadata travels to the copy
    out = io.BytesIO()
    clean.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return Photo(
        data=out.getvalue(),
        width=clean.width,
        height=clean.height,
        original_sha256=digest.hexdigest(),
        original_size=size,
    )


class PhotoUploadLimits(FileUploadHandler):
    """Refuses a request over five photos' worth before a byte of its body is read, and stops
    reading a photo that grows past the photo limit (what was written of it is deleted)."""

    def handle_raw_input(
        self,
        input_data: Any,
        META: dict[str, Any],
        content_length: int,
        boundary: Any,
        encoding: str | None = None,
    ) -> None:
        self.size = 0
        if content_length > request_limit():
            raise RequestDataTooBig("The request is over the photos' limit.")

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.size = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.size += len(raw_data)
        if self.size > conf.photo_max_bytes():
            for handler in self.request.upload_handlers:
                written = getattr(handler, "file", None)
                if handler is not self and written is not None:
                    written.close()
            raise RequestDataTooBig("A photo is over the photo limit.")
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def install_limits(request: Any) -> None:
    """Put `PhotoUploadLimits` first, before the request's body is read."""
    request.upload_handlers.insert(0, PhotoUploadLimits(request))


def read_body(request: Any) -> None:
    """Install the limits and parse the body now; raises `too_large()` when it is refused."""
    install_limits(request)
    try:
        request.POST  # noqa: B018 — parses the body under the limits
    except RequestDataTooBig:
        raise too_large() from None


def photo_uploads(view: Callable[..., Any]) -> Callable[..., Any]:
    """A ninja operation's wrapper (`decorate_view`): the photo limits in force before ninja
    reads the files."""

    @wraps(view)
    def run(request: Any, *args: Any, **kwargs: Any) -> Any:
        if request.method == "POST":
            try:
                read_body(request)
            except TooLarge as error:
                return JsonResponse(error.as_dict(), status=error.status)
        return view(request, *args, **kwargs)

    return run
