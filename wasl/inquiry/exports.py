"""Search results as CSV and XLSX files (the rows come from `queries.export`, so the access
rule has already decided what is in them)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from django.utils import timezone

from wasl.core import hijri
from wasl.registry.models import Kind, Transaction, Urgency
from wasl.registry.states import State

HEADERS = (
    ("رقم المعاملة", "Reference"),
    ("الموضوع", "Subject"),
    ("الجهة", "Entity"),
    ("الإدارة", "Unit"),
    ("النوع", "Kind"),
    ("الحالة", "State"),
    ("درجة الاستعجال", "Urgency"),
    ("تاريخ التسجيل (هجري)", "Registered (Hijri)"),
    ("تاريخ التسجيل", "Registered"),
    ("آخر تحديث", "Last update"),
)

# Spreadsheet programs run cells that start with these as formulas (CSV injection).
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _arabic(words: Any, code: str) -> str:
    """The Arabic label of ``code`` (the sheet is in Arabic whatever the page's language)."""
    return words(code).label_ar if code in words.values else code


def _cell(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA) else value


def rows(transactions: Sequence[Transaction]) -> list[list[str]]:
    out = []
    for txn in transactions:
        out.append(
            [
                txn.reference,
                _cell(txn.subject),
                txn.entity.name_ar,
                txn.unit.name_ar,
                _arabic(Kind, txn.kind),
                _arabic(State, txn.state),
                _arabic(Urgency, txn.urgency),
                hijri.format_hijri(txn.registered_on),
                txn.registered_on.isoformat(),
                timezone.localtime(txn.updated_at).strftime("%Y-%m-%d %H:%M"),
            ]
        )
    return out


def to_csv(transactions: Sequence[Transaction]) -> bytes:
    """UTF-8 with a byte-order mark, so that spreadsheet programs read the Arabic right."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([f"{ar} — {en}" for ar, en in HEADERS])
    writer.writerows(rows(transactions))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(transactions: Sequence[Transaction]) -> bytes:
    """One right-to-left sheet with a bold header row."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook(write_only=False)
    sheet = book.active
    sheet.title = "نتائج الاستعلام"
    sheet.sheet_view.rightToLeft = True
    sheet.append([ar for ar, _ in HEADERS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows(transactions):
        sheet.append(row)
    for column, width in zip("ABCDEFGHIJ", (18, 60, 30, 30, 10, 12, 12, 16, 12, 18), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
