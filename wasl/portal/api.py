"""The portal's JSON API at /api/v1/portal/: what the signed-in citizen or resident reads on
the portal's pages (themselves, their matters, the e-services they may apply for, the Jalsa
sessions open to book and their own bookings), for the installable web app on the same origin.

Authenticated by the portal's own session (the pages' sign-in, `sessions.current_person`),
never by a staff token or a staff session: a staff user is nobody here (401). Unsafe methods
pass Django's CSRF check, as django-ninja's cookie authentication does, after the session
(so that someone not signed in hears 401 first). Handlers parse, call one query or service,
and present; every answer is `no-store` (wasl.web.middleware.PrivateAnswers).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import F
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils import timezone
from ninja import Field, Router, Schema, Status
from ninja.security import APIKeyCookie
from ninja.utils import check_csrf

from wasl.core.errors import Forbidden, WaslError
from wasl.directory.idempotency import idempotent_as
from wasl.registry.api import DualDate, Error, Strict
from wasl.registry.presenters import dual_date

from . import queries, sessions
from .eservices import queries as eservice_queries
from .jalsa import queries as jalsa_queries
from .jalsa import services as jalsa
from .jalsa.models import AudienceSession, Booking, BookingState
from .models import IdKind, Person

UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class SignedOut(WaslError):
    status = 401
    code = "portal_signed_out"
    message_ar = "سجّل الدخول إلى تواصل أولاً (انتهت الجلسة أو لم تبدأ)."
    message_en = "Sign in to Tawasul first (your session has ended or has not started)."


class PortalSession(APIKeyCookie):
    """The portal's session cookie; the person it holds is `request.auth`."""

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request: HttpRequest) -> str | None:
        return request.COOKIES.get(self.param_name)  # CSRF is checked in `authenticate`

    def authenticate(self, request: HttpRequest, key: str | None) -> Person:
        person = sessions.current_person(request)[0] if key else None
        if person is None:
            raise SignedOut()
        if request.method in UNSAFE and check_csrf(request) is not None:
            raise Forbidden(
                "تعذّر التحقق من مصدر الطلب (رمز CSRF مفقود أو غير صحيح). أعد تحميل الصفحة.",
                "The request's origin could not be verified (missing or wrong CSRF token). "
                "Reload the page.",
                code="csrf_failed",
            )
        return person


router = Router(tags=["portal"], auth=PortalSession())


ERRORS: dict[int, Any] = {
    400: Error,
    401: Error,
    403: Error,
    404: Error,
    409: Error,
    413: Error,
    422: Error,
}


class Texts(Schema):
    ar: str
    en: str


class MeOut(Schema):
    id: str
    name: str
    id_kind: str = Field(description="citizen or resident")
    id_kind_ar: str
    id_kind_en: str
    id_number_masked: str = Field(description="The last four digits, as the pages show them")
    csrf_token: str = Field(description="For the X-CSRFToken header of a POST (same origin)")


class DocumentOut(Schema):
    id: str
    filename: str
    size: int
    url: str


class MatterOut(Schema):
    reference: str
    state: str
    state_ar: str
    state_en: str
    explanation_ar: str
    explanation_en: str
    entity_ar: str
    entity_en: str
    units_ar: list[str] = Field(description="Empty for a confidential matter")
    units_en: list[str]
    subject: str = Field(description="Empty for a confidential matter")
    next_step_ar: str
    next_step_en: str
    is_open: bool
    registered_on: DualDate
    last_update: DualDate
    expected: DualDate | None
    asked: str = Field(description="What the unit last asked of the person, while open")
    asked_on: DualDate | None
    documents: list[DocumentOut]


class ServiceOut(Schema):
    code: str
    name_ar: str
    name_en: str
    description_ar: str
    description_en: str
    audience: str
    sla_working_days: int | None
    documents: list[Texts]
    url: str


class SessionOut(Schema):
    id: str
    official_ar: str
    official_en: str
    place_ar: str
    place_en: str
    topics_ar: str
    topics_en: str
    entity_ar: str
    entity_en: str
    starts_at: str = Field(description="ISO 8601")
    starts_on: DualDate
    ends_at: str
    slot_minutes: int
    capacity: int
    free: int


class BookingOut(Schema):
    id: str
    session: str
    official_ar: str
    official_en: str
    place_ar: str
    place_en: str
    slot_at: str = Field(description="ISO 8601")
    slot_on: DualDate
    subject: str
    state: str
    state_ar: str
    state_en: str
    reference: str
    seat: int
    may_cancel: bool


class BookingIn(Strict):
    # Bounded here; the service refuses more than SUBJECT_MAX, in both languages.
    subject: str = Field(..., max_length=jalsa.SUBJECT_MAX * 4)


def _person(request: HttpRequest) -> Person:
    person = request.auth  # type: ignore[attr-defined]
    assert isinstance(person, Person)
    return person


def _iso(value: datetime) -> str:
    return str(timezone.localtime(value).isoformat())


@router.get("/me", response={200: MeOut, **ERRORS}, summary="The signed-in person")
def me(request: HttpRequest) -> dict[str, Any]:
    person = _person(request)
    kind = IdKind(person.kind)
    return {
        "id": str(person.public_id),
        "name": person.name,
        "id_kind": kind.value,
        "id_kind_ar": str(kind.label),
        "id_kind_en": "Citizen" if kind == IdKind.CITIZEN else "Resident",
        "id_number_masked": f"…{person.id_number[-4:]}",
        # The CSRF cookie is HttpOnly: the app takes the token from here (same origin only).
        "csrf_token": get_token(request),
    }


