"""A transaction's files: its attachments, shown or downloaded, and its registration receipt
as a PDF; each served so that it can do nothing but be read."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.urls import reverse

from wasl.registry import access
from wasl.registry import attachments as attachment_files
from wasl.registry.models import Attachment

from ..receipt import render_receipt, verification_code
from ..workspace import Workspace, staff_page

PREVIEWABLE = {"application/pdf", "image/png", "image/jpeg", "image/webp"}


def _attachment_or_404(ws: Workspace, aid: Any) -> Attachment:
    att = access.get_attachment_for(ws.actor, aid)
    if not attachment_files.blob_path(att.sha256).exists():
        raise Http404
    return att


@staff_page(needs_unit=False)
def attachment_preview(request: HttpRequest, ws: Workspace, aid: Any) -> HttpResponse:
    """An image or PDF shown inline in the transaction page; other types are downloaded."""
    att = _attachment_or_404(ws, aid)
    inline = att.content_type in PREVIEWABLE
    response = FileResponse(
        attachment_files.blob_path(att.sha256).open("rb"),
        as_attachment=not inline,
        filename=att.filename,
        content_type=att.content_type,
    )
    return _strict_file_headers(response, pdf=att.content_type == "application/pdf")


@staff_page(needs_unit=False)
def attachment_download(request: HttpRequest, ws: Workspace, aid: Any) -> HttpResponse:
    att = _attachment_or_404(ws, aid)
    response = FileResponse(
        attachment_files.blob_path(att.sha256).open("rb"),
        as_attachment=True,
        filename=att.filename,
        content_type=att.content_type,
    )
    return _strict_file_headers(response, pdf=False)


def _strict_file_headers(response: HttpResponse, *, pdf: bool) -> HttpResponse:
    """A file may be framed by our own pages only, runs no script and loads nothing.

    Chromium's PDF viewer does not run in a sandboxed document, so PDFs get every other
    restriction but not `sandbox`.
    """
    response["X-Content-Type-Options"] = "nosniff"
    response["X-Frame-Options"] = "SAMEORIGIN"
    response["Cache-Control"] = "private, no-store"
    policy = "default-src 'none'; img-src 'self'; frame-ancestors 'self'"
    response["Content-Security-Policy"] = policy if pdf else policy + "; sandbox"
    return response


@staff_page(needs_unit=False)
def receipt(request: HttpRequest, ws: Workspace, tid: Any) -> HttpResponse:
    """إيصال التسجيل — the registration receipt / cover sheet as a PDF."""
    txn = access.get_transaction_for(ws.actor, tid)
    verify = reverse("web:verify_receipt", args=[verification_code(txn)])
    pdf = render_receipt(txn, request.build_absolute_uri(verify))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{txn.reference}.pdf"'
    return _strict_file_headers(response, pdf=True)
