"""Every change of field inspection: loading checklists and the schedule of fines, inspectors,
sites, planning and dispatching visits, reassigning them, and filing an inspection.

Each function is one database transaction that locks the row whose state changes and appends
its audit record (`inspections.visit.<act>`, with old and new values) before it commits.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError
from django.db import transaction as db
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from wasl.audit import services as audit
from wasl.core.errors import InvalidInput
from wasl.core.text import clean_text
from wasl.directory.actors import Actor
from wasl.directory.models import Unit, entity_code_of
from wasl.registry import attachments, calendar
from wasl.reports import services as reports
from wasl.reports.models import Area, Report
from wasl.reports.photos import Photo

from . import checklists, conf
from .errors import (
    ChecklistVersionChanged,
    KeyAlreadyUsed,
    NoInspectionUnit,
    NotAnInspector,
    NotYourAssignment,
    OnlyTheInspector,
    OnlyTheSupervisor,
    UnknownChecklistVersion,
    VisitAlreadyInspected,
)
from .models import (
    Checklist,
    Finding,
    Inspection,
    InspectionPhoto,
    Inspector,
    Site,
    Violation,
    Visit,
)
from .vocabulary import OPEN_STATES, SiteKind, VisitAct, VisitKind, VisitState

DATA = Path(__file__).parent / "data"
CHECKLISTS_DIR = DATA / "checklists"
FINES_FILE = DATA / "fines.json"
REASON_MAX = 500


# ---------------------------------------------------------------------------------------------
# Reference data


@dataclass
class Loaded:
    violations: int = 0
    checklists: int = 0
    new_versions: int = 0


def load_reference_data(
    checklists_dir: Path = CHECKLISTS_DIR, fines_file: Path = FINES_FILE
) -> Loaded:
    """Load the schedule of fines and every checklist file. Idempotent. A checklist whose
    version is new becomes the current one; a version already loaded must be the same, word
    for word (`ChecklistVersionChanged`): an inspection keeps the version it was filled with,
    so a published version is never rewritten."""
    loaded = Loaded()
    with fines_file.open(encoding="utf-8") as f:
        schedule = json.load(f)["violations"]
    files = sorted(checklists_dir.glob("*.json"))
    with db.atomic():
        for v in schedule:
            Violation.objects.update_or_create(
                code=v["code"],
                defaults={
                    "name_ar": v["name_ar"],
                    "name_en": v["name_en"],
                    "fine_sar": int(v["fine_sar"]),
                    "correct_within_days": int(v["correct_within_days"]),
                },
            )
            loaded.violations += 1
        codes = {v["code"] for v in schedule}
        for path in files:
            data = json.loads(path.read_text(encoding="utf-8"))
            checklists.check_definition(data, codes)
            digest = hashlib.sha256(
                json.dumps(data, sort_keys=True, ensure_ascii=False).encode()
            ).hexdigest()
            existing = Checklist.objects.filter(code=data["code"], version=data["version"]).first()
            loaded.checklists += 1
            if existing is not None:
                if existing.digest != digest:
                    raise ChecklistVersionChanged()
                continue
            Checklist.objects.filter(code=data["code"]).update(is_current=False)
            made = Checklist.objects.create(
                code=data["code"],
                version=int(data["version"]),
                name_ar=data["name_ar"],
                name_en=data["name_en"],
                items=data["items"],
                site_kinds=data.get("site_kinds", []),
                report_categories=data.get("report_categories", []),
                digest=digest,
                is_current=True,
            )
            loaded.new_versions += 1
            audit.record(
                "inspections.checklist.published",
                chain="system",
                object_type="checklist",
                object_id=f"{made.code}@{made.version}",
                data={"code": made.code, "version": made.version, "digest": digest},
            )
    return loaded


def current_checklist(code: str) -> Checklist:
    found = Checklist.objects.filter(code=code, is_current=True).first()
    if found is None:
        raise InvalidInput(
            "قائمة التحقق غير معروفة.", "Unknown checklist.", code="unknown_checklist"
        )
    return found


# ---------------------------------------------------------------------------------------------
# Inspectors and sites


def register_inspector(
    user: AbstractBaseUser, unit: Unit, districts: Sequence[str] = ()
) -> Inspector:
    """Make a person an inspector of an inspection unit, covering `districts` (area codes;
    none: the whole unit). Records `inspections.inspector.registered`."""
    with db.atomic():
        inspector, _ = Inspector.objects.get_or_create(user_id=user.pk, unit=unit)
        areas = list(Area.objects.filter(code__in=list(districts)))
        if len(areas) != len(set(districts)):
            raise InvalidInput("حي غير معروف.", "Unknown district.", code="unknown_district")
        inspector.districts.set(areas)
        audit.record(
            "inspections.inspector.registered",
            chain=entity_code_of(unit.entity_id),
            object_type="inspector",
            object_id=str(inspector.pk),
            data={"user": user.get_username(), "unit": unit.code, "districts": sorted(districts)},
        )
    return inspector


def add_site(
    *, kind: str, name: str, lat: float, lon: float, licence: str = "", address: str = ""
) -> Site:
    """A shop or building site to visit on routine rounds, placed in its area by its point
    (`OutsideServiceArea` when no area holds it). Records `inspections.site.added`."""
    SiteKind(kind)
    area, district = reports.locate(lat, lon)
    with db.atomic():
        site = Site.objects.create(
            kind=kind,
            name=name,
            licence=licence,
            address=address,
            lat=lat,
            lon=lon,
            area=area,
            district=district,
        )
        audit.record(
            "inspections.site.added",
            chain=area.entity.code if area.entity else "system",
            object_type="site",
            object_id=str(site.public_id),
            data={"kind": kind, "name": name, "area": area.code},
        )
    return site


# ---------------------------------------------------------------------------------------------
# Visits: planning, opening from a report, dispatch, reassignment


def inspection_unit(area: Area) -> Unit:
    """The field inspection unit of the sub-municipality `area`."""
    unit = (
        Unit.objects.filter(entity_id=area.entity_id, code=conf.INSPECTION_UNIT, is_active=True)
        .select_related("entity")
        .first()
    )
    if area.entity_id is None or unit is None:
        raise NoInspectionUnit()
    return unit


def choose_inspector(unit_id: int, district_id: int | None) -> Inspector | None:
    """Dispatch (التوزيع): among the unit's active inspectors who cover the district (those
    with no districts cover all of the unit), the one with the fewest open visits; an inspector
    named for the district comes before one who covers everywhere, and ties go to the longest
    registered."""
    through = Inspector.districts.through
    covers = Exists(through.objects.filter(inspector_id=OuterRef("pk"), area_id=district_id))
    has_districts = Exists(through.objects.filter(inspector_id=OuterRef("pk")))
    return (
        Inspector.objects.filter(unit_id=unit_id, is_active=True, user__is_active=True)
        .annotate(
            named=covers,
            limited=has_districts,
            load=Count("visits", filter=Q(visits__state=VisitState.ASSIGNED)),
        )
        .filter(Q(named=True) | Q(limited=False))
        .order_by("-named", "load", "pk")
        .first()
    )


def _record(
    visit: Visit, act: VisitAct, actor_id: int | None, actor: str, data: dict[str, Any]
) -> None:
    audit.record(
        f"inspections.visit.{act.value}",
        chain=entity_code_of(visit.unit.entity_id),
        object_type="visit",
        object_id=str(visit.public_id),
        actor_id=actor_id,
        actor=actor,
        data=data,
    )


def _new_visit(
    *,
    kind: VisitKind,
    act: VisitAct,
    checklist_code: str,
    area: Area,
    district: Area | None,
    lat: float,
    lon: float,
    place: str,
    due: date,
    actor_id: int | None,
    actor: str,
    site: Site | None = None,
    report: Report | None = None,
    follows: Visit | None = None,
    inspector: Inspector | None = None,
) -> Visit:
    """Write a visit and dispatch it (inside the caller's transaction): to `inspector` when
    given (a follow-up goes back to who found the violation), else by area and workload."""
    unit = follows.unit if follows is not None else inspection_unit(area)
    now = timezone.now()
    if inspector is None or not inspector.is_active:
        inspector = choose_inspector(unit.pk, district.pk if district else None)
    visit = Visit.objects.create(
        kind=kind,
        state=VisitState.ASSIGNED if inspector else VisitState.UNASSIGNED,
        checklist_code=checklist_code,
        unit=unit,
        inspector=inspector,
        site=site,
        report=report,
        follows=follows,
        area=area,
        district=district,
        lat=lat,
        lon=lon,
        place=place[:300],
        due_date=due,
        created_at=now,
        updated_at=now,
    )
    _record(
        visit,
        act,
        actor_id,
        actor,
        {
            "kind": kind.value,
            "checklist": checklist_code,
            "area": area.code,
            "district": district.code if district else None,
            "due_date": due.isoformat(),
            "follows": str(follows.public_id) if follows else None,
            "report": report.transaction.reference if report else None,
            "inspector": [None, inspector.user.get_username() if inspector else None],
            "state": [None, visit.state],
        },
    )
    return visit


def plan_visit(actor: Actor, site_id: object, *, checklist_code: str, due_date: date) -> Visit:
    """Plan a routine visit to a site (زيارة دورية): the head of the site's inspection unit;
    the visit is dispatched at once. Records `inspections.visit.planned`."""
    site = Site.objects.select_related("area", "district").filter(public_id=_uuid(site_id)).first()
    if site is None:
        raise InvalidInput("المنشأة غير موجودة.", "No such site.", code="site_not_found")
    checklist = current_checklist(checklist_code)
    with db.atomic():
        unit = inspection_unit(site.area)
        if not actor.heads(unit.pk):
            raise OnlyTheSupervisor()
        return _new_visit(
            kind=VisitKind.PLANNED,
            act=VisitAct.PLANNED,
            checklist_code=checklist.code,
            area=site.area,
            district=site.district,
            lat=site.lat,
            lon=site.lon,
            place=f"{site.name} — {site.address}" if site.address else site.name,
            due=due_date,
            actor_id=actor.user_id,
            actor=actor.username,
            site=site,
        )


def visit_for_new_report(sender: Any, instance: Report, created: bool, **kwargs: Any) -> None:
    """A new report of a category that a current checklist serves opens a reactive visit
    (زيارة بلاغ) in the report's sub-municipality, in the report's own database transaction.
    A place with no inspection unit opens none: the report stands on its own."""
    if not created or kwargs.get("raw"):
        return
    checklist = next(
        (
            c
            for c in Checklist.objects.filter(is_current=True).order_by("code")
            if instance.category.code in c.report_categories
        ),
        None,
    )
    if checklist is None:
        return
    try:
        inspection_unit(instance.area)
    except NoInspectionUnit:
        return
    days = max(1, min(conf.reactive_days(), instance.category.sla_hours // 8 or 1))
    _new_visit(
        kind=VisitKind.REACTIVE,
        act=VisitAct.OPENED,
        checklist_code=checklist.code,
        area=instance.area,
        district=instance.district,
        lat=instance.lat,
        lon=instance.lon,
        place=instance.address or instance.category.name_ar,
        due=calendar.due_after(timezone.localdate(), days),
        actor_id=None,
        actor=reports.CHANNEL_USERNAME,
        report=instance,
    )


def reassign_visit(actor: Actor, visit_id: object, *, username: str, reason: object) -> Visit:
    """A supervisor gives an open visit to another inspector of the same unit (إعادة الإسناد).
    From: unassigned or assigned. Records `inspections.visit.reassigned` with the old and the
    new inspector and the reason."""
    text = clean_text(
        reason,
        field="reason",
        max_length=REASON_MAX,
        required=False,
        label_ar="سبب إعادة الإسناد",
        label_en="Reason for reassigning",
    )
    with db.atomic():
        visit = _locked_visit(actor, visit_id)
        if not actor.heads(visit.unit_id):
            raise OnlyTheSupervisor()
        if visit.state not in OPEN_STATES:
            raise VisitAlreadyInspected()
        target = (
            Inspector.objects.select_related("user")
            .filter(unit_id=visit.unit_id, is_active=True, user__username=str(username)[:150])
            .first()
        )
        if target is None:
            raise NotAnInspector(field="inspector")
        old = visit.inspector.user.get_username() if visit.inspector else None
        old_state = visit.state
        visit.inspector, visit.state, visit.updated_at = target, VisitState.ASSIGNED, timezone.now()
        visit.save(update_fields=["inspector", "state", "updated_at"])
        _record(
            visit,
            VisitAct.REASSIGNED,
            actor.user_id,
            actor.username,
            {
                "inspector": [old, target.user.get_username()],
                "state": [old_state, visit.state],
                "reason": text,
            },
        )
    return visit


def _uuid(value: object) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def _locked_visit(actor: Actor, visit_id: object) -> Visit:
    """The visit, locked, if the actor may see it (the access rule), else `NotYourAssignment`."""
    from .access import visible_visits

    visit = (
        visible_visits(actor)
        .select_for_update(of=("self",))
        .select_related("inspector__user", "unit")
        .filter(public_id=_uuid(visit_id))
        .first()
    )
    if visit is None:
        raise NotYourAssignment()
    return visit


# ---------------------------------------------------------------------------------------------
# Filing an inspection


def file_inspection(
    actor: Actor,
    visit_id: object,
    *,
    idempotency_key: object,
    checklist_version: object,
    answers: Mapping[str, object],
    photos: Mapping[str, Sequence[Photo]],
    filled_at: datetime | None = None,
) -> tuple[Inspection, bool]:
    """File the inspection of a visit (تعبئة المحضر): only the inspector it is assigned to,
    from: assigned. The answers are checked against the checklist version the form was filled
    with; each violation becomes a finding with its fine from the schedule, and the first
    violation opens a follow-up visit due when the shortest time to correct runs out (in
    working days). Records `inspections.visit.inspected` (and `.opened` for the follow-up).

    The same `idempotency_key` sent again returns the inspection already filed and False;
    a refusal anywhere leaves nothing behind (the photos' files included)."""
    key = _uuid(idempotency_key)
    if key is None:
        raise InvalidInput(
            "مفتاح الإرسال مفقود أو غير صالح؛ أعد فتح نموذج الزيارة.",
            "The sending key is missing or not valid; open the visit's form again.",
            code="idempotency_key_invalid",
            field="idempotency_key",
        )
    try:
        with db.atomic():
            return _file(actor, visit_id, key, checklist_version, answers, photos, filled_at)
    except IntegrityError:
        # Two copies of one inspection raced past the lookup: the other one won.
        again = Inspection.objects.filter(idempotency_key=key).first()
        if again is None:
            raise
        return _repeat(actor, visit_id, again), False


def _repeat(actor: Actor, visit_id: object, found: Inspection) -> Inspection:
    if str(found.visit.public_id) != str(_uuid(visit_id)) or found.inspector.user_id != (
        actor.user_id
    ):
        raise KeyAlreadyUsed()
    return found


def _file(
    actor: Actor,
    visit_id: object,
    key: uuid.UUID,
    checklist_version: object,
    answers: Mapping[str, object],
    photos: Mapping[str, Sequence[Photo]],
    filled_at: datetime | None,
) -> tuple[Inspection, bool]:
    visit = _locked_visit(actor, visit_id)
    found = Inspection.objects.select_related("visit", "inspector").filter(idempotency_key=key)
    if found:
        return _repeat(actor, visit_id, found[0]), False
    if visit.inspector is None or visit.inspector.user_id != actor.user_id:
        raise OnlyTheInspector()
    if visit.state != VisitState.ASSIGNED:
        raise VisitAlreadyInspected()
    try:
        version = int(str(checklist_version))
    except ValueError:
        raise UnknownChecklistVersion() from None
    checklist = Checklist.objects.filter(code=visit.checklist_code, version=version).first()
    if checklist is None:
        raise UnknownChecklistVersion()
    items = {item["code"] for item in checklist.items}
    stray = set(photos) - items
    if stray:
        raise InvalidInput(
            "صورة لبند غير موجود في قائمة التحقق.",
            "A photo for an item that is not in the checklist.",
            code="photo_for_unknown_item",
        )
    for code, files in photos.items():
        if len(files) > conf.PHOTOS_PER_ITEM:
            raise InvalidInput(
                f"يُرفق {conf.PHOTOS_PER_ITEM} صور على الأكثر لكل بند.",
                f"At most {conf.PHOTOS_PER_ITEM} photos may be attached to an item.",
                code="too_many_photos",
                field=f"item-{code}",
            )
    result = checklists.evaluate(
        checklist.items, answers, {code: len(files) for code, files in photos.items()}
    )
    schedule = {
        v.code: v for v in Violation.objects.filter(code__in=[v for _, v in result.violated])
    }
    now = timezone.now()
    filled = filled_at if filled_at is not None and filled_at <= now + timedelta(minutes=5) else now
    inspection = Inspection.objects.create(
        visit=visit,
        checklist=checklist,
        inspector=visit.inspector,
        idempotency_key=key,
        answers=result.answers,
        score=result.score,
        total_fine_sar=sum(schedule[v].fine_sar for _, v in result.violated),
        filled_at=filled,
        received_at=now,
    )
    Finding.objects.bulk_create(
        Finding(
            inspection=inspection,
            item_code=item,
            violation=schedule[v],
            fine_sar=schedule[v].fine_sar,
        )
        for item, v in result.violated
    )
    for code, files in photos.items():
        for n, photo in enumerate(files, start=1):
            stored = attachments.keep(
                [photo.data], filename=f"{code}-{n}.jpg", declared_type="image/jpeg"
            )
            InspectionPhoto.objects.create(
                inspection=inspection,
                item_code=code,
                sha256=stored.sha256,
                width=photo.width,
                height=photo.height,
                original_sha256=photo.original_sha256,
                original_size=photo.original_size,
            )
    visit.state, visit.updated_at = VisitState.DONE, now
    visit.save(update_fields=["state", "updated_at"])
    _record(
        visit,
        VisitAct.INSPECTED,
        actor.user_id,
        actor.username,
        {
            "state": [VisitState.ASSIGNED.value, VisitState.DONE.value],
            "inspection": str(inspection.public_id),
            "checklist": f"{checklist.code}@{checklist.version}",
            "score": result.score,
            "violations": [v for _, v in result.violated],
            "total_fine_sar": inspection.total_fine_sar,
        },
    )
    if result.violated:
        days = min(schedule[v].correct_within_days for _, v in result.violated)
        _new_visit(
            kind=VisitKind.FOLLOW_UP,
            act=VisitAct.OPENED,
            checklist_code=visit.checklist_code,
            area=visit.area,
            district=visit.district,
            lat=visit.lat,
            lon=visit.lon,
            place=visit.place,
            due=calendar.due_after(timezone.localdate(), days),
            actor_id=actor.user_id,
            actor=actor.username,
            site=visit.site,
            report=visit.report,
            follows=visit,
            inspector=visit.inspector,
        )
    return inspection, True
