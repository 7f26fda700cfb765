"""Checklists and visits as the pages show them, in the person's language."""

from __future__ import annotations

from typing import Any

from .models import Checklist, Inspection, Visit
from .vocabulary import AnswerType, PhotoRule, VisitKind


def _pick(data: Any, name: str, language: str) -> str:
    return str(data.get(f"{name}_en" if language == "en" else f"{name}_ar", ""))


def items(checklist: Checklist, language: str) -> list[dict[str, Any]]:
    """The checklist's items with their words in `language` and their form's field names."""
    shown = []
    for item in checklist.items:
        shown.append(
            {
                "code": item["code"],
                "name": f"item-{item['code']}",
                "photo_name": f"photo-{item['code']}",
                "text": _pick(item, "text", language),
                "type": item["type"],
                "is_yes_no": item["type"] == AnswerType.YES_NO,
                "is_number": item["type"] == AnswerType.NUMBER,
                "is_choice": item["type"] == AnswerType.CHOICE,
                "is_text": item["type"] == AnswerType.TEXT,
                "min": item.get("min"),
                "max": item.get("max"),
                "required": item.get("required", True),
                "photo": item.get("photo", PhotoRule.NONE),
                "options": [
                    {"value": o["value"], "text": _pick(o, "text", language)}
                    for o in item.get("options", [])
                ],
            }
        )
    return shown


def checklist_name(checklist: Checklist | None, language: str) -> str:
    if checklist is None:
        return ""
    return checklist.name_en if language == "en" else checklist.name_ar


def visit_row(visit: Visit, language: str) -> dict[str, Any]:
    district = visit.district or visit.area
    return {
        "public_id": visit.public_id,
        "kind": VisitKind(visit.kind).label,
        "kind_code": visit.kind,
        "place": visit.place,
        "district": district.name_en if language == "en" else district.name_ar,
        "due_date": visit.due_date,
        "report": visit.report.transaction.reference if visit.report_id else "",
        "inspector": (
            visit.inspector.user.get_full_name() or visit.inspector.user.get_username()
            if visit.inspector_id and hasattr(visit.inspector, "user")
            else ""
        ),
        "state": visit.state,
    }


def answers(inspection: Inspection, language: str) -> list[dict[str, Any]]:
    """Each item of the version the inspection was filled with, and its answer."""
    fines = {f.item_code: f for f in inspection.findings.all()}
    photos: dict[str, list[Any]] = {}
    for p in inspection.photos.all():
        photos.setdefault(p.item_code, []).append(p)
    shown = []
    for item in inspection.checklist.items:
        value = inspection.answers.get(item["code"])
        if item["type"] == AnswerType.CHOICE:
            option = next((o for o in item["options"] if o["value"] == value), None)
            value = _pick(option, "text", language) if option else value
        finding = fines.get(item["code"])
        shown.append(
            {
                "text": _pick(item, "text", language),
                "value": value,
                "is_yes_no": item["type"] == AnswerType.YES_NO,
                "violation": (
                    {
                        "code": finding.violation.code,
                        "name": _pick(finding.violation.__dict__, "name", language),
                        "fine": finding.fine_sar,
                    }
                    if finding
                    else None
                ),
                "photos": photos.get(item["code"], []),
            }
        )
    return shown
