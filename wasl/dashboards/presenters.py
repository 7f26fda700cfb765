"""Measures as plain data: for the API, the exports and the pages (one place that names
things and turns them into numbers people read)."""

from __future__ import annotations

from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils import translation

from wasl.core import hijri
from wasl.directory.models import Unit

from .definitions import REFERRAL, TRANSACTION
from .measures import AGE_BUCKETS, ChildRow, Measures
from .models import Reminder
from .periods import Period
from .scopes import Scope, entity_names, governorate_of


def age_label(index: int) -> str:
    low, high = AGE_BUCKETS[index]
    if high is None:
        return f"أكثر من {low - 1} يوم عمل"
    return f"{low}–{high} أيام عمل"


def period_data(period: Period) -> dict[str, Any]:
    return {
        "from": period.start.isoformat(),
        "to": period.end.isoformat(),
        "from_hijri": hijri.format_hijri(period.start),
        "to_hijri": hijri.format_hijri(period.end),
        "calendar": period.calendar,
        "label_ar": period.label,
        "label_en": period.label_en,
    }


def scope_data(scope: Scope) -> dict[str, Any]:
    return {
        "token": scope.token,
        "kind": scope.kind,
        "name_ar": scope.name_ar,
        "name_en": scope.name_en,
    }


def child_data(row: ChildRow, name_ar: str, name_en: str, token: str) -> dict[str, Any]:
    rate = row.on_time_rate
    return {
        "scope": token,
        "name_ar": name_ar,
        "name_en": name_en,
        "received": row.received,
        "completed": row.completed,
        "in_progress": row.open,
        "overdue": row.overdue,
        "on_time_rate": None if rate is None else round(rate, 4),
        "completion_days_median": row.median_days,
    }


def children_data(scope: Scope, rows: dict[str, dict[int, ChildRow]]) -> dict[str, Any]:
    """The entities of the region (with their governorates), or the units of an entity."""
    out: dict[str, Any] = {}
    if scope.kind == "region":
        entities = entity_names()
        govs = governorate_of(entities)
        listed = []
        by_gov: dict[str, ChildRow] = {}
        gov_names: dict[str, tuple[str, str]] = {}
        for entity_id, row in rows.get(TRANSACTION, {}).items():
            entity = entities.get(entity_id)
            if entity is None:
                continue
            listed.append(child_data(row, entity.name_ar, entity.name_en, f"entity:{entity.code}"))
            gov = govs.get(entity_id)
            code = gov.code if gov else ""
            gov_names[code] = (
                (gov.name_ar, gov.name_en) if gov else ("على مستوى المنطقة", "Region-wide")
            )
            total = by_gov.setdefault(code, ChildRow(0))
            total.received += row.received
            total.completed += row.completed
            total.on_time += row.on_time
            total.open += row.open
            total.overdue += row.overdue
            for days, n in row.histogram.items():
                total.histogram[days] = total.histogram.get(days, 0) + n
        out["entities"] = sorted(
            listed, key=lambda d: (-d["overdue"], -d["in_progress"], d["name_ar"])
        )
        out["governorates"] = sorted(
            (
                child_data(row, *gov_names[code], f"governorate:{code}" if code else "")
                for code, row in by_gov.items()
            ),
            key=lambda d: (-d["received"], d["name_ar"]),
        )
    elif scope.kind == "entity":
        ids = set(rows.get(TRANSACTION, {})) | set(rows.get(REFERRAL, {}))
        units = {u.pk: u for u in Unit.objects.filter(pk__in=ids)}
        listed = []
        for unit_id in ids:
            unit = units.get(unit_id)
            if unit is None:
                continue
            t = rows.get(TRANSACTION, {}).get(unit_id, ChildRow(unit_id))
            r = rows.get(REFERRAL, {}).get(unit_id, ChildRow(unit_id))
            listed.append(
                {
                    "unit": str(unit.public_id),
                    "scope": f"unit:{unit.public_id}",
                    "name_ar": unit.name_ar,
                    "name_en": unit.name_en,
                    "transactions": child_data(
                        t, unit.name_ar, unit.name_en, f"unit:{unit.public_id}"
                    ),
                    "referrals": child_data(
                        r, unit.name_ar, unit.name_en, f"unit:{unit.public_id}"
                    ),
                }
            )
        out["units"] = sorted(
            listed,
            key=lambda d: (
                -(d["referrals"]["overdue"] + d["transactions"]["overdue"]),
                -(d["referrals"]["in_progress"] + d["transactions"]["in_progress"]),
                d["name_ar"],
            ),
        )
    return out


def measures_data(m: Measures, children: dict[str, Any] | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "scope": scope_data(m.scope),
        "period": period_data(m.period),
        "as_of": m.today.isoformat(),
        "transactions": m.transactions.as_dict(),
        "referrals": None if m.referrals is None else m.referrals.as_dict(),
        "trend": [
            {
                "label_ar": p.period.label,
                "from": p.period.start.isoformat(),
                "to": p.period.end.isoformat(),
                "received": p.received,
                "completed": p.completed,
            }
            for p in m.trend
        ],
        "channel_note": "channel = direction (incoming/outgoing/internal) until transactions carry a channel",
    }
    if children:
        data.update(children)
    return data


def reminder_data(reminder: Reminder) -> dict[str, Any]:
    txn = reminder.transaction
    return {
        "id": str(reminder.public_id),
        "kind": reminder.kind,
        "kind_ar": _in("ar", Reminder.Kind(reminder.kind).label),
        "kind_en": _in("en", Reminder.Kind(reminder.kind).label),
        "day": reminder.day.isoformat(),
        "due_date": reminder.due_date.isoformat(),
        "due_date_hijri": hijri.format_hijri(reminder.due_date),
        "late_working_days": max(0, reminder.late_days),
        "unit": {
            "id": str(reminder.unit.public_id),
            "name_ar": reminder.unit.name_ar,
            "name_en": reminder.unit.name_en,
        },
        "transaction": {
            "id": str(txn.public_id),
            "reference": txn.reference,
            "subject": txn.subject,
            "href": transaction_url(txn.public_id),
        },
    }


def _in(language: str, label: Any) -> str:
    with translation.override(language):
        return str(label)


def transaction_url(public_id: Any) -> str:
    """The staff workspace's page of a transaction (empty when the workspace is not there)."""
    try:
        return reverse("web:transaction", args=[public_id])
    except NoReverseMatch:
        return ""


def governorate_entities(code: str) -> list[int]:
    """The entities counted under a governorate (`""`: those of the whole region)."""
    entities = entity_names()
    govs = governorate_of(entities)
    return [eid for eid, gov in govs.items() if (gov.code if gov else "") == code]
