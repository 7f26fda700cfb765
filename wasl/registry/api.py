"""The registry's JSON API: registration, routing steps, attachments, the inbox, reading a
transaction with its timeline. Handlers parse, call one service or query, and present."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import FileResponse, HttpRequest
from ninja import Field, Query, Router, Schema, Status
from pydantic import ConfigDict

from wasl.core import hijri
from wasl.core.errors import InvalidInput, NotFound
from wasl.directory.actors import Actor, actor_for
from wasl.directory.idempotency import idempotent
from wasl.directory.models import Unit

from . import access, presenters, queries, services
from . import attachments as attachment_files
from .attachments import blob_path
from .models import Referral
from .vocabulary import (
    Classification,
    Confidentiality,
    Direction,
    Kind,
    LinkKind,
    PartyType,
    Urgency,
)

router = Router(tags=["registry"])


class Strict(Schema):
    model_config = ConfigDict(extra="forbid")


class PartyIn(Strict):
    type: PartyType = PartyType.NONE
    name: str = Field("", max_length=200)
    id_number: str = Field("", max_length=20)
    phone: str = Field("", max_length=32)
    email: str = Field("", max_length=254)
    cr: str = Field("", max_length=20)
    entity_code: str = Field("", max_length=20)


class RegisterIn(Strict):
    unit: uuid.UUID
    direction: Direction
    kind: Kind
    subject: str = Field(..., max_length=500)
    body: str = Field("", max_length=20000)
    classification: Classification = Classification.GENERAL
    urgency: Urgency = Urgency.NORMAL
    confidentiality: Confidentiality = Confidentiality.NORMAL
    due_date: str | None = Field(
        None, max_length=20, description="Gregorian 2026-12-01 or Hijri 1448/06/10هـ"
    )
    party: PartyIn | None = None
    correspondent: str = Field("", max_length=20, description="Entity code")
    external_reference: str = Field("", max_length=60)
    external_date: str | None = Field(None, max_length=20)


class ReferIn(Strict):
    to_units: list[uuid.UUID] = Field(..., min_length=1, max_length=20)
    instruction: str = Field(..., max_length=5000)
    due_in_days: int | None = Field(None, ge=1, le=365)


class ForwardIn(Strict):
    to_unit: uuid.UUID
    instruction: str = Field(..., max_length=5000)
    due_in_days: int | None = Field(None, ge=1, le=365)


class TextIn(Strict):
    text: str = Field(..., max_length=20000)


class DocumentIn(Strict):
    document: str = Field(..., max_length=2000)


class ReasonIn(Strict):
    reason: str = Field(..., max_length=5000)


class LinkIn(Strict):
    target: uuid.UUID
    kind: LinkKind = LinkKind.RELATED


class Error(Schema):
    code: str
    message_ar: str
    message_en: str


class DualDate(Schema):
    gregorian: str
    hijri: str
    display_ar: str


class TransactionStateOut(Schema):
    """A transaction as a step leaves it. Steps answer with this, not the full detail, which
    stays at `GET /transactions/{id}`."""

    id: str
    reference: str
    state: str
    state_ar: str
    updated_at: str = Field(description="ISO 8601; changes with every step")
    closed_at: str | None


class RegisteredOut(TransactionStateOut):
    registered_at: str
    registered_on: DualDate
    due_date: DualDate | None


class ReferralStateOut(Schema):
    id: str
    state: str
    due_date: DualDate | None
    created_at: str
    acknowledged_at: str | None
    finished_at: str | None
    answer: str


class NewReferralOut(ReferralStateOut):
    to_unit: str = Field(description="The unit's id")


class ReferredOut(TransactionStateOut):
    referrals: list[NewReferralOut] = Field(description="In the order of `to_units`")


class ReferralStepOut(TransactionStateOut):
    referral: ReferralStateOut


class ForwardedOut(TransactionStateOut):
    referral: NewReferralOut = Field(description="The new referral, to `to_unit`")


class EventOut(Schema):
    action: str
    at: str
    note: str


class CommentedOut(TransactionStateOut):
    event: EventOut


class LinkOut(Schema):
    kind: str
    direction: str
    id: str
    reference: str


class LinkedOut(TransactionStateOut):
    link: LinkOut


ERRORS: dict[int, Any] = {
    400: Error,
    401: Error,
    403: Error,
    404: Error,
    409: Error,
    413: Error,
    422: Error,
}


def _actor(request: HttpRequest) -> Actor:
    return actor_for(request.auth)  # type: ignore[attr-defined]


def _units(actor: Actor, ids: list[uuid.UUID], field: str) -> list[Unit]:
    found = {u.public_id: u for u in Unit.objects.filter(public_id__in=ids)}
    missing = [i for i in ids if i not in found]
    if missing:
        raise InvalidInput(
            "إدارة غير موجودة.", f"Unknown unit: {missing[0]}", code="unknown_unit", field=field
        )
    return [found[i] for i in ids]


def _date(value: str | None, field: str) -> date | None:
    if value is None or value == "":
        return None
    try:
        return hijri.parse_date(value)
    except InvalidInput as error:
        error.field = field
        raise


def _new_referral(ref: Referral, units: list[Unit]) -> dict[str, Any]:
    # The units were read from the request; their ids need no query.
    (unit,) = (u for u in units if u.pk == ref.to_unit_id)
    return {**presenters.referral_state(ref), "to_unit": str(unit.public_id)}


def _referral_step(ref: Referral) -> dict[str, Any]:
    return {
        **presenters.transaction_state(ref.transaction),
        "referral": presenters.referral_state(ref),
    }


@router.post(
    "/transactions", response={201: RegisteredOut, **ERRORS}, summary="Register a transaction"
)
@idempotent
def register(request: HttpRequest, payload: RegisterIn) -> Status[dict[str, Any]]:
    actor = _actor(request)
    unit = Unit.objects.select_related("entity").filter(public_id=payload.unit).first()
    if unit is None or unit.pk not in actor.unit_ids:
        raise NotFound("الإدارة غير موجودة.", "Unit not found.", code="unit_not_found")
    party = payload.party
    txn = services.register_transaction(
        actor,
        unit=unit,
        direction=payload.direction,
        kind=payload.kind,
        subject=payload.subject,
        body=payload.body,
        classification=payload.classification,
        urgency=payload.urgency,
        confidentiality=payload.confidentiality,
        due_date=_date(payload.due_date, "due_date"),
        party=services.Party(**party.model_dump()) if party else None,
        correspondent_code=payload.correspondent,
        external_reference=payload.external_reference,
        external_date=_date(payload.external_date, "external_date"),
    )
    return Status(
        201,
        {
            **presenters.transaction_state(txn),
            "registered_at": txn.registered_at.isoformat(),
            "registered_on": presenters.dual_date(txn.registered_on),
            "due_date": presenters.dual_date(txn.due_date),
        },
    )


class ListFilters(Schema):
    state: str | None = Field(None, max_length=20)
    unit: uuid.UUID | None = None
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=1_000_000)


@router.get("/transactions", response={200: dict, **ERRORS}, summary="Transactions I may see")
def list_transactions(request: HttpRequest, filters: Query[ListFilters]) -> dict[str, Any]:
    actor = _actor(request)
    qs = queries.visible_transactions(actor)
    if filters.state:
        qs = qs.filter(state=filters.state)
    if filters.unit:
        qs = qs.filter(unit__public_id=filters.unit)
    total = qs.count()
    page = qs.select_related("entity", "unit").order_by("-registered_at", "-id")[
        filters.offset : filters.offset + filters.limit
    ]
    return {"count": total, "items": [presenters.transaction_summary(t) for t in page]}


@router.get("/transactions/{tid}", response={200: dict, **ERRORS}, summary="A transaction")
def read(request: HttpRequest, tid: str) -> dict[str, Any]:
    actor = _actor(request)
    return presenters.transaction_detail(actor, access.get_transaction_for(actor, tid))


class InboxFilters(Schema):
    unit: uuid.UUID | None = None
    include_finished: bool = False
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=1_000_000)


@router.get("/inbox", response={200: dict, **ERRORS}, summary="Referrals waiting in my units")
def inbox(request: HttpRequest, filters: Query[InboxFilters]) -> dict[str, Any]:
    actor = _actor(request)
    unit_id = None
    if filters.unit:
        unit = Unit.objects.filter(public_id=filters.unit).first()
        if unit is None or unit.pk not in actor.working_unit_ids:
            raise NotFound("الإدارة غير موجودة.", "Unit not found.", code="unit_not_found")
        unit_id = unit.pk
    qs = queries.inbox(actor, unit_id=unit_id, only_open=not filters.include_finished)
    total = qs.count()
    items = []
    page = qs.select_related(
        "transaction__entity", "transaction__unit", "from_unit", "to_unit", "parent"
    )[filters.offset : filters.offset + filters.limit]
    for ref in page:
        item = presenters.referral_data(ref)
        item["transaction"] = presenters.transaction_summary(ref.transaction)
        items.append(item)
    return {"count": total, "items": items}


@router.post(
    "/transactions/{tid}/referrals", response={201: ReferredOut, **ERRORS}, summary="Refer"
)
@idempotent
def refer(request: HttpRequest, tid: str, payload: ReferIn) -> Status[dict[str, Any]]:
    actor = _actor(request)
    units = _units(actor, payload.to_units, "to_units")
    made = services.refer(
        actor,
        tid,
        to_units=units,
        instruction=payload.instruction,
        due_in_days=payload.due_in_days,
    )
    return Status(
        201,
        {
            **presenters.transaction_state(made[0].transaction),
            "referrals": [_new_referral(ref, units) for ref in made],
        },
    )


@router.post(
    "/referrals/{rid}/acknowledge", response={200: ReferralStepOut, **ERRORS}, summary="Acknowledge"
)
@idempotent
def acknowledge(request: HttpRequest, rid: str) -> dict[str, Any]:
    actor = _actor(request)
    return _referral_step(services.acknowledge(actor, rid))


@router.post(
    "/referrals/{rid}/answer", response={200: ReferralStepOut, **ERRORS}, summary="Answer (إفادة)"
)
@idempotent
def answer(request: HttpRequest, rid: str, payload: TextIn) -> dict[str, Any]:
    actor = _actor(request)
    return _referral_step(services.answer(actor, rid, text=payload.text))


@router.post("/referrals/{rid}/return", response={200: ReferralStepOut, **ERRORS}, summary="Return")
@idempotent
def return_referral(request: HttpRequest, rid: str, payload: ReasonIn) -> dict[str, Any]:
    actor = _actor(request)
    return _referral_step(services.return_referral(actor, rid, reason=payload.reason))


@router.post("/referrals/{rid}/forward", response={200: ForwardedOut, **ERRORS}, summary="Forward")
@idempotent
def forward(request: HttpRequest, rid: str, payload: ForwardIn) -> dict[str, Any]:
    actor = _actor(request)
    units = _units(actor, [payload.to_unit], "to_unit")
    made = services.forward(
        actor,
        rid,
        to_unit=units[0],
        instruction=payload.instruction,
        due_in_days=payload.due_in_days,
    )
    return {
        **presenters.transaction_state(made.transaction),
        "referral": _new_referral(made, units),
    }


@router.post(
    "/transactions/{tid}/comments", response={201: CommentedOut, **ERRORS}, summary="Comment"
)
@idempotent
def comment(request: HttpRequest, tid: str, payload: TextIn) -> Status[dict[str, Any]]:
    actor = _actor(request)
    event = services.comment(actor, tid, text=payload.text)
    return Status(
        201,
        {
            **presenters.transaction_state(event.transaction),
            "event": {
                "action": event.action,
                "at": event.created_at.isoformat(),
                "note": event.note,
            },
        },
    )


@router.post(
    "/transactions/{tid}/document-requests",
    response={201: CommentedOut, **ERRORS},
    summary="Ask the visitor for a document (طلب مستند)",
)
@idempotent
def request_document(request: HttpRequest, tid: str, payload: DocumentIn) -> Status[dict[str, Any]]:
    actor = _actor(request)
    event = services.request_document(actor, tid, document=payload.document)
    return Status(
        201,
        {
            **presenters.transaction_state(event.transaction),
            "event": {
                "action": event.action,
                "at": event.created_at.isoformat(),
                "note": event.note,
            },
        },
    )


@router.post(
    "/transactions/{tid}/close",
    response={200: TransactionStateOut, **ERRORS},
    summary="Close (حفظ)",
)
@idempotent
def close(request: HttpRequest, tid: str, payload: ReasonIn) -> dict[str, Any]:
    actor = _actor(request)
    return presenters.transaction_state(services.close(actor, tid, reason=payload.reason))


@router.post(
    "/transactions/{tid}/reopen", response={200: TransactionStateOut, **ERRORS}, summary="Reopen"
)
@idempotent
def reopen(request: HttpRequest, tid: str, payload: ReasonIn) -> dict[str, Any]:
    actor = _actor(request)
    return presenters.transaction_state(services.reopen(actor, tid, reason=payload.reason))


@router.post(
    "/transactions/{tid}/cancel", response={200: TransactionStateOut, **ERRORS}, summary="Cancel"
)
@idempotent
def cancel(request: HttpRequest, tid: str, payload: ReasonIn) -> dict[str, Any]:
    actor = _actor(request)
    return presenters.transaction_state(services.cancel(actor, tid, reason=payload.reason))


@router.post("/transactions/{tid}/links", response={201: LinkedOut, **ERRORS}, summary="Link")
@idempotent
def link(request: HttpRequest, tid: str, payload: LinkIn) -> Status[dict[str, Any]]:
    actor = _actor(request)
    made = services.link(actor, tid, payload.target, kind=payload.kind)
    return Status(
        201,
        {
            **presenters.transaction_state(made.source),
            "link": {
                "kind": made.kind,
                "direction": "out",
                "id": str(made.target.public_id),
                "reference": made.target.reference,
            },
        },
    )


@router.post(
    "/transactions/{tid}/attachments",
    response={201: dict, **ERRORS},
    summary="Attach a file",
    description="Multipart, the file in `file`. Who may attach is checked before the body is "
    "read; a body over the upload limit is refused (413) before it is read, a file over the "
    "attachment limit while it is.",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {"file": {"type": "string", "format": "binary"}},
                        "required": ["file"],
                    }
                }
            },
        }
    },
)
@idempotent
def attach(request: HttpRequest, tid: str) -> Status[dict[str, Any]]:
    actor = _actor(request)
    services.check_may_attach(actor, tid)  # before a byte of the body is read
    try:
        file = request.FILES.get("file")
    except RequestDataTooBig:
        raise attachment_files.too_large() from None
    if file is None:
        raise InvalidInput("الملف مطلوب.", "A file is required (field `file`).", field="file")
    made = services.add_attachment(
        actor,
        tid,
        chunks=file.chunks(),
        filename=file.name,
        declared_type=file.content_type or "",
    )
    return Status(201, presenters.attachment_data(made))


@router.get("/attachments/{aid}", response={200: dict, **ERRORS}, summary="Attachment metadata")
def attachment(request: HttpRequest, aid: str) -> dict[str, Any]:
    return presenters.attachment_data(access.get_attachment_for(_actor(request), aid))


@router.get(
    "/attachments/{aid}/content",
    response=ERRORS,
    summary="Download an attachment",
    openapi_extra={
        "responses": {
            "200": {"description": "The file", "content": {"application/octet-stream": {}}}
        }
    },
)
def attachment_content(request: HttpRequest, aid: str) -> FileResponse:
    att = access.get_attachment_for(_actor(request), aid)
    path = blob_path(att.sha256)
    if not path.exists():
        raise NotFound(
            "ملف المرفق غير متوفر.", "The attachment's file is missing.", code="blob_missing"
        )
    response = FileResponse(
        path.open("rb"), as_attachment=True, filename=att.filename, content_type=att.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
