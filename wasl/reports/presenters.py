"""The public version of a report: what anyone may read. No contact details, no reporter,
no answers to the category's questions (they may name people), no internal notes."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from .models import Report, ReportPhoto
from .queries import CLOSED_STATES
from .vocabulary import PhotoKind


def status_of(report: Report) -> str:
    return "closed" if report.transaction.state in CLOSED_STATES else "open"


def public(report: Report) -> dict[str, Any]:
    txn = report.transaction
    return {
        "reference": txn.reference,
        "category": report.category.code,
        "category_ar": report.category.name_ar,
        "category_en": report.category.name_en,
        "status": status_of(report),
        "state": txn.state,
        "description": report.description,
        "address": report.address,
        "lat": report.lat,
        "lon": report.lon,
        "area": report.area.code,
        "area_ar": report.area.name_ar,
        "area_en": report.area.name_en,
        "district_ar": report.district.name_ar if report.district else "",
        "district_en": report.district.name_en if report.district else "",
        "unit_ar": txn.unit.name_ar,
        "unit_en": txn.unit.name_en,
        "requested_at": report.created_at,
        "updated_at": txn.updated_at,
        "due_date": txn.due_date,
        # Closed as a duplicate: the report it was merged into (its reference is public).
        "duplicate_of": (
            report.duplicate_of.transaction.reference if report.duplicate_of_id else ""
        ),
    }


def photo_url(photo: ReportPhoto) -> str:
    return reverse("reports:photo", args=[photo.public_id])


def _photo(photo: ReportPhoto) -> dict[str, Any]:
    return {"url": photo_url(photo), "width": photo.width, "height": photo.height}


def public_detail(report: Report) -> dict[str, Any]:
    """One report as anyone may see it: the public version with its photos (the clean copies),
    and once it is closed the staff's closing note and the proof."""
    rows = list(report.photos.all())
    closed = report.transaction.state in CLOSED_STATES
    return {
        **public(report),
        "photos": [_photo(p) for p in rows if p.kind == PhotoKind.REPORTED],
        "proof_photos": [_photo(p) for p in rows if p.kind == PhotoKind.PROOF] if closed else [],
        "resolution_note": report.resolution_note if closed else "",
        "confirmed": report.confirmed_at is not None,
        "feedback_until": report.feedback_until if closed else None,
        "rating": report.rating,
    }


def for_staff(report: Report) -> dict[str, Any]:
    return {
        **public(report),
        "transaction_id": str(report.transaction.public_id),
        "channel": report.channel,
        "answers": report.answers,
        "contact_name": report.contact_name,
        "contact_phone": report.contact_phone,
        "contact_email": report.contact_email,
        # Others who reported the same problem (`queries.for_staff` counts them).
        "followers": getattr(report, "follower_count", 0),
    }
