"""Every change of Balagh 940: loading categories and areas, submitting a report, API keys.

A report is registered through the registry's own `register_transaction`, by the channel's
system account (`wasl-940`, a clerk of every receiving unit), in the unit that receives the
report's category in the area that contains it; the `Report` row is written in the same
database transaction, so a refusal anywhere leaves nothing behind.
"""

from __future__ import annotations

import hashlib
import json
import math
import secrets
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import OperationalError
from django.db import transaction as db
from django.db.models import Q
from django.utils import timezone

from wasl.audit import services as audit
from wasl.core import identity
from wasl.core.errors import InvalidInput, NotFound, WaslError
from wasl.core.text import clean_text
from wasl.directory import services as directory
from wasl.directory.actors import Actor, actor_for
from wasl.directory.models import Entity, Unit, entity_code_of
from wasl.registry import calendar, followers, rights
from wasl.registry import services as registry
from wasl.registry.queries import visible_to
from wasl.registry.states import State
from wasl.registry.vocabulary import Classification, Direction, Kind

from . import conf, geo
from . import photos as photo_files
from .errors import (
    AlreadyRated,
    ContactRequired,
    FeedbackWindowOver,
    MergeAcrossCategories,
    MergeIntoClosed,
    MergeIntoItself,
    NoReceivingUnit,
    NotTheReporter,
    OutsideServiceArea,
    ProofRequired,
    ReportNotClosed,
    ReportNotOpen,
)
from .models import Area, Category, Open311Key, Report, ReportFollower, ReportPhoto
from .photos import Photo
from .vocabulary import (
    URGENCY_OF,
    AreaKind,
    Channel,
    FollowerSource,
    PhotoKind,
    Priority,
    QuestionType,
    ReportAct,
)

DATA = Path(__file__).parent / "data"
CATEGORIES_FILE = DATA / "categories.json"
AREAS_FILE = DATA / "areas.geojson"
CHANNEL_USERNAME = "wasl-940"
DESCRIPTION_MAX = 4_000  # Open311 GeoReport v2's limit, for every channel
ADDRESS_MAX = 300
WORKING_HOURS_PER_DAY = 8
# Mainland Saudi Arabia and its coast, roughly: anything else is surely a typing error.
REGION_BOUNDS = (16.0, 32.5, 34.5, 56.0)


# ---------------------------------------------------------------------------------------------
# Reference data


@dataclass
class Loaded:
    categories: int = 0
    areas: int = 0
    grants: int = 0
    missing: list[str] = field(default_factory=list)


def load_reference_data(
    categories_file: Path = CATEGORIES_FILE, areas_file: Path = AREAS_FILE
) -> Loaded:
    """Load (or update) the categories and areas from the app's data files, and make the
    channel's account a clerk of every receiving unit that exists. Idempotent.

    Areas whose entity is not in the directory are still loaded (reports there are refused
    with `no_receiving_unit`) and named in `missing`."""
    loaded = Loaded()
    with categories_file.open(encoding="utf-8") as f:
        categories = json.load(f)["categories"]
    with areas_file.open(encoding="utf-8") as f:
        features = json.load(f)["features"]
    with db.atomic():
        for item in categories:
            Priority(item["priority"])
            for q in item.get("questions", []):
                QuestionType(q["type"])
            Category.objects.update_or_create(
                code=item["code"],
                defaults={
                    "group": item.get("group", ""),
                    "name_ar": item["name_ar"],
                    "name_en": item["name_en"],
                    "description_ar": item.get("description_ar", ""),
                    "description_en": item.get("description_en", ""),
                    "unit_code": item["unit"],
                    "routes": item.get("routes", {}),
                    "sla_hours": int(item["sla_hours"]),
                    "priority": item["priority"],
                    "questions": item.get("questions", []),
                },
            )
            loaded.categories += 1
        entities = {e.code: e for e in Entity.objects.all()}
        by_code: dict[str, Area] = {}
        # Sub-municipalities before their districts.
        for feature in sorted(features, key=lambda f: f["properties"]["kind"] == "district"):
            props, geometry = feature["properties"], feature["geometry"]
            AreaKind(props["kind"])
            rings = geometry["coordinates"]
            min_lat, max_lat, min_lon, max_lon = geo.bounds(rings)
            entity = entities.get(props.get("entity", ""))
            if props.get("entity") and entity is None:
                loaded.missing.append(props["entity"])
            area, _ = Area.objects.update_or_create(
                code=props["code"],
                defaults={
                    "kind": props["kind"],
                    "name_ar": props["name_ar"],
                    "name_en": props["name_en"],
                    "entity": entity,
                    "parent": by_code.get(props.get("parent", "")),
                    "polygon": rings,
                    "min_lat": min_lat,
                    "max_lat": max_lat,
                    "min_lon": min_lon,
                    "max_lon": max_lon,
                },
            )
            by_code[area.code] = area
            loaded.areas += 1
        user, _ = directory.ensure_person(
            username=CHANNEL_USERNAME, first_name="بلاغات", last_name="940"
        )
        for category in Category.objects.filter(is_active=True):
            for area in by_code.values():
                if area.kind != AreaKind.SUB_MUNICIPALITY:
                    continue
                unit = _receiving_unit(category, area)
                if unit is not None:
                    # Clerk: registers and attaches. Head: reopens at the reporter's request
                    # (`reopen_by_reporter`), which the registry allows only a unit's head.
                    loaded.grants += directory.grant(user, unit, "clerk")[1]
                    loaded.grants += directory.grant(user, unit, "unit_head")[1]
    return loaded


