"""The demo region's standing data: entities and their units, the demo people, the official
holidays, and every entity a member of the exchange on the demo's node. Each step matches
what exists (on codes, usernames, dates) and adds only what is missing."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password

from wasl.directory import services as directory
from wasl.directory.models import Entity, Unit
from wasl.exchange import members
from wasl.registry.models import Holiday

from . import files

# The demo region is one node of the exchange, every entity a member with its keys: a letter
# from one demo entity to another is signed, delivered and answered, end to end.
DEMO_NODE = "DEMO-NODE"
DEMO_NODE_URL = "http://127.0.0.1:8000"


@dataclass
class RegionCounts:
    entities_created: int = 0
    entities: int = 0
    units_created: int = 0
    units: int = 0
    people: int = 0
    people_created: int = 0
    memberships_created: int = 0
    holidays_created: int = 0
    members: int = 0
    members_joined: int = 0


def load_directory(counts: RegionCounts) -> dict[str, Entity]:
    region = files.load_region()
    units_by_type: dict[str, list[dict[str, Any]]] = region["units_by_type"]
    entities: dict[str, Entity] = {}
    for item in files.entities_parents_first(region["entities"]):
        parent = entities[item["parent"]] if item.get("parent") else None
        entity, created = directory.ensure_entity(
            code=item["code"],
            kind=item["type"],
            name_ar=item["name_ar"],
            name_en=item["name_en"],
            parent=parent,
        )
        entities[entity.code] = entity
        counts.entities_created += created
        specs = units_by_type.get(item["type"], units_by_type["default"])
        _ensure_units(entity, specs, None, set(), counts)
    counts.entities = len(entities)
    return entities


def _ensure_units(
    entity: Entity,
    specs: Iterable[dict[str, Any]],
    parent: Unit | None,
    taken: set[str],
    counts: RegionCounts,
) -> None:
    for spec in specs:
        unit, created = directory.ensure_unit(
            entity=entity,
            code=files.derive_unit_code(spec, taken),
            name_ar=spec["name_ar"],
            name_en=spec["name_en"],
            parent=parent,
            is_registry=bool(spec.get("registry")),
        )
        counts.units += 1
        counts.units_created += created
        _ensure_units(entity, spec.get("children", ()), unit, taken, counts)


def load_people(counts: RegionCounts) -> list[tuple[files.DemoPerson, Unit]]:
    password = files.load_history()["password"]
    units = {
        (u.entity.code, u.code): u
        for u in Unit.objects.select_related("entity").filter(
            entity__code__in={p.entity for p in files.load_people()}
        )
    }
    rows, created_ids = [], []
    for person in files.load_people():
        unit = units[(person.entity, person.unit)]
        user, created = directory.ensure_person(
            username=person.username, first_name=person.first_name, last_name=person.last_name
        )
        if created:
            created_ids.append(user.pk)
        _, granted = directory.grant(user, unit, person.role)
        counts.memberships_created += granted
        rows.append((person, unit))
    # One hash for every new account: the password is the same and published, and a hash
    # costs a second of CPU by design (Argon2).
    if created_ids:
        get_user_model().objects.filter(pk__in=created_ids).update(password=make_password(password))
    counts.people = len(rows)
    counts.people_created = len(created_ids)
    return rows


def load_holidays(first: date, last: date, counts: RegionCounts) -> None:
    """The official holidays between `first` and `last` (a year on either side of the
    history, so that due dates past its end count right too)."""
    wanted = {
        day: (name_ar, name_en)
        for rule in files.load_holidays()
        for day, name_ar, name_en in rule.dates(first, last)
    }
    known = set(Holiday.objects.filter(date__in=list(wanted)).values_list("date", flat=True))
    made = Holiday.objects.bulk_create(
        [
            Holiday(date=day, name_ar=name_ar, name_en=name_en)
            for day, (name_ar, name_en) in sorted(wanted.items())
            if day not in known
        ],
        ignore_conflicts=True,
    )
    counts.holidays_created = len(made)


def join_exchange(counts: RegionCounts) -> None:
    """Every active entity with a registry unit a member of the demo's node (`wasl exchange
    setup --all`)."""
    members.init_node(DEMO_NODE, DEMO_NODE_URL)
    codes = (
        Entity.objects.filter(is_active=True, units__is_registry=True, units__is_active=True)
        .distinct()
        .order_by("code")
    )
    for entity in codes:
        _, joined = members.join(entity)
        counts.members += 1
        counts.members_joined += joined
