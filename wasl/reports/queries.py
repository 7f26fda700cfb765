"""Reads of Balagh 940. Staff lists start from the registry's access rule
(`visible_transactions`); public reads give only the public version of a report."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet

from wasl.directory.actors import Actor
from wasl.registry.queries import visible_transactions
from wasl.registry.states import State

from . import geo
from .models import Category, Report

CLOSED_STATES = (State.CLOSED, State.CANCELLED)
NEARBY_DEFAULT_M = 150
NEARBY_MAX_M = 1000
NEARBY_LIMIT = 20
PUBLIC_LIMIT = 200


def categories() -> list[Category]:
    return list(Category.objects.filter(is_active=True).order_by("group", "code"))


def _public_rows() -> QuerySet[Report]:
    return Report.objects.select_related(
        "category", "area", "district", "transaction", "transaction__unit"
    )


def for_staff(actor: Actor) -> QuerySet[Report]:
    """The reports whose transactions `actor` may see (the one access rule), newest first."""
    return (
        _public_rows()
        .filter(transaction_id__in=visible_transactions(actor).values("pk"))
        .order_by("-created_at", "-pk")
    )


def public_report(reference: object) -> Report | None:
    if not isinstance(reference, str) or len(reference) > 40:
        return None
    return _public_rows().filter(transaction__reference=reference).first()


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
    return list(rows.order_by("-created_at", "-pk")[:limit])


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