# ---------------------------------------------------------------------------------------------
# Routing by place


def locate(lat: float, lon: float) -> tuple[Area, Area | None]:
    """The sub-municipality that contains the point, and its district if one does; raise
    `OutsideServiceArea` when no area does. A bounding-box query first, then the polygons."""
    candidates = list(
        Area.objects.filter(
            min_lat__lte=lat, max_lat__gte=lat, min_lon__lte=lon, max_lon__gte=lon
        ).order_by("kind", "code")
    )
    area = next(
        (
            a
            for a in candidates
            if a.kind == AreaKind.SUB_MUNICIPALITY and geo.in_polygon(lon, lat, a.polygon)
        ),
        None,
    )
    if area is None:
        raise OutsideServiceArea(field="location")
    district = next(
        (
            a
            for a in candidates
            if a.kind == AreaKind.DISTRICT
            and a.parent_id == area.pk
            and geo.in_polygon(lon, lat, a.polygon)
        ),
        None,
    )
    return area, district


def _receiving_unit(category: Category, area: Area) -> Unit | None:
    route = str(category.routes.get(area.code, ""))
    units = Unit.objects.select_related("entity").filter(is_active=True, entity__is_active=True)
    if route:
        entity_code, _, unit_code = route.partition("/")
        return units.filter(entity__code=entity_code, code=unit_code).first()
    if area.entity_id is None:
        return None
    return units.filter(entity_id=area.entity_id, code=category.unit_code).first()


def receiving_unit(category: Category, area: Area) -> Unit:
    """The unit that receives `category` in `area` (the category's route for the area, or its
    unit code in the area's entity)."""
    unit = _receiving_unit(category, area)
    if unit is None:
        raise NoReceivingUnit()
    return unit


# ---------------------------------------------------------------------------------------------
# Input


def parse_point(lat: object, lon: object) -> tuple[float, float]:
    """Latitude and longitude as finite numbers inside the kingdom's box, or InvalidInput."""
    values = []
    for name, value in (("lat", lat), ("lon", lon)):
        number: float | None
        if isinstance(value, bool):
            number = None
        elif isinstance(value, int | float):
            number = float(value)
        elif isinstance(value, str) and len(value) <= 32:
            try:
                number = float(value.strip())
            except ValueError:
                number = None
        else:
            number = None
        if number is None or not math.isfinite(number):
            raise InvalidInput(
                "الإحداثيات يجب أن تكون أرقاماً (خط العرض وخط الطول بالدرجات).",
                f"'{name}' must be a number of degrees.",
                code="invalid_location",
                field=name,
            )
        values.append(number)
    lat_f, lon_f = values
    min_lat, max_lat, min_lon, max_lon = REGION_BOUNDS
    if not (min_lat <= lat_f <= max_lat and min_lon <= lon_f <= max_lon):
        raise OutsideServiceArea(field="location")
    return lat_f, lon_f


def active_category(code: object) -> Category:
    category = None
    if isinstance(code, str) and len(code) <= 40:
        category = Category.objects.filter(code=code, is_active=True).first()
    if category is None:
        raise InvalidInput(
            "فئة البلاغ غير معروفة.",
            "Unknown report category (service_code).",
            code="unknown_category",
            field="category",
        )
    return category


def clean_answers(category: Category, answers: object) -> dict[str, Any]:
    """The answers to the category's questions, checked against their types; required ones
    must be there, unknown ones are refused."""
    if answers is None:
        answers = {}
    if not isinstance(answers, dict):
        raise InvalidInput(
            "إجابات الأسئلة غير صحيحة.",
            "'answers' must be an object.",
            code="invalid_answers",
            field="answers",
        )
    questions = {q["code"]: q for q in category.questions}
    unknown = sorted(str(k)[:40] for k in answers if k not in questions)
    if unknown:
        raise InvalidInput(
            "سؤال غير معروف لهذه الفئة.",
            f"Unknown question(s) for this category: {', '.join(unknown[:5])}.",
            code="unknown_question",
            field="answers",
        )
    cleaned: dict[str, Any] = {}
    for code, q in questions.items():
        value = answers.get(code)
        if value in (None, "", []):
            if q.get("required"):
                raise InvalidInput(
                    f"أجب عن السؤال «{q['label_ar']}».",
                    f"Answer the question '{q['label_en']}'.",
                    code="answer_required",
                    field=f"answers.{code}",
                )
            continue
        cleaned[code] = _answer(q, value)
    return cleaned


