"""Helpers for the staff workspace's tests: signing people in and small files to attach."""

from __future__ import annotations

import os
import re
import struct
import zlib
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from tests.conftest import Person

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def png_bytes(width: int = 8, height: int = 8, rgb: tuple[int, int, int] = (11, 93, 59)) -> bytes:
    """A small valid PNG, made here so that no fixture file is needed."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + bytes(rgb) * width
    raw = row * height
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def signed_in(person: Person) -> Client:
    client = Client()
    client.force_login(person.user)
    return client


@pytest.fixture
def as_person() -> Any:
    return signed_in


def screenshot_path(name: str, tmp_path: Path) -> Path:
    """docs/screenshots/<name> when WASL_SCREENSHOTS is set (to refresh the docs), else a
    temporary file: the tests take every screenshot either way."""
    if os.environ.get("WASL_SCREENSHOTS"):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        return SCREENSHOTS / name
    return tmp_path / name


def post_step(client: Client, path: str, data: dict[str, Any] | None = None) -> Any:
    """POST a step's form as a browser does: with the one-time token of the form page."""
    page = client.get(path)
    match = re.search(r'name="form_token" value="([^"]+)"', page.content.decode())
    token = {"form_token": match.group(1)} if match else {}
    return client.post(path, {**(data or {}), **token})
