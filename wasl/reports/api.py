"""Balagh 940 on the API (/api/v1/reports/…): categories, "already reported nearby" and
submitting need no token (a citizen's app); the staff list needs one and goes through the
registry's access rule."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import field_validator

from wasl.core.errors import NotFound
from wasl.directory.actors import actor_for
from wasl.directory.idempotency import idempotent
from wasl.directory.tokens import user_for_token

from . import presenters, queries, services
from .vocabulary import Channel

router = Router(tags=["reports"])


class Error(Schema):
    code: str
    message_ar: str
    message_en: str


ERRORS: dict[int, Any] = {400: Error, 401: Error, 404: Error, 409: Error, 413: Error, 422: Error}


class ContactIn(Schema):
    name: str = ""
    phone: str = ""
    email: str = ""


class ReportIn(Schema):
    category: str
    lat: float
    lon: float
    description: str
    address: str = ""
    answers: dict[str, Any] = {}
    contact: ContactIn | None = None

    @field_validator("contact", mode="before")
    @classmethod
    def contact_is_an_object(cls, value: Any) -> Any:
        # ninja's Schema reads attributes off any object: "x" would pass as an empty contact.
        if value is not None and not isinstance(value, dict):
            raise ValueError("contact must be an object")
        return value


class NearbyParams(Schema):
    category: str
    lat: float
    lon: float
    radius: int = queries.NEARBY_DEFAULT_M


def _category(category: Any) -> dict[str, Any]:
    return {
        "code": category.code,
        "group": category.group,
        "name_ar": category.name_ar,
        "name_en": category.name_en,
        "description_ar": category.description_ar,
        "description_en": category.description_en,
        "priority": category.priority,
        "sla_hours": category.sla_hours,
        "questions": category.questions,
    }


@router.get(
    "/reports/categories",
    auth=None,
    response={200: list[dict[str, Any]]},
    summary="Categories of 940 reports, with their questions (no token)",
)
def categories(request: HttpRequest) -> list[dict[str, Any]]:
    return [_category(c) for c in queries.categories()]


@router.get(
    "/reports/nearby",
    auth=None,
    response={200: dict, **ERRORS},
    summary="Open reports of the same category near a point, before submitting (no token)",
)
def nearby(request: HttpRequest, params: Query[NearbyParams]) -> dict[str, Any]:
    category = services.active_category(params.category)
    lat, lon = services.parse_point(params.lat, params.lon)
    radius = max(10, min(params.radius, queries.NEARBY_MAX_M))
    found = queries.nearby_open(category, lat, lon, radius)
    return {
        "radius_m": radius,
        "results": [{**presenters.public(r), "distance_m": round(d, 1)} for r, d in found],
    }


@router.post(
    "/reports",
    auth=None,
    response={201: dict, **ERRORS},
    summary="Submit a 940 report (anonymous, or as the holder of a bearer token)",
)
@idempotent  # a token holder's retry with the same Idempotency-Key gets the first answer
def submit(request: HttpRequest, payload: ReportIn) -> Status[dict[str, Any]]:
    user = _bearer_user(request)
    contact = payload.contact or ContactIn()
    report = services.submit_report(
        category=payload.category,
        lat=payload.lat,
        lon=payload.lon,
        description=payload.description,
        address=payload.address,
        answers=payload.answers,
        contact=services.Contact(contact.name, contact.phone, contact.email),
        channel=Channel.API,
        reported_by_id=user.pk if user is not None else None,
    )
    return Status(201, presenters.public(report))


@router.get(
    "/reports/public/{reference}",
    auth=None,
    response={200: dict, **ERRORS},
    summary="The public version of a report, by its reference (no personal data)",
)
def public_report(request: HttpRequest, reference: str) -> dict[str, Any]:
    report = queries.public_report(reference)
    if report is None:
        raise NotFound()
    return presenters.public(report)


@router.get(
    "/reports",
    response={200: list[dict[str, Any]], **ERRORS},
    summary="Reports the token's holder may see (the registry's access rule), newest first",
)
def staff_list(request: HttpRequest, limit: int = 50) -> list[dict[str, Any]]:
    actor = actor_for(request.auth)
    rows = queries.for_staff(actor)[: max(1, min(limit, 200))]
    return [presenters.for_staff(r) for r in rows]


def _bearer_user(request: HttpRequest) -> Any:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None
    return user_for_token(header[len("Bearer ") :].strip())
