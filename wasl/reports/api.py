"""Balagh 940 on the API (/api/v1/reports/…): categories, "already reported nearby" and
submitting need no token (a citizen's app); the staff list needs one and goes through the
registry's access rule."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.http import HttpRequest
from ninja import File, Form, Query, Router, Schema, UploadedFile
from ninja.decorators import decorate_view
from ninja.responses import Status
from pydantic import StrictInt, ValidationError, field_validator

from wasl.core.errors import InvalidInput, NotFound
from wasl.directory.actors import actor_for
from wasl.directory.idempotency import idempotent
from wasl.directory.tokens import user_for_token

from . import flood, presenters, queries, services
from . import photos as photo_files
from .vocabulary import Channel

router = Router(tags=["reports"])


class Error(Schema):
    code: str
    message_ar: str
    message_en: str


ERRORS: dict[int, Any] = {
    400: Error,
    401: Error,
    404: Error,
    409: Error,
    413: Error,
    422: Error,
    429: Error,
}


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
    services.locate(lat, lon)  # a point at sea or outside every area is refused, not "none"
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
@decorate_view(partial(flood.api_posts, person_of=lambda request: _bearer_user(request)))
@idempotent  # a token holder's retry with the same Idempotency-Key gets the first answer
def submit(request: HttpRequest, payload: ReportIn) -> Status[dict[str, Any]]:
    return Status(201, _submit(request, payload, []))


@router.post(
    "/reports/with-photos",
    auth=None,
    response={201: dict, **ERRORS},
    summary="Submit a 940 report with up to 5 photos (multipart: `report` is the JSON of "
    "POST /reports, `photos` the files)",
)
@decorate_view(partial(flood.api_posts, person_of=lambda request: _bearer_user(request)))
@decorate_view(photo_files.photo_uploads)
@idempotent
def submit_with_photos(
    request: HttpRequest,
    report: Form[str],
    photos: File[list[UploadedFile]] = None,  # type: ignore[assignment]
) -> Status[dict[str, Any]]:
    try:
        payload = ReportIn.model_validate_json(report)
    except ValidationError:
        raise InvalidInput(
            "حقل report يجب أن يكون بيانات البلاغ بصيغة JSON كما في POST /reports.",
            "The 'report' field must be the report's JSON, as for POST /reports.",
            code="validation_error",
            field="report",
        ) from None
    files = request.FILES.getlist("photos")
    return Status(201, _submit(request, payload, photo_files.prepare_all(files)))


def _submit(request: HttpRequest, payload: ReportIn, prepared: list[Any]) -> dict[str, Any]:
    user = _bearer_user(request)
    contact = payload.contact or ContactIn()
    # An anonymous reporter gets a follow-up key, once, to confirm, reopen or rate later.
    key = services.new_reporter_key() if user is None else ""
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
        photos=prepared,
        reporter_key=key,
        language=_language(request),
    )
    answer = presenters.public_detail(report)
    if key:
        answer["reporter_key"] = key
    return answer


class FeedbackIn(Schema):
    reporter_key: str = ""


class ReopenIn(FeedbackIn):
    reason: str


class RateIn(FeedbackIn):
    rating: StrictInt  # not "5", not true: a whole number, as the schema says
    note: str = ""


def _reporter(request: HttpRequest, payload: FeedbackIn) -> services.Reporter:
    user = _bearer_user(request)
    return services.Reporter(user_id=user.pk if user else None, key=payload.reporter_key[:200])


@router.post(
    "/reports/{reference}/confirm",
    auth=None,
    response={200: dict, **ERRORS},
    summary="The reporter confirms the fix (bearer token of the reporter, or reporter_key)",
)
@idempotent
def confirm(request: HttpRequest, reference: str, payload: FeedbackIn) -> dict[str, Any]:
    report = services.confirm_report(_reporter(request, payload), reference)
    return presenters.public_detail(queries.public_report(report.transaction.reference) or report)


@router.post(
    "/reports/{reference}/reopen",
    auth=None,
    response={200: dict, **ERRORS},
    summary="The reporter reopens a closed report within the window, with a reason",
)
@idempotent
def reopen(request: HttpRequest, reference: str, payload: ReopenIn) -> dict[str, Any]:
    report = services.reopen_by_reporter(
        _reporter(request, payload), reference, reason=payload.reason
    )
    return presenters.public_detail(queries.public_report(report.transaction.reference) or report)


@router.post(
    "/reports/{reference}/rate",
    auth=None,
    response={200: dict, **ERRORS},
    summary="The reporter rates the service from 1 to 5, once, after the report is closed",
)
@idempotent
def rate(request: HttpRequest, reference: str, payload: RateIn) -> dict[str, Any]:
    report = services.rate_report(
        _reporter(request, payload), reference, rating=payload.rating, note=payload.note
    )
    return presenters.public_detail(queries.public_report(report.transaction.reference) or report)


@router.post(
    "/reports/{reference}/close",
    response={200: dict, **ERRORS},
    summary="Staff close a report with proof (multipart: `note`, and 1-5 `photos`)",
)
@decorate_view(photo_files.photo_uploads)
@idempotent
def close(
    request: HttpRequest,
    reference: str,
    note: Form[str] = "",
    photos: File[list[UploadedFile]] = None,  # type: ignore[assignment]
) -> dict[str, Any]:
    prepared = photo_files.prepare_all(request.FILES.getlist("photos"))
    report = services.close_report(actor_for(request.auth), reference, note=note, photos=prepared)
    return presenters.public_detail(queries.public_report(report.transaction.reference) or report)


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
    return presenters.public_detail(report)


@router.get(
    "/reports",
    response={200: list[dict[str, Any]], **ERRORS},
    summary="Reports the token's holder may see (the registry's access rule), newest first",
)
def staff_list(request: HttpRequest, limit: int = 50) -> list[dict[str, Any]]:
    actor = actor_for(request.auth)
    rows = queries.for_staff(actor)[: max(1, min(limit, 200))]
    return [presenters.for_staff(r) for r in rows]


class FollowIn(Schema):
    contact: ContactIn | None = None

    @field_validator("contact", mode="before")
    @classmethod
    def contact_is_an_object(cls, value: Any) -> Any:
        return ReportIn.contact_is_an_object(value)


@router.post(
    "/reports/{reference}/follow",
    auth=None,
    response={200: dict, **ERRORS},
    summary="Already reported: add yourself to an open report instead of filing a new one "
    "(a bearer token, or a contact with a mobile number or an e-mail address); you are told "
    "of its outcome",
)
@decorate_view(partial(flood.api_posts, person_of=lambda request: _bearer_user(request)))
@idempotent
def follow(request: HttpRequest, reference: str, payload: FollowIn) -> dict[str, Any]:
    user = _bearer_user(request)
    contact = payload.contact or ContactIn()
    report = services.follow_report(
        reference,
        contact=services.Contact(contact.name, contact.phone, contact.email),
        user_id=user.pk if user is not None else None,
        language=_language(request),
    )
    return {
        **presenters.public_detail(queries.public_report(report.transaction.reference) or report),
        "following": True,
    }


class MergeIn(Schema):
    into: str
    across_categories: bool = False


@router.post(
    "/reports/{reference}/merge",
    response={200: dict, **ERRORS},
    summary="Staff merge a duplicate report into an open one: it is closed as a duplicate and "
    "its reporters follow the other",
)
@idempotent
def merge(request: HttpRequest, reference: str, payload: MergeIn) -> dict[str, Any]:
    report = services.merge_reports(
        actor_for(request.auth),
        reference,
        into=payload.into,
        across_categories=payload.across_categories,
    )
    return presenters.public_detail(queries.public_report(report.transaction.reference) or report)


def _language(request: HttpRequest) -> str:
    return "en" if getattr(request, "LANGUAGE_CODE", "ar") == "en" else "ar"


def _bearer_user(request: HttpRequest) -> Any:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None
    return user_for_token(header[len("Bearer ") :].strip())
