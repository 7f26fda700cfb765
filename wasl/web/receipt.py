"""The registration receipt / cover sheet (إيصال تسجيل): a one-page PDF with the reference
number, the dates in both calendars and a QR code of its verification address.

The verification address carries the transaction's id signed with the site's key (Django's
`Signer`, salted for receipts): only Wasl can make one, so anyone holding a receipt can check
that it is genuine, and nobody can make addresses up to find transactions. What the address
shows (reference, entity, registration date) is what the receipt itself prints.

WeasyPrint shapes the Arabic with Pango and HarfBuzz; the fonts are the ones shipped in
``static/web/fonts`` (never the system's), so every server prints the same page.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import segno
from django.core import signing
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


_SALT = "wasl.receipt"


def verification_code(txn: Transaction) -> str:
    return signing.Signer(salt=_SALT).sign(txn.public_id.hex)


def verified_transaction(code: str) -> Transaction | None:
    """The transaction whose receipt carries `code`, or None for a code Wasl did not make
    (or of a transaction that no longer exists): the same answer for both."""
    try:
        value = signing.Signer(salt=_SALT).unsign(code[:200])
        public_id = uuid.UUID(hex=value)
    except (signing.BadSignature, ValueError):
        return None
    return Transaction.objects.select_related("entity").filter(public_id=public_id).first()


def render_receipt(txn: Transaction, verify_url: str) -> bytes:
    context = {
        "txn": txn,
        "entity": txn.entity,
        "unit": txn.unit,
        "correspondent": txn.correspondent if txn.correspondent_id else None,
        "registered_by": txn.registered_by,
        "attachments": Attachment.objects.filter(transaction_id=txn.pk).count(),
        "qr": qr_svg(verify_url),
        "verify_url": verify_url,
        "party_id": masked_id(txn.party_id_number),
        "printed_at": timezone.localtime(),
        "LANGUAGE_CODE": get_language(),
    }
    html = render_to_string("web/receipt.html", context)
    return bytes(HTML(string=html, base_url=str(STATIC_DIR) + "/").write_pdf())