def _answer(q: dict[str, Any], value: Any) -> Any:
    kind, field_name = q["type"], f"answers.{q['code']}"

    def wrong() -> InvalidInput:
        return InvalidInput(
            f"إجابة غير صحيحة عن «{q['label_ar']}».",
            f"Wrong answer type for '{q['label_en']}' ({kind}).",
            code="invalid_answer",
            field=field_name,
        )

    keys = {v["key"] for v in q.get("values", [])}
    if kind in (QuestionType.STRING, QuestionType.TEXT):
        return clean_text(
            value,
            field=field_name,
            max_length=200 if kind == QuestionType.STRING else 2000,
            multiline=kind == QuestionType.TEXT,
            label_ar=q["label_ar"],
            label_en=q["label_en"],
        )
    if kind == QuestionType.NUMBER:
        if isinstance(value, bool):
            raise wrong()
        try:
            number = float(value) if isinstance(value, int | float | str) else math.nan
        except ValueError:
            raise wrong() from None
        if not math.isfinite(number) or abs(number) > 1e9:
            raise wrong()
        return int(number) if number.is_integer() else number
    if kind == QuestionType.DATETIME:
        if not isinstance(value, str) or len(value) > 40:
            raise wrong()
        try:
            return datetime.fromisoformat(value).isoformat()
        except ValueError:
            raise wrong() from None
    if kind == QuestionType.SINGLE:
        if not isinstance(value, str) or value not in keys:
            raise wrong()
        return value
    if kind == QuestionType.MULTI:
        items = value if isinstance(value, list) else [value]
        if (
            not items
            or len(items) > len(keys)
            or any(not isinstance(v, str) or v not in keys for v in items)
        ):
            raise wrong()
        return sorted(set(items))
    raise wrong()


@dataclass(frozen=True)
class Contact:
    """The reporter's contact details, if given: never in a public answer."""

    name: str = ""
    phone: str = ""
    email: str = ""


def _clean_contact(contact: Contact) -> dict[str, str]:
    fields = {
        "contact_name": clean_text(
            contact.name,
            field="contact.name",
            max_length=200,
            required=False,
            label_ar="اسم المبلّغ",
            label_en="Reporter's name",
        ),
        "contact_phone": identity.normalise_phone(contact.phone) if contact.phone else "",
        "contact_email": "",
    }
    if contact.email:
        email = contact.email if isinstance(contact.email, str) else ""
        try:
            validate_email(email)
        except ValidationError:
            raise InvalidInput(
                "البريد الإلكتروني غير صحيح.",
                "Invalid e-mail address.",
                code="invalid_email",
                field="contact.email",
            ) from None
        fields["contact_email"] = email[:254]
    return fields


# ---------------------------------------------------------------------------------------------
# Submitting


def channel_actor() -> Actor:
    user = get_user_model().objects.filter(username=CHANNEL_USERNAME, is_active=True).first()
    if user is None:
        raise NoReceivingUnit()
    return actor_for(user)


