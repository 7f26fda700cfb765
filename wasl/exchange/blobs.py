"""Attachment files as the exchange hands them to the registry: kept once by their hash
(`wasl.registry.attachments`), read in pieces. Sending copies a file onto the outgoing
transaction; receiving, onto the incoming one."""

from __future__ import annotations

from collections.abc import Iterator

from wasl.registry import attachments as registry_files

CHUNK_BYTES = 256 * 1024


def chunks(sha256: str) -> Iterator[bytes]:
    """The stored file of this hash, in pieces of `CHUNK_BYTES`."""
    with registry_files.blob_path(sha256).open("rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            yield chunk
