"""Delivery receipts from the SMS provider: checked, then applied once.

The provider posts JSON to /notifications/receipts/sms, signed with the shared secret
(`WASL_SMS_RECEIPT_SECRET`): the header `X-Wasl-Signature: sha256=<hex HMAC-SHA256 of the
body>`. A receipt is kept by its provider and id (`Receipt`); a repeat finds its row and
changes nothing. A notification whose status is final (delivered, permanent or technical
failure) keeps it whatever comes later; a temporary failure (the phone was off) sends the
message again after a back-off, until the attempts run out.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError
from django.db import transaction as db
from django.utils import timezone

from wasl.core.errors import InvalidInput, WaslError

from . import conf, sending, tasks
from .models import Notification, Receipt
from .states import FINAL, Status

MAX_BODY = 16 * 1024
PROVIDER = "http"
# What a receipt may say, and the status it leads to.
REPORTED = {
    "delivered": Status.DELIVERED,
    "temporary_failure": Status.TEMPORARY_FAILURE,
    "permanent_failure": Status.PERMANENT_FAILURE,
}


class BadSignature(WaslError):
    status = 403
    code = "bad_signature"
    message_ar = "توقيع إشعار التسليم غير صحيح."
    message_en = "The receipt's signature does not verify."


class NoSecret(WaslError):
    status = 503
    code = "receipts_not_configured"
    message_ar = "استقبال إشعارات التسليم غير مهيأ على هذه العقدة."
    message_en = "This node is not configured to receive delivery receipts."


@dataclass(frozen=True)
class Reported:
    receipt_id: str
    client_ref: uuid.UUID | None
    provider_ref: str
    status: str
    detail: str


def sign(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def verify(body: bytes, signature: str) -> None:
    secret = conf.get("WASL_SMS_RECEIPT_SECRET")
    if not secret:
        raise NoSecret()
    if not hmac.compare_digest(sign(body, secret).encode(), signature.encode("utf-8", "replace")):
        raise BadSignature()


def parse(body: bytes) -> Reported:
    """The receipt's fields, or InvalidInput (never anything else)."""

    def bad(field: str) -> InvalidInput:
        return InvalidInput(
            f"إشعار التسليم غير صالح: الحقل «{field}» ناقص أو غير صحيح.",
            f"The receipt is not valid: {field} is missing or wrong.",
            code="invalid_receipt",
            field=field,
        )

    try:
        data: Any = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise bad("body") from None
    if not isinstance(data, dict):
        raise bad("body")
    receipt_id, status = data.get("receipt_id"), data.get("status")
    if not isinstance(receipt_id, str) or not 0 < len(receipt_id) <= 100:
        raise bad("receipt_id")
    if status not in REPORTED:
        raise bad("status")
    client_ref: uuid.UUID | None = None
    raw_ref = data.get("client_ref")
    if raw_ref is not None:
        try:
            client_ref = uuid.UUID(str(raw_ref)[:64])
        except ValueError:
            raise bad("client_ref") from None
    provider_ref = data.get("message_id", "")
    if not isinstance(provider_ref, str) or len(provider_ref) > 100:
        raise bad("message_id")
    detail = data.get("detail", "")
    return Reported(
        receipt_id=receipt_id,
        client_ref=client_ref,
        provider_ref=provider_ref,
        status=status,
        detail=str(detail)[:300],
    )


def apply(reported: Reported, provider: str = PROVIDER) -> str:
    """Apply one receipt: "applied", "duplicate" (seen before: nothing changed), "ignored"
    (its notification's status is final) or "unknown" (no such notification; kept)."""
    now = timezone.now()
    with db.atomic():
        notification = _notification(reported, provider)
        try:
            with db.atomic():
                Receipt.objects.create(
                    provider=provider,
                    receipt_id=reported.receipt_id,
                    notification=notification,
                    status=REPORTED[reported.status],
                    detail=reported.detail,
                    received_at=now,
                )
        except IntegrityError:
            return "duplicate"
        if notification is None:
            return "unknown"
        if notification.status in FINAL:
            return "ignored"
        status = REPORTED[reported.status]
        fields = {"status": status, "status_at": now, "next_attempt_at": None}
        if status == Status.TEMPORARY_FAILURE:
            fields["error"] = (reported.detail or "temporary failure")[:300]
            if notification.attempts < conf.get("WASL_NOTIFY_MAX_ATTEMPTS"):
                fields["next_attempt_at"] = now + sending.backoff(notification.attempts)
        elif status == Status.PERMANENT_FAILURE:
            fields["error"] = (reported.detail or "permanent failure")[:300]
        Notification.objects.filter(pk=notification.pk).update(**fields)
    if fields["next_attempt_at"] is not None:
        db.on_commit(lambda: tasks.retry_at(fields["next_attempt_at"]), robust=True)
    return "applied"


def _notification(reported: Reported, provider: str) -> Notification | None:
    rows = Notification.objects.select_for_update()
    if reported.client_ref is not None:
        found = rows.filter(public_id=reported.client_ref).first()
        if found is not None:
            return found
    if reported.provider_ref:
        return rows.filter(provider=provider, provider_ref=reported.provider_ref).first()
    return None