def submit_report(
    *,
    category: object,
    lat: object,
    lon: object,
    description: object,
    channel: str,
    address: object = "",
    answers: object = None,
    contact: Contact | None = None,
    reported_by_id: int | None = None,
    api_key: Open311Key | None = None,
    photos: Sequence[Photo] = (),
    reporter_key: str = "",
    language: str = "ar",
) -> Report:
    """Submit a report (تقديم بلاغ) from any channel.

    Who: anyone (anonymous on the API and Open311 with a key, a signed-in person, or a
    call-centre agent for a caller). Checks everything first; then, in one database
    transaction, registers the transaction in the receiving unit of the category in the
    area that contains the point (due after the category's SLA in working days), writes the
    report and its photos (`photos.prepare_all` made them; each is an attachment of the
    transaction) and records `reports.report.submitted`. `reporter_key`, if given, lets an
    anonymous reporter confirm, reopen or rate later; `language` is the one they are told of
    the outcome in.
    """
    Channel(channel)
    if len(photos) > conf.PHOTOS_MAX:
        raise photo_files.too_many()
    found = active_category(category)
    lat_f, lon_f = parse_point(lat, lon)
    text = clean_text(
        description,
        field="description",
        max_length=DESCRIPTION_MAX,
        multiline=True,
        label_ar="وصف البلاغ",
        label_en="Description",
    )
    place = clean_text(
        address,
        field="address",
        max_length=ADDRESS_MAX,
        required=False,
        label_ar="العنوان",
        label_en="Address",
    )
    cleaned_answers = clean_answers(found, answers)
    contact_fields = _clean_contact(contact or Contact())
    area, district = locate(lat_f, lon_f)
    unit = receiving_unit(found, area)
    actor = channel_actor()
    now = timezone.now()
    days = max(1, math.ceil(found.sla_hours / WORKING_HOURS_PER_DAY))
    where = district or area
    with db.atomic():
        txn = registry.register_transaction(
            actor,
            unit=unit,
            # A caller has no ID number to give: the report is the amanah's own matter, its
            # reporter kept on the report (an incoming transaction would need a party).
            direction=Direction.INTERNAL,
            kind=Kind.REPORT,
            subject=f"بلاغ 940: {found.name_ar} — {where.name_ar}",
            body=text,
            classification=Classification.MUNICIPAL,
            urgency=URGENCY_OF[Priority(found.priority)],
            due_date=calendar.due_after(timezone.localdate(now), days),
        )
        report = Report.objects.create(
            transaction=txn,
            category=found,
            lat=lat_f,
            lon=lon_f,
            area=area,
            district=district,
            address=place,
            description=text,
            answers=cleaned_answers,
            channel=channel,
            reported_by_id=reported_by_id,
            api_key=api_key,
            created_at=now,
            reporter_key_hash=_key_hash(reporter_key) if reporter_key else "",
            contact_language=_language(language),
            **contact_fields,
        )
        _attach_photos(actor, report, photos, PhotoKind.REPORTED)
        audit.record(
            "reports.report.submitted",
            chain=entity_code_of(txn.entity_id),
            object_type="report",
            object_id=str(report.public_id),
            actor_id=reported_by_id,
            actor=CHANNEL_USERNAME,
            data={
                "reference": txn.reference,
                "category": found.code,
                "area": area.code,
                "unit": unit.code,
                "channel": channel,
                "photos": len(photos),
            },
            at=now,
        )
    return report


def _attach_photos(
    actor: Actor, report: Report, photos: Sequence[Photo], kind: PhotoKind
) -> list[ReportPhoto]:
    """Attach each clean photo to the report's transaction (the registry's `attached` event
    and audit record) and write its row. Inside the caller's database transaction: a file
    stored for a step that rolls back is deleted when the request ends (`attachments`)."""
    made = []
    for n, photo in enumerate(photos, start=1):
        attachment = registry.add_attachment(
            actor,
            report.transaction.public_id,
            chunks=[photo.data],
            filename=f"{kind}-{n}.jpg",
            declared_type="image/jpeg",
        )
        made.append(
            ReportPhoto.objects.create(
                report=report,
                attachment=attachment,
                kind=kind,
                width=photo.width,
                height=photo.height,
                original_sha256=photo.original_sha256,
                original_size=photo.original_size,
                created_at=attachment.created_at,
            )
        )
    return made


def new_reporter_key() -> str:
    """A follow-up key for an anonymous reporter: shown once, only its hash is kept."""
    return "r940_" + secrets.token_urlsafe(24)


# ---------------------------------------------------------------------------------------------
# After submitting: closing with proof, and the reporter's word

# While `close_report` closes a report's transaction, its id: the registry's `closed` event on a
# report's transaction is refused at any other time (`refuse_close_without_proof`).
_closing_with_proof: ContextVar[int | None] = ContextVar("closing_with_proof", default=None)
NOTE_MAX = 2_000
RATINGS = range(1, 6)


def report_status(report: Report) -> str:
    """open, closed (awaiting the reporter's word), confirmed, duplicate (closed as one), or
    cancelled."""
    state = report.transaction.state
    if state == State.CANCELLED:
        return "cancelled"
    if state != State.CLOSED:
        return "open"
    if report.duplicate_of_id:
        return "duplicate"
    return "confirmed" if report.confirmed_at else "closed"


# act -> the report statuses it may start from; the table `_change` checks under the lock.
ALLOWED_FROM: dict[ReportAct, frozenset[str]] = {
    ReportAct.CLOSE: frozenset({"open"}),
    ReportAct.CONFIRM: frozenset({"closed"}),
    ReportAct.REOPEN: frozenset({"closed"}),
    ReportAct.RATE: frozenset({"closed", "confirmed"}),
    ReportAct.FOLLOW: frozenset({"open"}),
    ReportAct.MERGE: frozenset({"open"}),
}
REFUSAL: dict[ReportAct, type[WaslError]] = {
    ReportAct.CLOSE: ReportNotOpen,
    ReportAct.CONFIRM: ReportNotClosed,
    ReportAct.REOPEN: ReportNotClosed,
    ReportAct.RATE: ReportNotClosed,
    ReportAct.FOLLOW: ReportNotOpen,
    ReportAct.MERGE: ReportNotOpen,
}
PAST = {
    ReportAct.CLOSE: "closed",
    ReportAct.CONFIRM: "confirmed",
    ReportAct.REOPEN: "reopened",
    ReportAct.RATE: "rated",
    ReportAct.FOLLOW: "followed",
    ReportAct.MERGE: "merged",
}


