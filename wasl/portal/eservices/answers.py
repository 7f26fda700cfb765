"""An application's answers: what a person typed or uploaded for each field, checked by the
field's type, then by the service's rules (rules.py) — on the server, whatever the browser did.

Stored answers are JSON: text and ID and phone numbers as strings, a number as a number, a
date as YYYY-MM-DD (Gregorian, shown in both calendars), a choice as its value (or list of
values), a file as {sha256, filename, size, content_type}, a location as {lat, lon}. An
unanswered field has no key.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone

from wasl.core import hijri, identity
from wasl.core.arabic import fold_digits
from wasl.core.errors import InvalidInput, WaslError
from wasl.core.text import clean_text
from wasl.registry import attachments as attachment_files

from .definitions import fields
from .rules import evaluate

TEXT_MAX = 200
MULTILINE_MAX = 2000
FILE_TYPES = ("application/pdf", "image/jpeg", "image/png")
FILE_MAX_MB = 5
# Mainland Saudi Arabia and its coast, roughly (as Balagh 940's): else surely a typing slip.
REGION_BOUNDS = (16.0, 32.5, 34.5, 56.0)
_NUMBER = re.compile(r"-?\d{1,12}(\.\d{1,6})?")


def input_name(key: str) -> str:
    """The form field of an answer: prefixed, so that no answer's key meets Django's own."""
    return f"f_{key}"


def _label(f: dict[str, Any]) -> tuple[str, str]:
    return f["label"]["ar"], f["label"]["en"]


def _wrong(f: dict[str, Any], code: str, ar: str, en: str) -> InvalidInput:
    label_ar, label_en = _label(f)
    return InvalidInput(f"«{label_ar}»: {ar}", f"{label_en}: {en}", code=code, field=f["key"])


def required_error(f: dict[str, Any]) -> InvalidInput:
    label_ar, label_en = _label(f)
    return InvalidInput(
        f"«{label_ar}» مطلوب.", f"{label_en} is required.", code="answer_required", field=f["key"]
    )


def _text(f: dict[str, Any], raw: str) -> str | None:
    multiline = bool(f.get("multiline"))
    label_ar, label_en = _label(f)
    value = clean_text(
        raw,
        field=f["key"],
        max_length=f.get("max_length", MULTILINE_MAX if multiline else TEXT_MAX),
        multiline=multiline,
        required=False,
        label_ar=label_ar,
        label_en=label_en,
    )
    return value or None


def _number(f: dict[str, Any], raw: str) -> int | float | None:
    text = fold_digits(raw).strip().replace("٫", ".").replace(",", "")
    if not text:
        return None
    if not _NUMBER.fullmatch(text):
        raise _wrong(f, "invalid_number", "اكتب رقمًا.", "write a number.")
    try:
        number = Decimal(text)
    except InvalidOperation as exc:  # pragma: no cover - the pattern admits only numbers
        raise _wrong(f, "invalid_number", "اكتب رقمًا.", "write a number.") from exc
    if f.get("integer") and number != number.to_integral_value():
        raise _wrong(f, "invalid_number", "اكتب عددًا صحيحًا.", "write a whole number.")
    low, high = f.get("min"), f.get("max")
    if (low is not None and number < Decimal(str(low))) or (
        high is not None and number > Decimal(str(high))
    ):
        if low is not None and high is not None:
            ar, en = f"يجب أن يكون بين {low} و{high}.", f"must be between {low} and {high}."
        elif low is not None:
            ar, en = f"يجب ألا يقل عن {low}.", f"must be at least {low}."
        else:
            ar, en = f"يجب ألا يزيد على {high}.", f"must be at most {high}."
        raise _wrong(f, "number_out_of_range", ar, en)
    return int(number) if number == number.to_integral_value() else float(number)


def _date(f: dict[str, Any], raw: str) -> str | None:
    text = raw.strip()
    if not text:
        return None
    try:
        value = hijri.parse_date(text)
    except InvalidInput as exc:
        raise _wrong(f, "invalid_date", exc.message_ar, exc.message_en) from exc
    today = timezone.localdate()
    if f.get("when") == "past" and value > today:
        raise _wrong(f, "date_in_future", "لا يكون في المستقبل.", "cannot be in the future.")
    if f.get("when") == "future" and value < today:
        raise _wrong(f, "date_in_past", "لا يكون في الماضي.", "cannot be in the past.")
    return value.isoformat()


def _choice(f: dict[str, Any], raw: list[str]) -> str | list[str] | None:
    allowed = [o["value"] for o in f["options"]]
    chosen = [v for v in raw if v]
    if any(v not in allowed for v in chosen):
        raise _wrong(
            f, "invalid_choice", "اختر من الخيارات المعروضة.", "choose one of the options shown."
        )
    if f.get("multiple"):
        return [v for v in allowed if v in chosen] or None
    if len(chosen) > 1:
        raise _wrong(f, "invalid_choice", "اختر خيارًا واحدًا.", "choose one option.")
    return chosen[0] if chosen else None


def _id_number(f: dict[str, Any], raw: str) -> str | None:
    if not raw.strip():
        return None
    try:
        number = identity.validate_national_id(raw)
    except InvalidInput as exc:
        raise _wrong(f, exc.code, exc.message_ar, exc.message_en) from exc
    kinds = f.get("kinds")
    if kinds and identity.id_kind(number) not in kinds:
        if kinds == ["citizen"]:
            raise _wrong(
                f,
                "id_kind_not_allowed",
                "يلزم رقم هوية وطنية (يبدأ بـ1).",
                "a national ID number (starting with 1) is needed.",
            )
        raise _wrong(
            f,
            "id_kind_not_allowed",
            "يلزم رقم إقامة (يبدأ بـ2).",
            "an iqama number (starting with 2) is needed.",
        )
    return number


def _phone(f: dict[str, Any], raw: str) -> str | None:
    if not raw.strip():
        return None
    try:
        return identity.normalise_phone(raw)
    except InvalidInput as exc:
        raise _wrong(f, exc.code, exc.message_ar, exc.message_en) from exc


def _location(f: dict[str, Any], lat: str, lon: str) -> dict[str, float] | None:
    if not lat.strip() and not lon.strip():
        return None
    try:
        lat_f, lon_f = (float(fold_digits(v).strip()) for v in (lat, lon))
    except ValueError as exc:
        raise _wrong(
            f,
            "invalid_location",
            "اكتب خط العرض وخط الطول أرقامًا.",
            "give the latitude and longitude as numbers.",
        ) from exc
    min_lat, max_lat, min_lon, max_lon = REGION_BOUNDS
    if not all(map(math.isfinite, (lat_f, lon_f))) or not (
        min_lat <= lat_f <= max_lat and min_lon <= lon_f <= max_lon
    ):
        raise _wrong(
            f,
            "location_outside_region",
            "الموقع خارج المملكة؛ تحقق من الإحداثيات.",
            "the place is outside the Kingdom; check the coordinates.",
        )
    return {"lat": round(lat_f, 6), "lon": round(lon_f, 6)}


def check_upload(f: dict[str, Any], upload: UploadedFile) -> attachment_files.StoredFile:
    """A file for a file field: of a type the field accepts (told by its content, not by its
    name alone) and no larger than the field allows. Nothing is stored."""
    accept = f.get("accept", list(FILE_TYPES))
    limit_mb = f.get("max_mb", FILE_MAX_MB)
    names = "، ".join(t.split("/")[1].upper().replace("JPEG", "JPG") for t in accept)
    names_en = ", ".join(t.split("/")[1].upper().replace("JPEG", "JPG") for t in accept)
    if upload.size is not None and upload.size > limit_mb * 1024 * 1024:
        raise _wrong(
            f,
            "file_too_large",
            f"الملف أكبر من {limit_mb} ميجابايت.",
            f"the file is larger than {limit_mb} MB.",
        )
    try:
        checked = attachment_files.check(
            upload.chunks(), filename=upload.name, declared_type=upload.content_type or ""
        )
    except WaslError as exc:
        if exc.code == "attachment_too_large":
            raise _wrong(f, "file_too_large", exc.message_ar, exc.message_en) from exc
        raise _wrong(
            f,
            "file_type_not_allowed",
            f"نوع الملف غير مقبول هنا. المقبول: {names}.",
            f"this type of file is not accepted here. Accepted: {names_en}.",
        ) from exc
    if checked.content_type not in accept:
        raise _wrong(
            f,
            "file_type_not_allowed",
            f"نوع الملف غير مقبول هنا. المقبول: {names}.",
            f"this type of file is not accepted here. Accepted: {names_en}.",
        )
    if checked.size > limit_mb * 1024 * 1024:
        raise _wrong(
            f,
            "file_too_large",
            f"الملف أكبر من {limit_mb} ميجابايت.",
            f"the file is larger than {limit_mb} MB.",
        )
    return checked


@dataclass
class StepAnswers:
    """A step's answers as received: the answers with this step's merged in, the files to
    keep (field key → upload), and an error for each field that is wrong."""

    answers: dict[str, Any]
    uploads: dict[str, UploadedFile] = field(default_factory=dict)
    checked: dict[str, attachment_files.StoredFile] = field(default_factory=dict)
    errors: dict[str, WaslError] = field(default_factory=dict)


def _raw(post: Any, name: str) -> str:
    value = post.get(name, "")
    return value if isinstance(value, str) else ""


def read_step(
    definition: dict[str, Any],
    step: int,
    post: Any,
    files: Any,
    answers: dict[str, Any],
    applicant_kind: str,
    *,
    complete: bool,
) -> StepAnswers:
    """Read one step's form (a QueryDict-like `post`, `files`) over the answers so far.

    Every field of the step is checked by its type; then the rules are evaluated on all the
    answers: a field they hide loses its answer (and any error), and a field they require
    must be answered when `complete` (moving on or submitting; saving for later need not be
    complete). A field of the step left empty loses its earlier answer; a file field left
    empty keeps the file already given, unless "remove" was ticked."""
    merged = dict(answers)
    result = StepAnswers(answers=merged)
    for s, f in fields(definition):
        if s != step:
            continue
        key, name = f["key"], input_name(f["key"])
        try:
            value: Any
            if f["type"] == "text":
                value = _text(f, _raw(post, name))
            elif f["type"] == "number":
                value = _number(f, _raw(post, name))
            elif f["type"] == "date":
                value = _date(f, _raw(post, name))
            elif f["type"] == "choice":
                value = _choice(f, [v for v in post.getlist(name) if isinstance(v, str)])
            elif f["type"] == "id_number":
                value = _id_number(f, _raw(post, name))
            elif f["type"] == "phone":
                value = _phone(f, _raw(post, name))
            elif f["type"] == "location":
                value = _location(f, _raw(post, name + "_lat"), _raw(post, name + "_lon"))
            else:  # file
                upload = files.get(name)
                if upload is not None:
                    result.checked[key] = check_upload(f, upload)
                    result.uploads[key] = upload
                    # Stored only once the whole step is right (services.save_step).
                    value = {"filename": result.checked[key].filename, "pending": True}
                elif post.get(name + "_remove"):
                    value = None
                else:
                    value = answers.get(key)
        except WaslError as exc:
            result.errors[key] = exc
            merged.pop(key, None)
            continue
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    verdict = evaluate(definition, merged, applicant_kind)
    for s, f in fields(definition):
        key = f["key"]
        if key not in verdict.visible:
            merged.pop(key, None)
            result.uploads.pop(key, None)
            result.checked.pop(key, None)
            result.errors.pop(key, None)
        elif complete and s == step and key in verdict.required and key not in merged:
            result.errors.setdefault(key, required_error(f))
    return result


def missing_answers(
    definition: dict[str, Any], answers: dict[str, Any], applicant_kind: str
) -> tuple[dict[str, Any], dict[str, WaslError], int | None]:
    """Before submitting: the answers the rules keep (hidden fields dropped), an error for
    every required field without an answer, and the first step that has one."""
    verdict = evaluate(definition, answers, applicant_kind)
    kept = {k: v for k, v in answers.items() if k in verdict.visible}
    errors: dict[str, WaslError] = {}
    first: int | None = None
    for s, f in fields(definition):
        if f["key"] in verdict.required and f["key"] not in kept:
            errors[f["key"]] = required_error(f)
            first = s if first is None else first
    return kept, errors, first
