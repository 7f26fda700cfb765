"""What a person reads of the e-services: the catalogue they may apply from, and their own
applications (drafts to finish, and submitted ones with their reference)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import get_language

from wasl.directory.models import Unit
from wasl.portal.models import Person

from .models import Application, ApplicationState, Audience, Service


def catalogue(person: Person) -> QuerySet[Service]:
    """The active services the person may apply for, by their ID type (one query)."""
    return (
        Service.objects.filter(is_active=True, current__isnull=False)
        .filter(Q(current__audience=Audience.BOTH) | Q(current__audience=person.kind))
        .select_related("current")
        .order_by("position", "code")
    )


def own_applications(person: Person) -> QuerySet[Application]:
    """The person's applications: the only rule of which ones a page shows."""
    return Application.objects.filter(person=person)


def drafts(person: Person) -> QuerySet[Application]:
    return (
        own_applications(person)
        .filter(state=ApplicationState.DRAFT)
        .select_related("version", "service")
        .order_by("-updated_at", "-id")
    )


def own_submitted(person: Person, application_id: object) -> Application | None:
    return (
        own_applications(person)
        .filter(state=ApplicationState.SUBMITTED, public_id=str(application_id))
        .select_related("version", "transaction", "transaction__entity", "transaction__unit")
        .first()
    )


def receiver_names(definition: dict[str, Any]) -> tuple[str, str] | None:
    """The receiving entity and unit of a service, in the reader's language, or None when
    they are not in the directory (yet)."""
    receiver = definition["receiver"]
    unit = (
        Unit.objects.select_related("entity")
        .filter(entity__code=receiver["entity"], code=receiver["unit"])
        .first()
    )
    if unit is None:
        return None
    if (get_language() or "ar").startswith("en"):
        return unit.entity.name_en or unit.entity.name_ar, unit.name_en or unit.name_ar
    return unit.entity.name_ar, unit.name_ar
