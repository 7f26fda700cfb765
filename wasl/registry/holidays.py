"""العطل الرسمية — keeping the public holidays that due dates skip (`calendar`).

The holidays are the deployment's, one calendar for every entity on it (a holiday is
national), so they are kept by the administrators of the top entities — those with no parent
(the region's Emirate, an amanah); an administrator of a governorate reads them. Each change
is audited on the administrator's entity's chain, in the change's own transaction; saving or
deleting a `Holiday` drops the calendar's copy (`calendar` listens for it).
"""

from __future__ import annotations

from datetime import date

from django.db import transaction

from wasl.audit import services as audit
from wasl.core import hijri
from wasl.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from wasl.directory.actors import Actor
from wasl.directory.models import Entity

from .models import Holiday

NAME_MAX = 120
# The Saudi week: Friday and Saturday are not working days (`core.hijri`).
WEEKEND = hijri.WEEKEND


def may_keep_holidays(actor: Actor, entity: Entity) -> bool:
    return entity.parent_id is None and actor.administers(entity.pk)


def _check(actor: Actor, entity: Entity) -> None:
    if not actor.administers(entity.pk):
        raise NotFound()
    if entity.parent_id is not None:
        raise Forbidden(
            "العطل الرسمية واحدة لكل الجهات، يحفظها مسؤولو الجهات العليا.",
            "Public holidays are one calendar for every entity, kept by the administrators "
            "of the top entities.",
            code="holidays_kept_above",
        )


def listed(year_from: date | None = None) -> list[Holiday]:
    rows = Holiday.objects.order_by("date")
    if year_from is not None:
        rows = rows.filter(date__gte=year_from)
    return list(rows)


def add_holiday(actor: Actor, entity: Entity, *, day: date, name_ar: str, name_en: str) -> Holiday:
    """إضافة عطلة — `day` is no longer a working day for any due date counted from now on.
    One holiday a day. Records `registry.holiday.added`."""
    _check(actor, entity)
    if not isinstance(day, date):
        raise InvalidInput(
            "تاريخ العطلة غير صحيح.", "The holiday's date is not a date.", code="invalid_date"
        )
    name_ar, name_en = (name_ar or "").strip(), (name_en or "").strip()
    if not name_ar or len(name_ar) > NAME_MAX or len(name_en) > NAME_MAX:
        raise InvalidInput(
            "اكتب اسم العطلة بالعربية (120 حرفاً على الأكثر).",
            "Write the holiday's Arabic name (at most 120 characters).",
            code="invalid_holiday_name",
            field="name_ar",
        )
    with transaction.atomic():
        if Holiday.objects.filter(date=day).exists():
            raise Conflict(
                "في هذا اليوم عطلة مسجلة من قبل.",
                "There is already a holiday on this day.",
                code="holiday_exists",
                field="day",
            )
        holiday = Holiday.objects.create(date=day, name_ar=name_ar, name_en=name_en)
        audit.record(
            "registry.holiday.added",
            chain=entity.code,
            object_type="holiday",
            object_id=day.isoformat(),
            actor_id=actor.user_id,
            actor=actor.username,
            data={"date": day.isoformat(), "name_ar": name_ar, "name_en": name_en},
        )
    return holiday


def remove_holiday(actor: Actor, entity: Entity, day: date) -> None:
    """حذف عطلة — `day` is a working day again (unless it falls on the weekend). Records
    `registry.holiday.removed` with what it was."""
    _check(actor, entity)
    with transaction.atomic():
        holiday = Holiday.objects.select_for_update().filter(date=day).first()
        if holiday is None:
            raise NotFound()
        data = {"date": day.isoformat(), "name_ar": holiday.name_ar, "name_en": holiday.name_en}
        holiday.delete()
        audit.record(
            "registry.holiday.removed",
            chain=entity.code,
            object_type="holiday",
            object_id=day.isoformat(),
            actor_id=actor.user_id,
            actor=actor.username,
            data=data,
        )