@dataclass(frozen=True)
class Reporter:
    """Who speaks as the reporter: the signed-in person who reported (portal or API), or the
    holder of the follow-up key given at submission."""

    user_id: int | None = None
    key: str = ""

    def is_reporter_of(self, report: Report) -> bool:
        if self.user_id and report.reported_by_id == self.user_id:
            # A call-centre agent is recorded as `reported_by` but speaks for a caller.
            return report.channel != Channel.CALL_CENTRE
        if self.key and report.reporter_key_hash:
            return secrets.compare_digest(_key_hash(self.key), report.reporter_key_hash)
        return False


def _change(
    act: ReportAct,
    reference: object,
    *,
    actor: Actor,
    actor_id: int | None,
    apply: Callable[[Report, datetime], dict[str, Any]],
    check: Callable[[Report, datetime], None] = lambda report, now: None,
    locked: Report | None = None,
    data: dict[str, Any] | None = None,
) -> Report:
    """The one way a report changes after it is submitted.

    In one database transaction: lock the report's row, check that `act` may start from its
    status (`ALLOWED_FROM`) and `check`, then `apply` it: `apply` calls the registry's public
    steps (their timeline events and audit records) and returns the report's changed fields
    with their old and new values; the report is saved with those fields and
    `reports.report.<act, past tense>` is recorded with the values (and `data`). A refusal
    anywhere rolls all of it back. `locked`: the report, already locked by the caller in its
    own database transaction (`merge_reports` locks two)."""
    with db.atomic():
        report = locked or _lock(reference)
        if report is None:
            raise _report_not_found()
        status = report_status(report)
        if status not in ALLOWED_FROM[act]:
            raise REFUSAL[act]()
        now = timezone.now()
        check(report, now)
        changed = apply(report, now)
        report.save(update_fields=list(changed))
        report.transaction.refresh_from_db(fields=["state", "updated_at", "closed_at"])
        audit.record(
            f"reports.report.{PAST[act]}",
            chain=entity_code_of(report.transaction.entity_id),
            object_type="report",
            object_id=str(report.public_id),
            actor_id=actor_id,
            actor=actor.username,
            data={
                "reference": report.transaction.reference,
                "status": [status, report_status(report)],
                **{name: [_plain(old), _plain(new)] for name, (old, new) in changed.items()},
                **(data or {}),
            },
            at=now,
        )
    return report


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _lock(reference: object) -> Report | None:
    return (
        Report.objects.select_for_update()
        .select_related("transaction")
        .filter(transaction__reference=reference if isinstance(reference, str) else None)
        .first()
    )


def _report_not_found() -> NotFound:
    return NotFound("البلاغ غير موجود.", "No such report.", code="report_not_found")


def _language(language: object) -> str:
    return language if language in ("ar", "en") else "ar"


def close_report(
    actor: Actor, reference: object, *, note: object, photos: Sequence[Photo]
) -> Report:
    """Close a report with proof (إغلاق البلاغ بإثبات): staff of the unit that holds it
    (the registry's `close` rule), with one to five photos of the fix and a note. From: open.
    The photos become attachments of the transaction, the note the `closed` event's reason;
    the reporter may then confirm or reopen for `feedback_days()` days. Sent twice, the second
    is refused (`report_not_open`) and nothing of it is kept."""
    text = clean_text(
        note,
        field="note",
        max_length=NOTE_MAX,
        multiline=True,
        required=False,
        label_ar="ملاحظة الإغلاق",
        label_en="Closing note",
    )
    if not text or not photos:
        raise ProofRequired(field="photos" if text else "note")
    if len(photos) > conf.PHOTOS_MAX:
        raise photo_files.too_many()

    def apply(report: Report, now: datetime) -> dict[str, Any]:
        _attach_photos(actor, report, photos, PhotoKind.PROOF)
        token = _closing_with_proof.set(report.transaction_id)
        try:
            registry.close(actor, report.transaction.public_id, reason=text)
        finally:
            _closing_with_proof.reset(token)
        until = now + timedelta(days=conf.feedback_days())
        changed = {
            "resolution_note": (report.resolution_note, text),
            "feedback_until": (report.feedback_until, until),
            "confirmed_at": (report.confirmed_at, None),
        }
        report.resolution_note, report.feedback_until, report.confirmed_at = text, until, None
        return changed

    return _change(ReportAct.CLOSE, reference, actor=actor, actor_id=actor.user_id, apply=apply)


def _reporter_check(reporter: Reporter, *, in_window: bool) -> Callable[[Report, datetime], None]:
    def check(report: Report, now: datetime) -> None:
        if not reporter.is_reporter_of(report):
            raise NotTheReporter()
        if in_window and (report.feedback_until is None or now > report.feedback_until):
            raise FeedbackWindowOver()

    return check


