"""Changes to the directory: entities, units, people and their memberships.

Used by administrators (through the admin site) and by `wasl loaddemo`. Each function is
idempotent on its natural key, so that loading the same region twice changes nothing.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser
from django.db import transaction

from wasl.audit import services as audit

from .models import Entity, Membership, Role, Unit


def ensure_entity(
    *, code: str, kind: str, name_ar: str, name_en: str, parent: Entity | None = None
) -> tuple[Entity, bool]:
    """Create the entity `code` unless it exists. Records `directory.entity.created`."""
    with transaction.atomic():
        entity, created = Entity.objects.get_or_create(
            code=code,
            defaults={"kind": kind, "name_ar": name_ar, "name_en": name_en, "parent": parent},
        )
        if created:
            entity.full_clean()
            audit.record(
                "directory.entity.created",
                chain=code,
                object_type="entity",
                object_id=str(entity.public_id),
                data={"code": code, "kind": kind, "name_ar": name_ar},
            )
    return entity, created


def ensure_unit(
    *,
    entity: Entity,
    code: str,
    name_ar: str,
    name_en: str,
    parent: Unit | None = None,
    is_registry: bool = False,
) -> tuple[Unit, bool]:
    """Create the unit `code` of `entity` unless it exists. Records `directory.unit.created`."""
    with transaction.atomic():
        unit, created = Unit.objects.get_or_create(
            entity=entity,
            code=code,
            defaults={
                "name_ar": name_ar,
                "name_en": name_en,
                "parent": parent,
                "is_registry": is_registry,
            },
        )
        if created:
            audit.record(
                "directory.unit.created",
                chain=entity.code,
                object_type="unit",
                object_id=str(unit.public_id),
                data={"code": code, "name_ar": name_ar, "parent": parent.code if parent else None},
            )
    return unit, created


def ensure_person(
    *,
    username: str,
    first_name: str,
    last_name: str,
    password: str | None = None,
    email: str = "",
) -> tuple[AbstractUser, bool]:
    """Create a person (an account) unless it exists."""
    User = get_user_model()
    with transaction.atomic():
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"first_name": first_name, "last_name": last_name, "email": email},
        )
        if created:
            if password:
                user.set_password(password)
            else:
                user.set_unusable_password()
            user.save(update_fields=["password"])
            audit.record(
                "directory.person.created",
                chain="system",
                object_type="person",
                object_id=str(user.pk),
                data={"username": username},
            )
    return user, created  # type: ignore[return-value]


def grant(user: AbstractUser, unit: Unit, role: str) -> tuple[Membership, bool]:
    """Give `user` a `role` in `unit`. Records `directory.membership.granted`."""
    Role(role)  # refuse unknown roles early
    with transaction.atomic():
        membership, created = Membership.objects.get_or_create(user=user, unit=unit, role=role)
        if created:
            audit.record(
                "directory.membership.granted",
                chain=unit.entity.code,
                object_type="membership",
                object_id=str(membership.pk),
                data={"user": user.username, "unit": unit.code, "role": role},
            )
    if hasattr(user, "_wasl_actor"):
        del user._wasl_actor
    return membership, created