@router.get("/matters", response={200: list[MatterOut], **ERRORS}, summary="My matters")
def matters(request: HttpRequest) -> list[dict[str, Any]]:
    """What the "My matters" page shows, in both languages: a confidential matter only as the
    public inquiry tells it (no subject, no unit, no documents)."""
    return [
        {
            "reference": m.public.reference,
            "state": m.public.state,
            "state_ar": m.public.state_ar,
            "state_en": m.public.state_en,
            "explanation_ar": m.public.explanation_ar,
            "explanation_en": m.public.explanation_en,
            "entity_ar": m.public.entity_ar,
            "entity_en": m.public.entity_en,
            "units_ar": list(m.public.units_ar),
            "units_en": list(m.public.units_en),
            "subject": m.subject,
            "next_step_ar": m.next_step_ar,
            "next_step_en": m.next_step_en,
            "is_open": m.is_open,
            "registered_on": dual_date(m.registered_on),
            "last_update": dual_date(m.public.last_update),
            "expected": dual_date(m.public.expected),
            "asked": m.asked,
            "asked_on": dual_date(m.asked_on),
            "documents": [
                {
                    "id": d.public_id,
                    "filename": d.filename,
                    "size": d.size,
                    "url": reverse("portal:document", kwargs={"did": d.public_id}),
                }
                for d in m.documents
            ],
        }
        for m in queries.my_matters(_person(request))
    ]


@router.get(
    "/services", response={200: list[ServiceOut], **ERRORS}, summary="E-services I may apply for"
)
def services(request: HttpRequest) -> list[dict[str, Any]]:
    out = []
    for service in eservice_queries.catalogue(_person(request)):
        assert service.current is not None  # the catalogue holds published services only
        definition = service.current.definition
        out.append(
            {
                "code": service.code,
                "name_ar": definition["name"]["ar"],
                "name_en": definition["name"]["en"],
                "description_ar": definition["description"]["ar"],
                "description_en": definition["description"]["en"],
                "audience": service.current.audience,
                "sla_working_days": definition.get("sla_working_days"),
                "documents": [
                    {"ar": d["ar"], "en": d["en"]} for d in definition.get("documents", [])
                ],
                "url": reverse("portal:eservices:service", kwargs={"code": service.code}),
            }
        )
    return out


def _session(s: AudienceSession) -> dict[str, Any]:
    return {
        "id": str(s.public_id),
        "official_ar": s.official_ar,
        "official_en": s.official_en,
        "place_ar": s.place_ar,
        "place_en": s.place_en,
        "topics_ar": s.topics_ar,
        "topics_en": s.topics_en,
        "entity_ar": s.unit.entity.name_ar,
        "entity_en": s.unit.entity.name_en or s.unit.entity.name_ar,
        "starts_at": _iso(s.starts_at),
        "starts_on": dual_date(timezone.localdate(s.starts_at)),
        "ends_at": _iso(s.ends_at),
        "slot_minutes": s.slot_minutes,
        "capacity": s.capacity,
        "free": max(0, s.capacity - getattr(s, "held", 0)),
    }


def _booking(b: Booking) -> dict[str, Any]:
    s = b.session
    state = BookingState(b.state)
    return {
        "id": str(b.public_id),
        "session": str(s.public_id),
        "official_ar": s.official_ar,
        "official_en": s.official_en,
        "place_ar": s.place_ar,
        "place_en": s.place_en,
        "slot_at": _iso(b.slot_at),
        "slot_on": dual_date(timezone.localdate(b.slot_at)),
        "subject": b.subject,
        "state": state.value,
        "state_ar": state.label_ar,
        "state_en": state.label_en,
        "reference": b.transaction.reference if b.transaction else "",
        "seat": b.seat,
        "may_cancel": state == BookingState.BOOKED and s.starts_at > timezone.now(),
    }


@router.get(
    "/jalsa/sessions",
    response={200: list[SessionOut], **ERRORS},
    summary="Audience sessions open to book, with free seats",
)
def jalsa_sessions(request: HttpRequest) -> list[dict[str, Any]]:
    return [_session(s) for s in jalsa_queries.open_sessions().filter(held__lt=F("capacity"))]


@router.get(
    "/jalsa/bookings", response={200: list[BookingOut], **ERRORS}, summary="My Jalsa bookings"
)
def jalsa_bookings(request: HttpRequest) -> list[dict[str, Any]]:
    """The person's own bookings, newest first (the latest 50, as the page shows)."""
    return [_booking(b) for b in jalsa_queries.my_bookings(_person(request))[:50]]


def _key_owner(request: HttpRequest) -> dict[str, Any] | None:
    """Whose Idempotency-Key: the signed-in person, once the request passed the CSRF check
    (otherwise the operation answers 401 or 403 and nothing is kept under the key)."""
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return None
    person = sessions.current_person(request)[0]
    if person is None or check_csrf(request) is not None:
        return None
    return {"owner": f"person:{person.public_id}"}


@router.post(
    "/jalsa/sessions/{sid}/bookings",
    response={201: BookingOut, **ERRORS},
    summary="Book a slot in a Jalsa session",
)
@idempotent_as(_key_owner)
def book(request: HttpRequest, sid: str, payload: BookingIn) -> Status[dict[str, Any]]:
    """The first free slot of the session, for the subject given. Refused (409) when the
    session has started, is full or the person already holds a slot in it; 404 for a session
    that does not exist; 400 for an empty or too long subject."""
    return Status(201, _booking(jalsa.book(_person(request), sid, payload.subject)))