def confirm_report(reporter: Reporter, reference: object) -> Report:
    """The reporter confirms the fix (تأكيد الإصلاح). From: closed, within the window, once.
    A comment on the timeline by the 940 channel records it."""

    def apply(report: Report, now: datetime) -> dict[str, Any]:
        registry.comment(
            channel_actor(),
            report.transaction.public_id,
            text="أكّد المبلّغ أن المشكلة حُلّت. — The reporter confirmed the fix.",
        )
        old, report.confirmed_at = report.confirmed_at, now
        return {"confirmed_at": (old, now)}

    return _change(
        ReportAct.CONFIRM,
        reference,
        actor=channel_actor(),
        actor_id=reporter.user_id,
        apply=apply,
        check=_reporter_check(reporter, in_window=True),
    )


def reopen_by_reporter(reporter: Reporter, reference: object, *, reason: object) -> Report:
    """The reporter says the problem is still there (إعادة فتح البلاغ). From: closed, within
    the window. The 940 channel reopens the transaction with the reporter's reason; staff must
    close it again with new proof."""
    text = clean_text(
        reason,
        field="reason",
        max_length=NOTE_MAX,
        multiline=True,
        label_ar="سبب إعادة الفتح",
        label_en="Why the problem is not fixed",
    )

    def apply(report: Report, now: datetime) -> dict[str, Any]:
        registry.reopen(
            channel_actor(),
            report.transaction.public_id,
            reason=f"أعاد المبلّغ فتح البلاغ — The reporter reopened the report: {text}",
        )
        old = report.feedback_until
        report.feedback_until = None
        return {"feedback_until": (old, None)}

    return _change(
        ReportAct.REOPEN,
        reference,
        actor=channel_actor(),
        actor_id=reporter.user_id,
        apply=apply,
        check=_reporter_check(reporter, in_window=True),
    )


def rate_report(
    reporter: Reporter, reference: object, *, rating: object, note: object = ""
) -> Report:
    """The reporter rates the service (تقييم الخدمة) from 1 to 5, once, after the report is
    closed (also after the window)."""
    if isinstance(rating, bool) or not isinstance(rating, int) or rating not in RATINGS:
        raise InvalidInput(
            "التقييم رقم من 1 إلى 5.",
            "The rating is a whole number from 1 to 5.",
            code="invalid_rating",
            field="rating",
        )
    text = clean_text(
        note,
        field="note",
        max_length=500,
        multiline=True,
        required=False,
        label_ar="ملاحظة التقييم",
        label_en="Comment",
    )

    def check(report: Report, now: datetime) -> None:
        _reporter_check(reporter, in_window=False)(report, now)
        if report.rating is not None:
            raise AlreadyRated()

    def apply(report: Report, now: datetime) -> dict[str, Any]:
        registry.comment(
            channel_actor(),
            report.transaction.public_id,
            text=f"تقييم المبلّغ للخدمة — The reporter's rating: {rating}/5"
            + (f"\n{text}" if text else ""),
        )
        changed = {"rating": (report.rating, rating), "rating_note": (report.rating_note, text)}
        report.rating, report.rating_note = rating, text
        return changed

    return _change(
        ReportAct.RATE,
        reference,
        actor=channel_actor(),
        actor_id=reporter.user_id,
        apply=apply,
        check=check,
    )


# ---------------------------------------------------------------------------------------------
# Already reported: joining a report, merging duplicates, and who is told of the outcome


def follow_report(
    reference: object,
    *,
    contact: Contact | None = None,
    user_id: int | None = None,
    language: str = "ar",
) -> Report:
    """Add oneself to an open report of the same problem instead of filing a new one
    (متابعة بلاغ سبق تقديمه): anyone signed in, or giving a mobile number or an e-mail address
    to be told of the outcome (`contact_required` otherwise). From: open. A person already
    among its reporters is not added twice. A comment on the timeline by the 940 channel
    records it, and `reports.report.followed`."""
    fields = _clean_contact(contact or Contact())
    if user_id is None and not fields["contact_phone"] and not fields["contact_email"]:
        raise ContactRequired(field="contact")

    def apply(report: Report, now: datetime) -> dict[str, Any]:
        follower = ReportFollower(
            report=report,
            source=FollowerSource.JOINED,
            user_id=user_id,
            name=fields["contact_name"],
            phone=fields["contact_phone"],
            email=fields["contact_email"],
            language=_language(language),
            created_at=now,
        )
        if not _already_follows(report, follower):
            follower.save()
            registry.comment(
                channel_actor(),
                report.transaction.public_id,
                text="أفاد مبلّغ آخر بالمشكلة نفسها وانضم إلى البلاغ. — "
                "Another reporter told of the same problem and joined this report.",
            )
        return {}

    return _change(
        ReportAct.FOLLOW,
        reference,
        actor=channel_actor(),
        actor_id=user_id,
        apply=apply,
        data={"source": FollowerSource.JOINED},
    )


