"""The portal's acts: a person signs in (through the provider's claims or a demo code).

Each is one database transaction with its audit record (chain "portal").
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from wasl.audit import services as audit
from wasl.core import identity
from wasl.core.errors import InvalidInput, NotFound, WaslError

from .models import DemoTextMessage, OneTimeCode, Person
from .people import demo_person

CODE_SECONDS = 5 * 60
CODE_ATTEMPTS = 5
CODES_PER_WINDOW = 3


def _claimed_id(claims: dict[str, Any]) -> str:
    """The national ID / iqama of the claims, its check digit verified."""
    value = claims.get(settings.WASL_OIDC_ID_CLAIM)
    try:
        return identity.validate_national_id(value)
    except InvalidInput as exc:
        raise InvalidInput(
            "لم يرسل الدخول الوطني رقم هوية أو إقامة صحيحًا، فلا يمكن فتح حسابك. " + exc.message_ar,
            "The national sign-on did not send a valid ID or iqama number, so your account "
            "cannot be opened. " + exc.message_en,
            code="invalid_identity_claim",
        ) from exc


def _text(value: object, limit: int) -> str:
    return value.strip()[:limit] if isinstance(value, str) else ""


def _phone(value: object) -> str:
    try:
        return identity.normalise_phone(value)
    except InvalidInput:
        return ""


def _signed_in(id_number: str, *, via: str, name: str, phone: str, subject: str) -> Person:
    now = timezone.now()
    person = Person.objects.select_for_update().filter(id_number=id_number).first()
    if person is None:
        person = Person.objects.create(
            id_number=id_number,
            kind=identity.id_kind(id_number),
            name=name,
            phone=phone,
            subject=subject,
            created_at=now,
            last_signed_in_at=now,
        )
        audit.record(
            "portal.person.created",
            chain="portal",
            object_type="person",
            object_id=str(person.public_id),
            data={"kind": person.kind, "via": via},
        )
    else:
        person.name = name or person.name
        person.phone = phone or person.phone
        person.subject = subject or person.subject
        person.last_signed_in_at = now
        person.save(update_fields=["name", "phone", "subject", "last_signed_in_at"])
    audit.record(
        "portal.person.signed_in",
        chain="portal",
        object_type="person",
        object_id=str(person.public_id),
        data={"via": via},
    )
    return person


@transaction.atomic
def sign_in_with_claims(claims: dict[str, Any]) -> Person:
    """تسجيل الدخول — the person of verified ID-token claims: their account, opened at the
    first sign-in. The ID claim (WASL_OIDC_ID_CLAIM) must be a valid national ID (1…) or iqama
    (2…); anything else is refused with `invalid_identity_claim`."""
    id_number = _claimed_id(claims)
    return _signed_in(
        id_number,
        via="oidc",
        name=_text(claims.get("name"), 200),
        phone=_phone(claims.get("phone_number")),
        subject=_text(claims.get("sub"), 255),
    )


def _digest(id_number: str, code: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"{id_number}:{code}".encode(), hashlib.sha256).hexdigest()


def _codes_off() -> NotFound:
    return NotFound()


def _no_demo_phone() -> InvalidInput:
    return InvalidInput(
        "لا يوجد جوال تجريبي مسجل لهذا الرقم. استخدم أحد أرقام الهوية التجريبية.",
        "There is no demo phone for this number. Use one of the demo ID numbers.",
        code="no_demo_phone",
        field="id_number",
    )


@transaction.atomic
def send_demo_code(id_number: object) -> tuple[str, str]:
    """إرسال رمز تحقق — demo only: a six-digit code, valid five minutes, to the demo phone of
    a demo person; at most three codes per person in five minutes. Returns the ID number (as
    stored) and the phone's last four digits."""
    if not settings.WASL_PORTAL_DEMO_CODES:
        raise _codes_off()
    number = identity.validate_national_id(id_number)
    person = demo_person(number)
    if person is None:
        raise _no_demo_phone()
    now = timezone.now()
    recent = OneTimeCode.objects.filter(
        id_number=number, created_at__gte=now - timedelta(seconds=CODE_SECONDS)
    ).count()
    if recent >= CODES_PER_WINDOW:
        raise WaslError(
            "أُرسلت رموز كثيرة لهذا الرقم. انتظر خمس دقائق ثم اطلب رمزًا جديدًا.",
            "Too many codes were sent for this number. Wait five minutes, then ask again.",
            code="too_many_codes",
            status=429,
        )
    code = f"{secrets.randbelow(10**6):06d}"
    OneTimeCode.objects.create(
        id_number=number,
        phone=person.phone,
        code_hash=_digest(number, code),
        created_at=now,
        expires_at=now + timedelta(seconds=CODE_SECONDS),
    )
    DemoTextMessage.objects.create(
        phone=person.phone,
        body=f"وصل: رمز الدخول {code}، صالح 5 دقائق.\nWasl: sign-in code {code}, valid 5 minutes.",
        created_at=now,
    )
    return number, person.phone[-4:]


def _wrong_code() -> InvalidInput:
    return InvalidInput(
        "الرمز غير صحيح أو انتهت صلاحيته. اطلب رمزًا جديدًا.",
        "The code is wrong or has expired. Ask for a new one.",
        code="wrong_code",
        field="code",
    )


def sign_in_with_code(id_number: str, code: object) -> Person:
    """الدخول برمز التحقق — demo only: the latest unused, unexpired code of this number, five
    attempts at most, used once."""
    if not settings.WASL_PORTAL_DEMO_CODES:
        raise _codes_off()
    typed = _text(code, 12)
    with transaction.atomic():
        now = timezone.now()
        row = (
            OneTimeCode.objects.select_for_update()
            .filter(id_number=id_number, used_at__isnull=True, expires_at__gt=now)
            .order_by("-created_at", "-id")
            .first()
        )
        if row is None or row.attempts >= CODE_ATTEMPTS:
            raise _wrong_code()
        if not hmac.compare_digest(row.code_hash, _digest(id_number, typed)):
            row.attempts += 1
            row.save(update_fields=["attempts"])
            wrong = True
        else:
            row.used_at = now
            row.save(update_fields=["used_at"])
            wrong = False
    if wrong:  # the attempt is counted (committed) before the refusal
        raise _wrong_code()
    person = demo_person(id_number)
    with transaction.atomic():
        return _signed_in(
            id_number,
            via="demo_code",
            name=person.name_ar if person else "",
            phone=person.phone if person else "",
            subject="",
        )
