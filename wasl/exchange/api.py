"""The exchange's staff API, under /api/v1/exchange/: send a letter to other entities
through Wasl, follow its delivery, read the directory of members, export a proof."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from django.http import HttpRequest
from ninja import Field, File, Form, Router, Schema, Status, UploadedFile
from pydantic import ConfigDict, ValidationError

from wasl.core import hijri
from wasl.core.errors import InvalidInput, NotFound
from wasl.directory.actors import Actor, actor_for
from wasl.directory.idempotency import idempotent
from wasl.directory.models import Unit
from wasl.registry import access
from wasl.registry import presenters as registry_presenters
from wasl.registry.vocabulary import Classification, Confidentiality, Kind, Urgency

from . import presenters, proofs, services
from .models import Member, MemberKey

router = Router(tags=["exchange"])


class Strict(Schema):
    model_config = ConfigDict(extra="forbid")


class Error(Schema):
    code: str
    message_ar: str
    message_en: str


ERRORS: dict[int, Any] = {s: Error for s in (400, 401, 403, 404, 409, 413, 422)}


class RestrictionIn(Strict):
    level: Confidentiality = Confidentiality.NORMAL
    legal_basis: str = Field("", max_length=500)
    until: str | None = Field(None, max_length=20, description="Gregorian or Hijri date")


class LetterIn(Strict):
    unit: uuid.UUID = Field(..., description="The sending unit (yours)")
    to: list[str] = Field(
        default_factory=list,
        max_length=50,
        description="Entity codes; default: the sender of the letter answered",
    )
    cc: list[str] = Field(default_factory=list, max_length=50, description="Copy to (entity codes)")
    subject: str = Field(..., max_length=500)
    body: str = Field("", max_length=20000)
    kind: Kind = Kind.LETTER
    classification: Classification = Classification.GENERAL
    urgency: Urgency = Urgency.NORMAL
    restriction: RestrictionIn | None = None
    reply_due: str | None = Field(None, max_length=20, description="Gregorian or Hijri date")
    answers: uuid.UUID | None = Field(None, description="An incoming Wasl letter this answers")
    concerning: uuid.UUID | None = Field(
        None,
        description="A transaction of your entity the letter is about: linked to it, and told "
        "(with its visitor) when each receiver's receipt comes back",
    )
    attachments: list[uuid.UUID] = Field(
        default_factory=list, max_length=20, description="Attachments (ids) you can see"
    )


def _actor(request: HttpRequest) -> Actor:
    return actor_for(request.auth)  # type: ignore[attr-defined]


def _date(value: str | None, field: str) -> date | None:
    if not value:
        return None
    try:
        return hijri.parse_date(value)
    except InvalidInput as error:
        error.field = field
        raise


def _send(actor: Actor, payload: LetterIn, files: list[UploadedFile]) -> dict[str, Any]:
    unit = Unit.objects.filter(public_id=payload.unit).first()
    if unit is None or unit.pk not in actor.unit_ids:
        raise NotFound("الإدارة غير موجودة.", "Unit not found.", code="unit_not_found")
    restriction = payload.restriction or RestrictionIn()
    sent = services.send_letter(
        actor,
        unit=unit,
        to=payload.to,
        cc=payload.cc,
        subject=payload.subject,
        body=payload.body,
        kind=payload.kind,
        classification=payload.classification,
        urgency=payload.urgency,
        restriction=services.Restriction(
            restriction.level,
            restriction.legal_basis,
            _date(restriction.until, "restriction.until"),
        ),
        reply_due=_date(payload.reply_due, "reply_due"),
        answers=payload.answers,
        concerning=payload.concerning,
        attachments=payload.attachments,
        files=[services.NewFile(f.name or "", f.chunks(), f.content_type or "") for f in files],
    )
    txn = access.get_transaction_for(actor, sent.transaction.public_id)
    return {
        "transaction": registry_presenters.transaction_summary(txn),
        "exchange": presenters.exchange_view(actor, txn),
    }


@router.post(
    "/exchange/letters",
    response={201: dict, **ERRORS},
    summary="Send a letter to entities through Wasl",
)
@idempotent
def send_letter(request: HttpRequest, payload: LetterIn) -> Status[dict[str, Any]]:
    return Status(201, _send(_actor(request), payload, []))


@router.post(
    "/exchange/letters/with-files",
    response={201: dict, **ERRORS},
    summary="Send a letter with new files (multipart: `letter` is the JSON, `files` the files)",
)
@idempotent
def send_letter_with_files(
    request: HttpRequest, letter: Form[str], files: File[list[UploadedFile]]
) -> Status[dict[str, Any]]:
    if len(letter) > 200_000:
        raise InvalidInput("الطلب كبير.", "The letter field is too large.", code="too_large")
    try:
        payload = LetterIn.model_validate_json(letter)
    except ValidationError as error:
        first = error.errors()[0] if error.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ())) or "letter"
        raise InvalidInput(
            f"بيانات الخطاب غير صحيحة ({where}).",
            f"The letter's data is not valid ({where}: {str(first.get('msg', ''))[:120]}).",
            code="validation_error",
            field=where,
        ) from None
    if len(files) > 20:
        raise InvalidInput(
            "لا تتجاوز 20 ملفاً.", "At most 20 files.", code="too_many_files", field="files"
        )
    return Status(201, _send(_actor(request), payload, files))


@router.get(
    "/exchange/transactions/{tid}",
    response={200: dict, **ERRORS},
    summary="Deliveries of a letter sent (to whom, when, their reference, their state), or where a letter came from",
)
def transaction_exchange(request: HttpRequest, tid: str) -> dict[str, Any]:
    actor = _actor(request)
    return presenters.exchange_view(actor, access.get_transaction_for(actor, tid))


@router.get("/exchange/members", response={200: dict, **ERRORS}, summary="The directory of members")
def member_directory(request: HttpRequest) -> dict[str, Any]:
    rows = Member.objects.select_related("entity", "node").order_by("code")
    current = dict(
        MemberKey.objects.filter(valid_until__isnull=True, revoked_at__isnull=True).values_list(
            "member_id", "key_id"
        )
    )
    return {
        "items": [
            {
                "code": m.code,
                "name_ar": m.entity.name_ar,
                "name_en": m.entity.name_en,
                "node": m.node.code,
                "hosted_here": m.node.is_self,
                "active": m.is_active and m.pk in current,
                "key_id": current.get(m.pk),
            }
            for m in rows
        ]
    }


def _delivery(row: Any) -> dict[str, Any]:
    return {
        "message_id": str(row.message_id),
        "receiver": row.receiver.code,
        "state": row.state,
        "transaction": str(row.transaction.public_id),
    }


@router.post(
    "/exchange/messages/{mid}/retry",
    response={200: dict, **ERRORS},
    summary="Try again now to deliver a letter being sent or not delivered (the sending unit)",
)
@idempotent
def retry_delivery(request: HttpRequest, mid: str) -> dict[str, Any]:
    return _delivery(services.retry_delivery(_actor(request), mid))


@router.post(
    "/exchange/messages/{mid}/withdraw",
    response={200: dict, **ERRORS},
    summary="Withdraw a letter not yet delivered to one receiver (the sending unit)",
)
@idempotent
def withdraw_delivery(request: HttpRequest, mid: str) -> dict[str, Any]:
    return _delivery(services.withdraw_delivery(_actor(request), mid))


@router.get(
    "/exchange/messages/{mid}/proof",
    response={200: dict, **ERRORS},
    summary="Proof bundle of a message: envelope, signature, receipt, public keys, log entries",
)
def proof(request: HttpRequest, mid: str) -> dict[str, Any]:
    # One answer for a message that is not here and one the reader may not see.
    return proofs.bundle(proofs.readable_by(_actor(request), mid))
