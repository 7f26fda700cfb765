"""The dashboards' API: the measures of a scope and period, and one's follow-ups."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from wasl.directory.actors import actor_for

from . import followup, measures, presenters
from .periods import parse_period
from .scopes import resolve

router = Router(tags=["dashboards"])


class Error(Schema):
    code: str
    message_ar: str
    message_en: str


ERRORS: dict[int, Any] = {400: Error, 401: Error, 404: Error, 422: Error}


class MeasuresQuery(Schema):
    scope: str = Field(
        "region",
        max_length=200,
        description="region | entity:CODE | unit:UUID | person:USERNAME",
    )
    period: str | None = Field(
        None, max_length=16, description="A month: 1447-05 (Hijri) or 2025-11 (Gregorian)"
    )
    from_: str | None = Field(None, alias="from", max_length=32, description="Start of a range")
    to: str | None = Field(None, max_length=32, description="End of a range (inclusive)")


@router.get(
    "/measures",
    response={200: dict[str, Any], **ERRORS},
    summary="The measures of a scope over a period (docs/measures.md)",
)
def get_measures(request: HttpRequest, q: Query[MeasuresQuery]) -> Any:
    actor = actor_for(request.auth)  # type: ignore[attr-defined]
    scope = resolve(actor, q.scope)
    today = timezone.localdate()
    period = parse_period(q.period, q.from_, q.to, today=today)
    got = measures.measures(scope, period, today=today)
    kids = presenters.children_data(scope, measures.children(scope, period, today=today))
    return presenters.measures_data(got, kids)


class RemindersQuery(Schema):
    limit: int = Field(50, ge=1, le=200)


@router.get(
    "/reminders",
    response={200: dict[str, Any], **ERRORS},
    summary="Reminders and escalations addressed to me (newest first)",
)
def get_reminders(request: HttpRequest, q: Query[RemindersQuery]) -> Any:
    actor = actor_for(request.auth)  # type: ignore[attr-defined]
    rows = followup.reminders_for(actor)[: q.limit]
    return {"reminders": [presenters.reminder_data(r) for r in rows]}
