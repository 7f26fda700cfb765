"""The one access rule of field inspection: an inspector sees the visits assigned to them, the
head of an inspection unit every visit of the unit. Missing and not allowed look the same."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from wasl.directory.actors import Actor

from .errors import NotYourAssignment
from .models import Inspection, Visit


def visible_visits(actor: Actor) -> QuerySet[Visit]:
    if actor.user_id is None:
        return Visit.objects.none()
    return Visit.objects.filter(
        Q(inspector__user_id=actor.user_id) | Q(unit_id__in=actor.head_unit_ids)
    )


def get_visit_for(actor: Actor, public_id: object) -> Visit:
    visit = (
        visible_visits(actor)
        .select_related("inspector__user", "unit", "site", "area", "district", "follows")
        .select_related("report__transaction", "report__category")
        .filter(public_id=public_id)
        .first()
    )
    if visit is None:
        raise NotYourAssignment()
    return visit


def inspection_of(visit: Visit) -> Inspection | None:
    """The inspection of a visit the caller already reached through `get_visit_for`."""
    return (
        Inspection.objects.select_related("checklist")
        .prefetch_related("findings__violation", "photos")
        .filter(visit=visit)
        .first()
    )


def supervises(actor: Actor) -> bool:
    return bool(actor.head_unit_ids)
