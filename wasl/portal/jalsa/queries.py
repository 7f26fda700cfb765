"""Reads of Jalsa: the sessions open to book, a person's bookings, and an office's sessions
and day — the office's side always through the one access rule
(`registry.queries.visible_to`: a booking shows when its transaction may be seen)."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from wasl.directory.actors import Actor
from wasl.portal.models import Person
from wasl.registry.queries import visible_to

from .models import AudienceSession, Booking, BookingState

# The seats taken in a session (every booking but a cancelled one).
HELD = Count("bookings", filter=~Q(bookings__state=BookingState.CANCELLED))


def open_sessions(now: datetime | None = None) -> QuerySet[AudienceSession]:
    """Sessions not yet started, soonest first, each with `held` (its seats taken)."""
    return (
        AudienceSession.objects.filter(starts_at__gt=now or timezone.now())
        .select_related("unit", "unit__entity")
        .annotate(held=HELD)
        .order_by("starts_at", "id")
    )


def public_id(value: object) -> str:
    """A public id as given, or one that matches nothing (a malformed id is "not found")."""
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        return str(uuid.UUID(int=0))


def session(value: object) -> AudienceSession | None:
    """A published session, past ones too (sessions are public to the signed-in)."""
    return (
        AudienceSession.objects.select_related("unit", "unit__entity")
        .annotate(held=HELD)
        .filter(public_id=public_id(value))
        .first()
    )


def my_bookings(person: Person) -> QuerySet[Booking]:
    """The person's own bookings, newest first: the only bookings the portal shows them."""
    return (
        Booking.objects.filter(person=person)
        .select_related("session", "session__unit__entity", "transaction")
        .order_by("-created_at", "-id")
    )


def sessions_for(actor: Actor) -> QuerySet[AudienceSession]:
    """The sessions of the actor's units, and of the entities where they hold an entity-wide
    role (the access rule's own reach, by unit and entity)."""
    if actor.is_anonymous or not actor.memberships:
        return AudienceSession.objects.none()
    rule = Q(unit_id__in=sorted(actor.unit_ids))
    if actor.entity_wide_ids:
        rule |= Q(unit__entity_id__in=sorted(actor.entity_wide_ids))
    return (
        AudienceSession.objects.filter(rule)
        .select_related("unit", "unit__entity")
        .annotate(held=HELD)
    )


def bookings_for(actor: Actor) -> QuerySet[Booking]:
    """Bookings whose transaction the actor may see (the one access rule)."""
    return Booking.objects.filter(visible_to(actor)).select_related(
        "session", "session__unit", "transaction", "follow_up", "person"
    )


def office_sessions(actor: Actor, unit_id: int, day: date) -> list[AudienceSession]:
    """The office's sessions from `day` on, for two weeks, soonest first."""
    tz = timezone.get_current_timezone()
    start = datetime.combine(day, datetime.min.time(), tzinfo=tz)
    return list(
        sessions_for(actor)
        .filter(unit_id=unit_id, starts_at__gte=start, starts_at__lt=start + timedelta(days=14))
        .order_by("starts_at", "id")
    )


def day_list(actor: Actor, unit_id: int, day: date) -> list[Booking]:
    """الكشف اليومي — the office's bookings of `day`, by session and slot."""
    tz = timezone.get_current_timezone()
    start = datetime.combine(day, datetime.min.time(), tzinfo=tz)
    return list(
        bookings_for(actor)
        .filter(
            session__unit_id=unit_id,
            session__starts_at__gte=start,
            session__starts_at__lt=start + timedelta(days=1),
        )
        .exclude(state="cancelled")
        .order_by("session__starts_at", "session_id", "seat")
    )
