"""Scopes of the measures (the region, an entity, a unit, a person) and who may see which.

The decision (docs/measures.md "Who sees what"): figures are counts, never the transactions
themselves, so they follow the directory rather than the per-transaction access rule:

- the region: people with an executive or administrator role in the Emirate (an entity of
  kind "emirate");
- an entity: its executives, administrators and auditors (the entity-wide roles), and the
  region's viewers;
- a unit: its heads and the heads of the units above it, and whoever sees its entity;
- a person: the person, the heads of the units they work in, and whoever sees their entity.

Every list behind a figure still goes through `registry.queries.visible_transactions`, so a
figure may count transactions its reader cannot open (confidential ones, other entities'
ones); the list says how many it hides. A scope the person may not see answers 404, the
same as one that does not exist.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q

from wasl.core.errors import NotFound
from wasl.directory.actors import Actor
from wasl.directory.models import Entity, Membership, Role, Unit

from .definitions import ENTITY, PERSON, REGION, UNIT

REGION_ROLES = frozenset({Role.EXECUTIVE, Role.ENTITY_ADMIN})


@dataclass(frozen=True)
class Scope:
    kind: str  # region / entity / unit / person
    grain: str
    scope_id: int
    entity: Entity | None = None
    unit: Unit | None = None
    person: Any = None

    @property
    def token(self) -> str:
        if self.kind == "region":
            return "region"
        if self.kind == "entity":
            return f"entity:{self.entity.code}"  # type: ignore[union-attr]
        if self.kind == "unit":
            return f"unit:{self.unit.public_id}"  # type: ignore[union-attr]
        return f"person:{self.person.username}"

    @cached_property
    def name_ar(self) -> str:
        if self.kind == "region":
            return "المنطقة"
        if self.kind == "entity":
            return self.entity.name_ar  # type: ignore[union-attr]
        if self.kind == "unit":
            return f"{self.unit.name_ar} — {self.unit.entity.name_ar}"  # type: ignore[union-attr]
        return self.person.get_full_name() or self.person.username

    @cached_property
    def name_en(self) -> str:
        if self.kind == "region":
            return "The region"
        if self.kind == "entity":
            return self.entity.name_en  # type: ignore[union-attr]
        if self.kind == "unit":
            return f"{self.unit.name_en} — {self.unit.entity.name_en}"  # type: ignore[union-attr]
        return self.person.get_full_name() or self.person.username


def _missing() -> NotFound:
    return NotFound(
        "لوحة المتابعة المطلوبة غير موجودة.",
        "No such dashboard.",
        code="scope_not_found",
    )


def is_region_viewer(actor: Actor) -> bool:
    entities = {e for _, e, role in actor.memberships if role in REGION_ROLES}
    if not entities:
        return False
    return Entity.objects.filter(pk__in=entities, kind=Entity.Kind.EMIRATE, is_active=True).exists()


def may_see_entity(actor: Actor, entity_id: int) -> bool:
    return entity_id in actor.entity_wide_ids or is_region_viewer(actor)


def _ancestors(unit: Unit) -> list[int]:
    chain, seen = [], set()
    parent_id = unit.parent_id
    while parent_id is not None and parent_id not in seen:
        seen.add(parent_id)
        chain.append(parent_id)
        parent_id = Unit.objects.filter(pk=parent_id).values_list("parent_id", flat=True).first()
    return chain


def may_see_unit(actor: Actor, unit: Unit) -> bool:
    if unit.pk in actor.head_unit_ids or may_see_entity(actor, unit.entity_id):
        return True
    return bool(actor.head_unit_ids) and bool(set(_ancestors(unit)) & actor.head_unit_ids)


def may_see_person(actor: Actor, user: Any) -> bool:
    if user.pk == actor.user_id:
        return True
    rows = Membership.objects.filter(user=user, is_active=True).values_list(
        "unit_id", "unit__entity_id"
    )
    for unit_id, entity_id in rows:
        if unit_id in actor.head_unit_ids or entity_id in actor.entity_wide_ids:
            return True
    return False


def resolve(actor: Actor, token: str | None) -> Scope:
    """The scope named by `token` (region, entity:CODE, unit:UUID, person:USERNAME), if this
    person may see it; else NotFound."""
    if actor.is_anonymous:
        raise _missing()
    text = (token or "").strip()[:200]
    kind, _, value = text.partition(":")
    if kind == "region" and not value:
        if not is_region_viewer(actor):
            raise _missing()
        return Scope("region", REGION, 0)
    if kind == "entity" and value:
        entity = Entity.objects.filter(code=value.upper(), is_active=True).first()
        if entity is None or not may_see_entity(actor, entity.pk):
            raise _missing()
        return Scope("entity", ENTITY, entity.pk, entity=entity)
    if kind == "unit" and value:
        try:
            public_id = uuid.UUID(value)
        except ValueError:
            raise _missing() from None
        unit = Unit.objects.select_related("entity").filter(public_id=public_id).first()
        if unit is None or not may_see_unit(actor, unit):
            raise _missing()
        return Scope("unit", UNIT, unit.pk, entity=unit.entity, unit=unit)
    if kind == "person" and value:
        user = get_user_model().objects.filter(username=value, is_active=True).first()
        if user is None or not may_see_person(actor, user):
            raise _missing()
        return Scope("person", PERSON, user.pk, person=user)
    raise _missing()


def home_scope(actor: Actor, user: Any) -> Scope:
    """The widest dashboard this person may see: the region, their entity, their unit, or
    their own page."""
    if is_region_viewer(actor):
        return Scope("region", REGION, 0)
    if actor.entity_wide_ids:
        entity = Entity.objects.filter(pk__in=actor.entity_wide_ids).order_by("code").first()
        if entity is not None:
            return Scope("entity", ENTITY, entity.pk, entity=entity)
    if actor.head_unit_ids:
        unit = (
            Unit.objects.select_related("entity")
            .filter(pk__in=actor.head_unit_ids)
            .order_by("entity__code", "code")
            .first()
        )
        if unit is not None:
            return Scope("unit", UNIT, unit.pk, entity=unit.entity, unit=unit)
    return Scope("person", PERSON, user.pk, person=user)


def governorate_of(entities: dict[int, Entity]) -> dict[int, Entity | None]:
    """Each entity's governorate: itself or the first ancestor of kind governorate; None for
    bodies of the whole region (the Emirate, region-wide directorates, unattached ones)."""
    out: dict[int, Entity | None] = {}
    for entity_id, entity in entities.items():
        current, seen = entity, set()
        found = None
        while current is not None and current.pk not in seen:
            seen.add(current.pk)
            if current.kind == Entity.Kind.GOVERNORATE:
                found = current
                break
            current = entities.get(current.parent_id) if current.parent_id else None
        out[entity_id] = found
    return out


def entity_names(ids: set[int] | None = None) -> dict[int, Entity]:
    qs = Entity.objects.all() if ids is None else Entity.objects.filter(Q(pk__in=ids))
    return {e.pk: e for e in qs}
