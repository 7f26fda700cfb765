"""A small e-service of every field type and rule kind, received by the cast's Rights unit,
and helpers to go through it as a person would over HTTP."""

from __future__ import annotations

import copy
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def T(ar: str, en: str) -> dict[str, str]:
    return {"ar": ar, "en": en}


WAIVER: dict[str, Any] = {
    "code": "test-waiver",
    "name": T("طلب التنازل عن الحق الخاص", "Waive a private right"),
    "description": T("تنازل عن حق خاص في قضية.", "Waive a private right in a case."),
    "audience": "citizen",
    "receiver": {"entity": "EMK", "unit": "RIGHTS"},
    "kind": "petition",
    "sla_working_days": 10,
    "fees": [{"label": T("رسم", "Fee"), "amount": 50}],
    "documents": [T("صورة الهوية", "A copy of the ID")],
    "subject_field": "summary",
    "steps": [
        {
            "key": "case",
            "title": T("القضية", "The case"),
            "fields": [
                {
                    "key": "summary",
                    "type": "text",
                    "label": T("الموضوع", "Summary"),
                    "required": True,
                },
                {
                    "key": "case_type",
                    "type": "choice",
                    "label": T("نوع القضية", "Kind of case"),
                    "required": True,
                    "options": [
                        {"value": "traffic", "label": T("حادث مروري", "Traffic accident")},
                        {"value": "other", "label": T("أخرى", "Other")},
                    ],
                },
                {
                    "key": "case_other",
                    "type": "text",
                    "label": T("نوع القضية الأخرى", "What kind of case"),
                    "hidden": True,
                },
                {
                    "key": "other_party",
                    "type": "id_number",
                    "label": T("هوية الطرف الآخر", "The other party's ID"),
                    "required": True,
                },
                {
                    "key": "amount",
                    "type": "number",
                    "label": T("المبلغ", "Amount"),
                    "min": 0,
                    "max": 1000000,
                },
                {
                    "key": "happened_on",
                    "type": "date",
                    "label": T("تاريخ الواقعة", "When"),
                    "calendar": "hijri",
                    "when": "past",
                },
            ],
        },
        {
            "key": "papers",
            "title": T("المستندات", "Papers"),
            "fields": [
                {
                    "key": "deed",
                    "type": "file",
                    "label": T("صك التنازل", "Waiver deed"),
                    "accept": ["application/pdf"],
                    "max_mb": 1,
                    "required": True,
                },
                {"key": "place", "type": "location", "label": T("الموقع", "Place")},
                {"key": "phone", "type": "phone", "label": T("الجوال", "Mobile"), "required": True},
            ],
        },
    ],
    "rules": [
        {
            "when": {"==": [{"var": "case_type"}, "other"]},
            "show": ["case_other"],
            "require": ["case_other"],
        }
    ],
}


def services_file(*definitions: dict[str, Any]) -> dict[str, Any]:
    return {"format": "wasl.eservices/1", "services": [copy.deepcopy(d) for d in definitions]}


def step_one(other_party: str, **overrides: str) -> dict[str, str]:
    data = {
        "f_summary": "قضية دهس",
        "f_case_type": "traffic",
        "f_other_party": other_party,
        "f_amount": "٥٠٠٠",
        "f_happened_on": "1445/01/10",
        "action": "next",
    }
    data.update(overrides)
    return data


def deed(name: str = "تنازل.pdf", content: bytes = PDF, kind: str = "application/pdf") -> Any:
    return SimpleUploadedFile(name, content, content_type=kind)
