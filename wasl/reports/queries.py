"""Reads of Balagh 940. Staff lists start from the registry's access rule
(`visible_transactions`); public reads give only the public version of a report."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from wasl.directory.actors import Actor
from wasl.registry.queries import visible_to
from wasl.registry.states import State

from . import geo
from .models import Area, Category, Report, ReportFollower, ReportPhoto
from .vocabulary import AreaKind

CLOSED_STATES = (State.CLOSED, State.CANCELLED)
NEARBY_DEFAULT_M = 150
NEARBY_MAX_M = 1000
NEARBY_LIMIT = 20
PUBLIC_LIMIT = 200


def categories() -> list[Category]:
    return list(Category.objects.filter(is_active=True).order_by("group", "code"))


def _public_rows() -> QuerySet[Report]:
    return Report.objects.select_related(
        "category",
        "area",
        "district",
        "transaction",
        "transaction__unit",
        "duplicate_of__transaction",
    )


def for_staff(actor: Actor) -> QuerySet[Report]:
    """The reports whose transactions `actor` may see (the one access rule), newest first,
    with how many others follow each (`follower_count`)."""
    count = (
        ReportFollower.objects.filter(report=OuterRef("pk"))
        .order_by()
        .values("report")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        _public_rows()
        .filter(visible_to(actor))
        .annotate(follower_count=Coalesce(Subquery(count), 0))
        .order_by("-created_at", "-pk")
    )


def public_report(reference: object) -> Report | None:
    if not isinstance(reference, str) or len(reference) > 40:
        return None
    return (
        _public_rows().prefetch_related("photos").filter(transaction__reference=reference).first()
    )


def staff_report(actor: Actor, reference: object) -> Report | None:
    """One report `actor` may see (the access rule), with its photos."""
    if not isinstance(reference, str) or len(reference) > 40:
        return None
    return (
        for_staff(actor).prefetch_related("photos").filter(transaction__reference=reference).first()
    )


def photo(public_id: object) -> ReportPhoto | None:
    """A report's photo by its public id (every stored copy is the clean one: `photos`)."""
    try:
        key = uuid.UUID(str(public_id))
    except ValueError:
        return None
    return ReportPhoto.objects.select_related("attachment").filter(public_id=key).first()


@dataclass(frozen=True)
class PublicFilters:
    ids: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    start: datetime | None = None
    end: datetime | None = None
    status: str = ""  # "open", "closed" or ""


def public_reports(filters: PublicFilters, limit: int = PUBLIC_LIMIT) -> list[Report]:
    """Public list (Open311 `requests`): newest first, filtered as the standard says."""
    rows = _public_rows()
    if filters.ids:
        rows = rows.filter(transaction__reference__in=filters.ids)
    if filters.categories:
        rows = rows.filter(category__code__in=filters.categories)
    if filters.start:
        rows = rows.filter(created_at__gte=filters.start)
    if filters.end:
        rows = rows.filter(created_at__lte=filters.end)
    if filters.status == "open":
        rows = rows.exclude(transaction__state__in=CLOSED_STATES)
    elif filters.status == "closed":
        rows = rows.filter(transaction__state__in=CLOSED_STATES)
    return list(rows.prefetch_related("photos").order_by("-created_at", "-pk")[:limit])


def nearby_open(
    category: Category, lat: float, lon: float, radius_m: float = NEARBY_DEFAULT_M
) -> list[tuple[Report, float]]:
    """Open reports of `category` within `radius_m` metres, nearest first: a bounding box on
    the indexed (category, lat, lon) columns, then the exact distance in Python."""
    min_lat, max_lat, min_lon, max_lon = geo.box_around(lat, lon, radius_m)
    rows = (
        _public_rows()
        .filter(
            category=category,
            lat__gte=min_lat,
            lat__lte=max_lat,
            lon__gte=min_lon,
            lon__lte=max_lon,
        )
        .exclude(transaction__state__in=CLOSED_STATES)
    )
    found = [(r, geo.distance_m(lat, lon, r.lat, r.lon)) for r in rows[:500]]
    found = [(r, d) for r, d in found if d <= radius_m]
    found.sort(key=lambda pair: pair[1])
    return found[:NEARBY_LIMIT]


# ---------------------------------------------------------------------------------------------
# The maps

MAP_MARKERS = 1000


@dataclass(frozen=True)
class MapFilters:
    category: str = ""
    status: str = ""  # "open", "closed" or "" for both
    since: date | None = None
    until: date | None = None


@dataclass
class AreaCount:
    area: Area
    open: int = 0
    closed: int = 0
    districts: list[AreaCount] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.open + self.closed


@dataclass
class MapData:
    areas: list[AreaCount]  # sub-municipalities, each with its districts
    markers: list[dict[str, Any]]
    total: int
    shown: int


def public_map_rows() -> QuerySet[Report]:
    return Report.objects.all()


def staff_map_rows(actor: Actor) -> QuerySet[Report]:
    return Report.objects.filter(visible_to(actor))


def map_data(rows: QuerySet[Report], filters: MapFilters) -> MapData:
    """Counts per sub-municipality and district (open and closed) and the newest
    `MAP_MARKERS` reports as points, for `rows` filtered by category, status and dates.
    Four queries: areas, counts, points, whatever `rows` needs."""
    if filters.category:
        rows = rows.filter(category__code=filters.category)
    if filters.since:
        rows = rows.filter(created_at__gte=_day_start(filters.since))
    if filters.until:
        rows = rows.filter(created_at__lt=_day_start(filters.until + timedelta(days=1)))
    if filters.status == "open":
        rows = rows.exclude(transaction__state__in=CLOSED_STATES)
    elif filters.status == "closed":
        rows = rows.filter(transaction__state__in=CLOSED_STATES)
    closed = Q(transaction__state__in=CLOSED_STATES)
    counts = {
        (c["area_id"], c["district_id"]): c
        for c in rows.order_by()
        .values("area_id", "district_id")
        .annotate(closed=Count("pk", filter=closed), open=Count("pk", filter=~closed))
    }
    subs: dict[int, AreaCount] = {}
    districts: list[AreaCount] = []
    for area in Area.objects.order_by("code"):
        item = AreaCount(area)
        if area.kind == AreaKind.SUB_MUNICIPALITY:
            subs[area.pk] = item
        else:
            districts.append(item)
    for item in districts:
        parent = subs.get(item.area.parent_id or 0)
        if parent is not None:
            parent.districts.append(item)
    by_pk = {item.area.pk: item for item in [*subs.values(), *districts]}
    for (area_id, district_id), c in counts.items():
        for pk in (area_id, district_id):
            if pk in by_pk:
                by_pk[pk].open += c["open"]
                by_pk[pk].closed += c["closed"]
    markers = list(
        rows.order_by("-created_at", "-pk").values(
            "lat",
            "lon",
            "created_at",
            "category__code",
            "category__name_ar",
            "category__name_en",
            "transaction__reference",
            "transaction__public_id",
            "transaction__state",
        )[:MAP_MARKERS]
    )
    total = sum(item.total for item in subs.values())
    return MapData(areas=list(subs.values()), markers=markers, total=total, shown=len(markers))


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))