def _already_follows(report: Report, follower: ReportFollower) -> bool:
    """Is `follower` the reporter of `report` or one of its followers already (the same
    signed-in person, mobile number or e-mail address)."""
    if follower.user_id and follower.user_id == report.reported_by_id:
        return report.channel != Channel.CALL_CENTRE
    if follower.phone and follower.phone == report.contact_phone:
        return True
    if follower.email and follower.email == report.contact_email:
        return True
    same = Q()
    if follower.user_id:
        same |= Q(user_id=follower.user_id)
    if follower.phone:
        same |= Q(phone=follower.phone)
    if follower.email:
        same |= Q(email=follower.email)
    return bool(same) and report.followers.filter(same).exists()


# PostgreSQL's code for a deadlock it broke by aborting one of the transactions in it.
DEADLOCK = "40P01"
MERGE_ATTEMPTS = 3


def merge_reports(
    actor: Actor, duplicate: object, *, into: object, across_categories: bool = False
) -> Report:
    """`merge_once`, tried again when PostgreSQL breaks a deadlock between merges at once by
    aborting this one (its advice: retry the transaction); not inside an outer transaction,
    which the abort has spoilt."""
    for attempt in range(1, MERGE_ATTEMPTS + 1):
        try:
            return merge_once(actor, duplicate, into=into, across_categories=across_categories)
        except OperationalError as error:
            cause = error.__cause__
            deadlock = getattr(cause, "sqlstate", None) == DEADLOCK
            if not deadlock or attempt == MERGE_ATTEMPTS or db.get_connection().in_atomic_block:
                raise
    raise AssertionError("unreachable")


def merge_once(
    actor: Actor, duplicate: object, *, into: object, across_categories: bool = False
) -> Report:
    """Merge report `duplicate` into report `into` (دمج البلاغات المكررة): `duplicate` is
    closed as a duplicate with a link to `into`, and its reporter and followers follow `into`
    (told of its outcome); its photos, description and timeline stay on it for staff.

    Who: staff who may act on both (the registry's rule for closing: a clerk or head of the
    unit that holds each). From: both open; never a report into itself, into a closed one, or
    across categories unless `across_categories`. Both reports are locked (in the order of
    their keys, so that two merges at once wait for each other): a report merged into is
    open and no duplicate, and the duplicates merged into `duplicate` before now point at
    `into` (named in the audit record), so no chain or cycle can form. One database
    transaction: the registry's `closed` event on the duplicate and a comment on the other,
    the followers, and `reports.report.merged`."""
    if not isinstance(duplicate, str) or not isinstance(into, str):
        raise _report_not_found()
    if duplicate == into:
        raise MergeIntoItself(field="into")
    with db.atomic():
        rows = {
            r.transaction.reference: r
            # Only reports the actor may see are locked (the one access rule).
            for r in Report.objects.select_for_update()
            .select_related("transaction")
            .filter(visible_to(actor), transaction__reference__in=[duplicate, into])
            .order_by("pk")
        }
        merged, target = rows.get(duplicate), rows.get(into)
        if merged is None or not _may_act(actor, merged):
            raise _report_not_found()
        if target is None or not _may_act(actor, target):
            raise NotFound(
                "البلاغ المراد الضم إليه غير موجود أو ليس مما تعمل عليه.",
                "The report to merge into does not exist or is not one you work on.",
                code="report_not_found",
                field="into",
            )
        if report_status(merged) != "open":
            raise ReportNotOpen()
        if report_status(target) != "open" or target.duplicate_of_id:
            raise MergeIntoClosed(field="into")
        if merged.category_id != target.category_id and not across_categories:
            raise MergeAcrossCategories(field="into")
        target_ref = target.transaction.reference
        repointed: list[str] = []

        def apply(report: Report, now: datetime) -> dict[str, Any]:
            moved = _move_reporters(report, target, now)
            registry.comment(
                actor,
                target.transaction.public_id,
                text=f"ضُم إليه البلاغ المكرر {report.transaction.reference}. — "
                f"Duplicate report {report.transaction.reference} was merged into this one"
                f" ({moved} reporter(s) now follow it).",
            )
            old, report.duplicate_of = report.duplicate_of_id, target
            # Saved before the close: who is told what at the `closed` event reads it.
            report.save(update_fields=["duplicate_of"])
            # Reports merged into this one before now point at the report it joins: every
            # duplicate points at an open report, never at another duplicate.
            earlier = list(
                Report.objects.filter(duplicate_of=report).values_list(
                    "transaction__reference", flat=True
                )
            )
            Report.objects.filter(duplicate_of=report).update(duplicate_of=target)
            repointed.extend(earlier)
            token = _closing_with_proof.set(report.transaction_id)
            try:
                registry.close(
                    actor,
                    report.transaction.public_id,
                    reason=f"مكرر للبلاغ {target_ref} فضُم إليه. — "
                    f"A duplicate of report {target_ref}, merged into it.",
                )
            finally:
                _closing_with_proof.reset(token)
            return {"duplicate_of": (old, target.pk)}

        return _change(
            ReportAct.MERGE,
            duplicate,
            actor=actor,
            actor_id=actor.user_id,
            apply=apply,
            locked=merged,
            data={
                "into": target_ref,
                "category": [merged.category_id, target.category_id],
                "repointed": repointed,
            },
        )


