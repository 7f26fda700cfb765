"""Lists of field inspection, each starting from the access rule (`access.visible_visits`)."""

from __future__ import annotations

from django.db.models import QuerySet

from wasl.directory.actors import Actor

from .access import visible_visits
from .models import Checklist, InspectionPhoto, Inspector, Visit
from .vocabulary import OPEN_STATES, VisitState

RECENT_DONE = 20


def open_assignments(actor: Actor) -> QuerySet[Visit]:
    """The inspector's own open visits, soonest due first."""
    return (
        visible_visits(actor)
        .filter(inspector__user_id=actor.user_id, state=VisitState.ASSIGNED)
        .select_related("district", "area", "report__transaction")
        .order_by("due_date", "created_at")
    )


def unit_open_visits(actor: Actor) -> QuerySet[Visit]:
    """The open visits of the units the actor heads, with who has each (supervisor's view)."""
    return (
        visible_visits(actor)
        .filter(unit_id__in=actor.head_unit_ids, state__in=OPEN_STATES)
        .select_related("district", "area", "inspector__user", "report__transaction")
        .order_by("due_date", "created_at")
    )


def recently_done(actor: Actor) -> QuerySet[Visit]:
    return (
        visible_visits(actor)
        .filter(state=VisitState.DONE)
        .select_related("district", "area", "inspection")
        .order_by("-updated_at")[:RECENT_DONE]
    )


def inspectors_of(actor: Actor) -> QuerySet[Inspector]:
    """The inspectors a supervisor may give visits to."""
    return (
        Inspector.objects.filter(unit_id__in=actor.head_unit_ids, is_active=True)
        .select_related("user")
        .order_by("user__username")
    )


def checklist_version(code: str, version: int | None = None) -> Checklist | None:
    found = Checklist.objects.filter(code=code)
    if version is None:
        return found.filter(is_current=True).first()
    return found.filter(version=version).first()


def photo(actor: Actor, public_id: object) -> InspectionPhoto | None:
    return (
        InspectionPhoto.objects.filter(
            public_id=public_id, inspection__visit__in=visible_visits(actor)
        )
        .only("sha256")
        .first()
    )
