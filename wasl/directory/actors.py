"""Who is acting: a person with their memberships, read once per request.

Every service and query takes an `Actor`, never a bare user, so that the rights a person
has are computed in one place and with one query.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from .models import ENTITY_WIDE_ROLES, WORKING_ROLES, Membership, Role


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    username: str
    # (unit_id, entity_id, role) for every active membership.
    memberships: tuple[tuple[int, int, str], ...] = ()
    unit_ids: frozenset[int] = field(default_factory=frozenset)
    working_unit_ids: frozenset[int] = field(default_factory=frozenset)
    head_unit_ids: frozenset[int] = field(default_factory=frozenset)
    entity_ids: frozenset[int] = field(default_factory=frozenset)
    entity_wide_ids: frozenset[int] = field(default_factory=frozenset)
    admin_entity_ids: frozenset[int] = field(default_factory=frozenset)
    auditor_entity_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def is_anonymous(self) -> bool:
        return self.user_id is None

    def works_in(self, unit_id: int) -> bool:
        """May work (register, refer, answer…) on what this unit holds."""
        return unit_id in self.working_unit_ids

    def heads(self, unit_id: int) -> bool:
        return unit_id in self.head_unit_ids

    def administers(self, entity_id: int) -> bool:
        return entity_id in self.admin_entity_ids


ANONYMOUS = Actor(user_id=None, username="")


# What an actor is built from: one row per membership, active or not. The rule "only active
# memberships in active units of active entities count" is applied once, in `build_actor`, so
# that the two ways of reading memberships (here and with a bearer token) cannot drift.
MEMBERSHIP_COLUMNS = (
    "unit_id",
    "unit__entity_id",
    "role",
    "is_active",
    "unit__is_active",
    "unit__entity__is_active",
)


def build_actor(user_id: int, username: str, rows: Iterable[Sequence[Any]]) -> Actor:
    """The actor of a person from their membership rows (`MEMBERSHIP_COLUMNS`, in order); rows
    of inactive memberships, units or entities, and empty rows of a LEFT JOIN, are left out."""
    active = [
        (unit, entity, role)
        for unit, entity, role, is_active, unit_active, entity_active in rows
        if unit is not None and is_active and unit_active and entity_active
    ]

    def units(roles: frozenset[str]) -> frozenset[int]:
        return frozenset(u for u, _, r in active if r in roles)

    def entities(roles: frozenset[str]) -> frozenset[int]:
        return frozenset(e for _, e, r in active if r in roles)

    all_roles = frozenset(Role.values)
    return Actor(
        user_id=user_id,
        username=username,
        memberships=tuple(active),
        unit_ids=units(all_roles),
        working_unit_ids=units(frozenset(WORKING_ROLES)),
        head_unit_ids=units(frozenset({Role.UNIT_HEAD})),
        entity_ids=entities(all_roles),
        entity_wide_ids=entities(frozenset(ENTITY_WIDE_ROLES)),
        admin_entity_ids=entities(frozenset({Role.ENTITY_ADMIN})),
        auditor_entity_ids=entities(frozenset({Role.AUDITOR})),
    )


def remember_actor(user: AbstractBaseUser, actor: Actor) -> None:
    """Keep `actor` on the user object for the rest of the request."""
    user._wasl_actor = actor  # type: ignore[attr-defined]


def actor_for(user: AbstractBaseUser | AnonymousUser | None) -> Actor:
    """The actor for a user, with one query; cached on the user object for the request (a
    bearer token's user arrives with it already: `tokens.user_for_token`)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return ANONYMOUS
    cached = getattr(user, "_wasl_actor", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    rows = Membership.objects.filter(user_id=user.pk).values_list(*MEMBERSHIP_COLUMNS)
    actor = build_actor(user.pk, user.get_username(), rows)
    remember_actor(user, actor)  # type: ignore[arg-type]
    return actor