def _may_act(actor: Actor, report: Report) -> bool:
    """Does `actor` work on the report's transaction (the registry's rule for closing)."""
    return rights.works_on(actor, report.transaction)


def _move_reporters(merged: Report, target: Report, now: datetime) -> int:
    """The reporter and followers of `merged` become followers of `target` (each once)."""
    people = [
        ReportFollower(
            report=target,
            source=FollowerSource.MERGED,
            merged_from=merged,
            user_id=merged.reported_by_id if merged.channel != Channel.CALL_CENTRE else None,
            name=merged.contact_name,
            phone=merged.contact_phone,
            email=merged.contact_email,
            language=merged.contact_language,
            created_at=now,
        ),
        *(
            ReportFollower(
                report=target,
                source=FollowerSource.MERGED,
                merged_from=merged,
                user_id=f.user_id,
                name=f.name,
                phone=f.phone,
                email=f.email,
                language=f.language,
                created_at=now,
            )
            for f in merged.followers.all()
        ),
    ]
    kept = []
    for person in people:
        if not (person.user_id or person.phone or person.email):
            continue  # nobody to tell: an anonymous report with no contact
        twin = any(
            (person.user_id and person.user_id == k.user_id)
            or (person.phone and person.phone == k.phone)
            or (person.email and person.email == k.email)
            for k in kept
        )
        if not twin and not _already_follows(target, person):
            kept.append(person)
    ReportFollower.objects.bulk_create(kept)
    return len(kept)


def outcome_for_reporters(event: Any, txn: Any) -> followers.Outcome | None:
    """Provided to `registry.followers`: when a report's transaction is closed, everyone who
    reported it — the reporter and its followers with a mobile number, an e-mail address or
    an account with one — is told: that it was dealt with, or (a duplicate) that it joined the
    report merged into. One query for a report; none for other transactions."""
    if event.action != "closed":
        return None
    if txn.kind != Kind.REPORT or txn.classification != Classification.MUNICIPAL:
        return None
    report = (
        Report.objects.filter(transaction_id=txn.pk)
        .select_related("reported_by")
        .prefetch_related("followers__user")
        .first()
    )
    if report is None:
        return None
    people: list[followers.Follower] = []
    reporter_email = report.contact_email
    if not reporter_email and report.reported_by and report.channel != Channel.CALL_CENTRE:
        reporter_email = report.reported_by.email
    people.append(followers.Follower(report.contact_phone, reporter_email, report.contact_language))
    for f in report.followers.all():
        email = f.email or (f.user.email if f.user else "")
        people.append(followers.Follower(f.phone, email, f.language))
    step = "report_merged" if report.duplicate_of_id else "report_closed"
    return followers.Outcome(step, tuple(p for p in people if p.phone or p.email))


def refuse_close_without_proof(published: Any) -> None:
    """Subscribed to the registry's events (in the step's transaction): a report's transaction
    is closed only by `close_report` (or `merge_reports`), so a close from the registry's own pages or API, without
    photo and note, is refused and rolled back."""
    if published.event.action != "closed":
        return
    txn = published.transaction
    if _closing_with_proof.get() == txn.pk:
        return
    # Only a 940 report's kind and classification can be a report: other closes cost no query.
    if txn.kind != Kind.REPORT or txn.classification != Classification.MUNICIPAL:
        return
    if Report.objects.filter(transaction_id=txn.pk).exists():
        raise ProofRequired()


# ---------------------------------------------------------------------------------------------
# Open311 API keys


def _key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_open311_key(name: str) -> str:
    """Make an Open311 client's API key; the only time the key itself is seen. Records
    `reports.open311_key.created`."""
    name = clean_text(name, field="name", max_length=120, label_ar="الاسم", label_en="Name")
    key = "o311_" + secrets.token_urlsafe(32)
    with db.atomic():
        made = Open311Key.objects.create(name=name, key_hash=_key_hash(key), prefix=key[:12])
        audit.record(
            "reports.open311_key.created",
            chain="system",
            object_type="open311_key",
            object_id=str(made.pk),
            data={"name": name, "prefix": made.prefix},
        )
    return key


def open311_key(key: object) -> Open311Key:
    """The active key `key`, or NotFound (the Open311 views answer 403)."""
    found = None
    if isinstance(key, str) and 0 < len(key) <= 200:
        found = Open311Key.objects.filter(key_hash=_key_hash(key), is_active=True).first()
    if found is None:
        raise NotFound("مفتاح Open311 غير صالح.", "Invalid api_key.", code="invalid_api_key")
    return found
