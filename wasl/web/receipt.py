"""The registration receipt / cover sheet (إيصال تسجيل): a one-page PDF with the reference
number, the dates in both calendars and a QR code of the reference.

WeasyPrint shapes the Arabic with Pango and HarfBuzz; the fonts are the ones shipped in
``static/web/fonts`` (never the system's), so every server prints the same page.
"""

from __future__ import annotations

from pathlib import Path

import segno
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import get_language
from weasyprint import HTML

from wasl.registry.models import Attachment, Transaction

STATIC_DIR = Path(__file__).resolve().parent / "static" / "web"


def qr_svg(text: str) -> str:
    """The QR code of ``text`` as an inline SVG element (no XML declaration)."""
    return segno.make(text, error="m").svg_inline(scale=4, border=2, dark="#1a1a1a")


def masked_id(number: str) -> str:
    """Only the last four digits of an ID number are printed: the receipt travels."""
    return ("•" * (len(number) - 4) + number[-4:]) if len(number) > 4 else number


def render_receipt(txn: Transaction) -> bytes:
    context = {
        "txn": txn,
        "entity": txn.entity,
        "unit": txn.unit,
        "correspondent": txn.correspondent if txn.correspondent_id else None,
        "registered_by": txn.registered_by,
        "attachments": Attachment.objects.filter(transaction_id=txn.pk).count(),
        "qr": qr_svg(txn.reference),
        "party_id": masked_id(txn.party_id_number),
        "printed_at": timezone.localtime(),
        "LANGUAGE_CODE": get_language(),
    }
    html = render_to_string("web/receipt.html", context)
    return bytes(HTML(string=html, base_url=str(STATIC_DIR) + "/").write_pdf())
