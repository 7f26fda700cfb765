"""إدارة الجهة — what an entity's administrator changes in the directory of their own entity:
its people (accounts, units and roles, deactivation, password resets) and its units (the
tree, names, the registry unit, heads).

Who: a person with the `entity_admin` role in the entity, and only for that entity. Another
entity, or a person who is not its administrator, gets `NotFound`: the same answer as an
entity that does not exist. Every function runs in one database transaction and appends its
audit record (`directory.*`, the old and new values, on the entity's chain) in it; a refused
change changes nothing.

Some accounts are not the entity's to manage: a person who also belongs to another entity
(a password reset here would open the other entity too), a superuser, and the accounts Wasl
itself acts as. They are listed, but their account (password, activation) is left alone;
their memberships in this entity can still change.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser
from django.db import transaction
from django.db.models import Prefetch, Q

from wasl.audit import services as audit
from wasl.core.errors import Conflict, InvalidInput, NotFound

from .actors import Actor
from .models import Entity, Membership, Role, Unit, code_validator

# Accounts Wasl acts as, not people (`wasl.exchange.members.SYSTEM_USERNAME`: the directory
# may not import the exchange; tests/directory/test_administration.py checks they agree).
SERVICE_ACCOUNTS = frozenset({"wasl-exchange"})

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{2,39}$")
NAME_MAX = 150
UNIT_NAME_MAX = 200


# ---------------------------------------------------------------------------------------------
# Reading


def administered_entity(actor: Actor, code: str) -> Entity:
    """The active entity `code` when `actor` administers it; NotFound otherwise (missing and
    not allowed look the same)."""
    entity = Entity.objects.filter(code=code, is_active=True).first()
    if entity is None or not actor.administers(entity.pk):
        raise NotFound()
    return entity


def administered_entities(actor: Actor) -> list[Entity]:
    if not actor.admin_entity_ids:
        return []
    return list(Entity.objects.filter(pk__in=actor.admin_entity_ids, is_active=True))


@dataclass
class PersonRow:
    """A person of the entity, as the administrator sees them."""

    user: Any
    memberships: list[Membership] = field(default_factory=list)
    managed: bool = True  # the account (password, activation) is this entity's to manage

    @property
    def active_memberships(self) -> list[Membership]:
        return [m for m in self.memberships if m.is_active]

    @property
    def unit(self) -> Unit | None:
        active = self.active_memberships or self.memberships
        return active[0].unit if active else None

    @property
    def roles(self) -> list[str]:
        return sorted({m.role for m in self.active_memberships})

    @property
    def is_service(self) -> bool:
        return self.user.username in SERVICE_ACCOUNTS

    @property
    def is_active(self) -> bool:
        return bool(self.user.is_active and self.active_memberships)


def people(entity: Entity, *, username: str | None = None) -> list[PersonRow]:
    """The people with a membership (active or not) in the entity, by username; two queries."""
    User = get_user_model()
    users = (
        User.objects.filter(memberships__unit__entity=entity)
        .distinct()
        .order_by("username")
        .prefetch_related(
            Prefetch(
                "memberships",
                queryset=Membership.objects.select_related("unit").order_by(
                    "-is_active", "unit__code", "role"
                ),
                to_attr="all_memberships",
            )
        )
    )
    if username is not None:
        users = users.filter(username=username)
    rows = []
    for user in users:
        here = [m for m in user.all_memberships if m.unit.entity_id == entity.pk]
        elsewhere = len(here) != len(user.all_memberships)
        rows.append(PersonRow(user, here, managed=not elsewhere and _manageable(user)))
    return rows


def person_of(entity: Entity, username: str) -> PersonRow:
    rows = people(entity, username=username)
    if not rows:
        raise NotFound()
    return rows[0]


def units(entity: Entity) -> list[Unit]:
    """The entity's units as a tree, depth-first by code; each with `depth` set."""
    rows = list(Unit.objects.filter(entity=entity).order_by("code"))
    children: dict[int | None, list[Unit]] = {}
    ids = {u.pk for u in rows}
    for unit in rows:
        parent = unit.parent_id if unit.parent_id in ids else None
        children.setdefault(parent, []).append(unit)
    ordered: list[Unit] = []

    def walk(parent: int | None, depth: int) -> None:
        for unit in children.get(parent, []):
            unit.depth = depth  # type: ignore[attr-defined]
            ordered.append(unit)
            walk(unit.pk, depth + 1)

    walk(None, 0)
    return ordered


def heads_of(entity: Entity) -> dict[int, list[str]]:
    """Unit id -> usernames of its active heads."""
    out: dict[int, list[str]] = {}
    for unit_id, username in (
        Membership.objects.filter(
            unit__entity=entity, role=Role.UNIT_HEAD, is_active=True, user__is_active=True
        )
        .order_by("user__username")
        .values_list("unit_id", "user__username")
    ):
        out.setdefault(unit_id, []).append(username)
    return out


def unit_of(entity: Entity, public_id: object) -> Unit:
    try:
        key = uuid.UUID(str(public_id))
    except ValueError:
        raise NotFound() from None
    unit = Unit.objects.filter(entity=entity, public_id=key).first()
    if unit is None:
        raise NotFound()
    return unit


# ---------------------------------------------------------------------------------------------
# Checks shared by the changes


def _manageable(user: Any) -> bool:
    return not user.is_superuser and user.username not in SERVICE_ACCOUNTS


def _record(actor: Actor, entity: Entity, action: str, kind: str, oid: str, data: dict) -> None:
    audit.record(
        f"directory.{action}",
        chain=entity.code,
        object_type=kind,
        object_id=oid,
        actor_id=actor.user_id,
        actor=actor.username,
        data=data,
    )


def _check_roles(roles: Iterable[str]) -> list[str]:
    chosen = sorted(set(roles))
    if not chosen or any(r not in Role.values for r in chosen):
        raise InvalidInput(
            "اختر دوراً واحداً على الأقل من الأدوار المعروفة.",
            "Choose at least one of the known roles.",
            code="invalid_roles",
            field="roles",
        )
    return chosen


def _unit_here(entity: Entity, unit: Unit, field_name: str = "unit") -> Unit:
    if unit.entity_id != entity.pk or not unit.is_active:
        raise InvalidInput(
            "الإدارة ليست من إدارات الجهة العاملة.",
            "The unit is not an active unit of this entity.",
            code="unit_outside_entity",
            field=field_name,
        )
    return unit


def _names(first: str, last: str) -> tuple[str, str]:
    first, last = (first or "").strip(), (last or "").strip()
    if not first or not last or len(first) > NAME_MAX or len(last) > NAME_MAX:
        raise InvalidInput(
            "اكتب الاسم الأول واسم العائلة (150 حرفاً لكل منهما على الأكثر).",
            "Write the first and the last name (at most 150 characters each).",
            code="invalid_name",
            field="first_name" if not first or len(first) > NAME_MAX else "last_name",
        )
    return first, last


def _keep_an_administrator(entity: Entity) -> None:
    """After a change, inside its transaction: the entity still has an active administrator
    (else no one could administer it from the pages)."""
    if not Membership.objects.filter(
        unit__entity=entity,
        unit__is_active=True,
        role=Role.ENTITY_ADMIN,
        is_active=True,
        user__is_active=True,
    ).exists():
        raise Conflict(
            "لا يمكن إزالة آخر مسؤول للجهة: عيّن مسؤولاً آخر أولاً.",
            "This would remove the entity's last administrator: appoint another one first.",
            code="last_administrator",
        )


def _lock_entity(entity: Entity) -> None:
    # Two administrators removing each other at once: one waits for the other, then sees it.
    Entity.objects.select_for_update().filter(pk=entity.pk).first()


def _locked_person(entity: Entity, username: str) -> tuple[Any, list[Membership]]:
    User = get_user_model()
    user = User.objects.select_for_update().filter(username=username).first()
    if user is None:
        raise NotFound()
    here = list(
        Membership.objects.select_for_update()
        .select_related("unit")
        .filter(user=user, unit__entity=entity)
    )
    if not here:
        raise NotFound()
    return user, here


def _forget_actor(user: Any) -> None:
    if hasattr(user, "_wasl_actor"):
        del user._wasl_actor


def _account_here(entity: Entity, user: Any) -> None:
    """Refuse to touch an account that is not only this entity's."""
    elsewhere = Membership.objects.filter(user=user).exclude(unit__entity=entity).exists()
    if elsewhere or not _manageable(user):
        raise Conflict(
            "هذا الحساب ليس للجهة وحدها (ينتمي إلى جهة أخرى أو هو حساب النظام): يغيّره مدير النظام.",
            "This account is not this entity's alone (it belongs to another entity too, or "
            "Wasl uses it): a system administrator changes it.",
            code="account_not_managed_here",
        )


def _memberships_view(rows: Iterable[Membership]) -> list[list[str]]:
    return sorted([m.unit.code, m.role] for m in rows if m.is_active)


# ---------------------------------------------------------------------------------------------
# People


def invite_person(
    actor: Actor,
    entity: Entity,
    *,
    username: str,
    first_name: str,
    last_name: str,
    unit: Unit,
    roles: Iterable[str],
    email: str = "",
) -> AbstractUser:
    """إضافة موظف — create an account for a new person of the entity, with a unit and roles.
    The account has no password: the person sets one through the one-time link the page
    gives the administrator. Usernames are unique across the deployment. Records
    `directory.person.invited`."""
    username = (username or "").strip().lower()
    if not USERNAME_RE.match(username):
        raise InvalidInput(
            "اسم المستخدم من 3 إلى 40: حروف لاتينية صغيرة وأرقام ونقطة وشرطة.",
            "A username is 3 to 40 small Latin letters, digits, dots and dashes.",
            code="invalid_username",
            field="username",
        )
    first, last = _names(first_name, last_name)
    chosen = _check_roles(roles)
    _unit_here(entity, unit)
    User = get_user_model()
    with transaction.atomic():
        if User.objects.filter(username__iexact=username).exists():
            raise Conflict(
                "اسم المستخدم مستعمل من قبل: اختر غيره.",
                "This username is taken: choose another.",
                code="username_taken",
                field="username",
            )
        user = User(username=username, first_name=first, last_name=last, email=email.strip())
        user.set_unusable_password()
        user.save()
        for role in chosen:
            Membership.objects.create(user=user, unit=unit, role=role)
        _record(
            actor,
            entity,
            "person.invited",
            "person",
            str(user.pk),
            {"username": username, "unit": unit.code, "roles": chosen},
        )
    return user  # type: ignore[no-any-return]


def change_memberships(
    actor: Actor, entity: Entity, username: str, *, unit: Unit, roles: Iterable[str]
) -> list[Membership]:
    """تعديل الأدوار — the person's place in the entity becomes `roles` in `unit`; their other
    memberships in the entity end (kept, inactive, for the record). The entity keeps an
    administrator. Records `directory.person.roles_changed` with the old and new places."""
    chosen = _check_roles(roles)
    with transaction.atomic():
        _lock_entity(entity)
        user, here = _locked_person(entity, username)
        if user.username in SERVICE_ACCOUNTS:
            raise Conflict(
                "هذا حساب يستعمله وصل نفسه: لا تتغير أدواره من هنا.",
                "Wasl itself uses this account: its roles do not change here.",
                code="service_account",
            )
        _unit_here(entity, unit)
        old = _memberships_view(here)
        wanted = {(unit.pk, role) for role in chosen}
        for m in here:
            keep = (m.unit_id, m.role) in wanted
            if m.is_active != keep:
                m.is_active = keep
                m.save(update_fields=["is_active"])
        present = {(m.unit_id, m.role) for m in here}
        for _unit_id, role in sorted(wanted - present):
            here.append(Membership.objects.create(user=user, unit=unit, role=role))
        new = _memberships_view(here)
        if old == new:
            return [m for m in here if m.is_active]
        _keep_an_administrator(entity)
        _record(
            actor,
            entity,
            "person.roles_changed",
            "person",
            str(user.pk),
            {"username": user.username, "memberships": [old, new]},
        )
    _forget_actor(user)
    return [m for m in here if m.is_active]


def deactivate_person(actor: Actor, entity: Entity, username: str) -> Any:
    """إيقاف حساب — the person can no longer sign in or use their API tokens; their
    memberships stay as they were, to come back with them. Not oneself; not the last
    administrator; only an account that is this entity's alone. Records
    `directory.person.deactivated`."""
    with transaction.atomic():
        _lock_entity(entity)
        user, _here = _locked_person(entity, username)
        if user.pk == actor.user_id:
            raise Conflict(
                "لا يمكنك إيقاف حسابك أنت.",
                "You cannot deactivate your own account.",
                code="deactivate_self",
            )
        _account_here(entity, user)
        if not user.is_active:
            return user
        user.is_active = False
        user.save(update_fields=["is_active"])
        _keep_an_administrator(entity)
        _record(
            actor,
            entity,
            "person.deactivated",
            "person",
            str(user.pk),
            {"username": user.username, "is_active": [True, False]},
        )
    return user


def reactivate_person(actor: Actor, entity: Entity, username: str) -> Any:
    """إعادة تفعيل — the person signs in again, with the memberships they had. Records
    `directory.person.reactivated`."""
    with transaction.atomic():
        user, _here = _locked_person(entity, username)
        _account_here(entity, user)
        if user.is_active:
            return user
        user.is_active = True
        user.save(update_fields=["is_active"])
        _record(
            actor,
            entity,
            "person.reactivated",
            "person",
            str(user.pk),
            {"username": user.username, "is_active": [False, True]},
        )
    return user


def reset_password(actor: Actor, entity: Entity, username: str) -> Any:
    """إعادة تعيين كلمة المرور — the person's password stops working now (their open sessions
    end with it) and they choose a new one through a one-time link that the page shows the
    administrator once. The administrator never knows the password. Records
    `directory.person.password_reset` (never a password or a link)."""
    with transaction.atomic():
        user, _here = _locked_person(entity, username)
        _account_here(entity, user)
        if not user.is_active:
            raise Conflict(
                "الحساب موقوف: أعد تفعيله أولاً.",
                "The account is deactivated: reactivate it first.",
                code="person_inactive",
            )
        # A new unusable password each time: it ends the sessions and every earlier link.
        user.set_unusable_password()
        user.save(update_fields=["password"])
        _record(
            actor,
            entity,
            "person.password_reset",
            "person",
            str(user.pk),
            {"username": user.username},
        )
    return user


# ---------------------------------------------------------------------------------------------
# Units


def _unit_names(name_ar: str, name_en: str) -> tuple[str, str]:
    name_ar, name_en = (name_ar or "").strip(), (name_en or "").strip()
    if not name_ar or len(name_ar) > UNIT_NAME_MAX or len(name_en) > UNIT_NAME_MAX:
        raise InvalidInput(
            "اكتب اسم الإدارة بالعربية (200 حرف على الأكثر).",
            "Write the unit's Arabic name (at most 200 characters).",
            code="invalid_unit_name",
            field="name_ar",
        )
    return name_ar, name_en


def add_unit(
    actor: Actor,
    entity: Entity,
    *,
    code: str,
    name_ar: str,
    name_en: str,
    parent: Unit | None = None,
) -> Unit:
    """إضافة إدارة — a new unit of the entity, under `parent` or at the top. Its code is
    unique in the entity and never changes. Records `directory.unit.created`."""
    code = (code or "").strip().upper()
    try:
        code_validator(code)
        if len(code) > 40:
            raise ValueError(code)
    except Exception:
        raise InvalidInput(
            "رمز الإدارة حروف لاتينية كبيرة وأرقام وشرطات (40 على الأكثر).",
            "A unit code is capital Latin letters, digits and dashes (at most 40).",
            code="invalid_unit_code",
            field="code",
        ) from None
    name_ar, name_en = _unit_names(name_ar, name_en)
    if parent is not None:
        _unit_here(entity, parent, "parent")
    with transaction.atomic():
        _lock_entity(entity)
        if Unit.objects.filter(entity=entity, code=code).exists():
            raise Conflict(
                "في الجهة إدارة بهذا الرمز من قبل.",
                "The entity already has a unit with this code.",
                code="unit_code_taken",
                field="code",
            )
        unit = Unit.objects.create(
            entity=entity, code=code, name_ar=name_ar, name_en=name_en, parent=parent
        )
        _record(
            actor,
            entity,
            "unit.created",
            "unit",
            str(unit.public_id),
            {"code": code, "name_ar": name_ar, "parent": parent.code if parent else None},
        )
    return unit


def rename_unit(actor: Actor, entity: Entity, unit: Unit, *, name_ar: str, name_en: str) -> Unit:
    """تعديل اسم إدارة. Records `directory.unit.renamed` with the old and new names."""
    name_ar, name_en = _unit_names(name_ar, name_en)
    with transaction.atomic():
        unit = Unit.objects.select_for_update().get(pk=_unit_here(entity, unit).pk)
        old = {"name_ar": unit.name_ar, "name_en": unit.name_en}
        if old == {"name_ar": name_ar, "name_en": name_en}:
            return unit
        unit.name_ar, unit.name_en = name_ar, name_en
        unit.save(update_fields=["name_ar", "name_en"])
        _record(
            actor,
            entity,
            "unit.renamed",
            "unit",
            str(unit.public_id),
            {
                "code": unit.code,
                "name_ar": [old["name_ar"], name_ar],
                "name_en": [old["name_en"], name_en],
            },
        )
    return unit


def mark_registry_unit(actor: Actor, entity: Entity, unit: Unit) -> Unit:
    """تعيين إدارة الاتصالات الإدارية — the unit that receives the entity's incoming
    correspondence; one per entity, so the one marked before stops being it. Records
    `directory.unit.registry_marked` with the old and new codes."""
    with transaction.atomic():
        _lock_entity(entity)
        unit = _unit_here(entity, unit)
        before = list(
            Unit.objects.select_for_update()
            .filter(entity=entity, is_registry=True)
            .order_by("code")
        )
        old = [u.code for u in before]
        if old == [unit.code]:
            return unit
        Unit.objects.filter(pk__in=[u.pk for u in before]).exclude(pk=unit.pk).update(
            is_registry=False
        )
        Unit.objects.filter(pk=unit.pk).update(is_registry=True)
        unit.is_registry = True
        _record(
            actor,
            entity,
            "unit.registry_marked",
            "unit",
            str(unit.public_id),
            {"registry": [old, [unit.code]]},
        )
    return unit


def set_unit_heads(actor: Actor, entity: Entity, unit: Unit, usernames: Iterable[str]) -> list[str]:
    """تعيين مدير الإدارة — the unit's heads become exactly these people of the entity (an
    empty list leaves the unit without a head). A head must already belong to the entity.
    Records `directory.unit.heads_set` with the old and new heads."""
    wanted = sorted({u.strip() for u in usernames if u and u.strip()})
    with transaction.atomic():
        unit = _unit_here(entity, unit)
        users = {
            u.username: u
            for u in get_user_model()
            .objects.filter(username__in=wanted, is_active=True, memberships__unit__entity=entity)
            .distinct()
        }
        strangers = [n for n in wanted if n not in users or n in SERVICE_ACCOUNTS]
        if strangers:
            raise InvalidInput(
                "المدير يجب أن يكون من موظفي الجهة العاملين: " + "، ".join(strangers),
                "A head must be an active person of this entity: " + ", ".join(strangers),
                code="head_outside_entity",
                field="heads",
            )
        rows = list(
            Membership.objects.select_for_update()
            .select_related("user")
            .filter(unit=unit, role=Role.UNIT_HEAD)
        )
        old = sorted(m.user.username for m in rows if m.is_active)
        if old == wanted:
            return wanted
        for m in rows:
            keep = m.user.username in wanted
            if m.is_active != keep:
                m.is_active = keep
                m.save(update_fields=["is_active"])
        present = {m.user.username for m in rows}
        for name in wanted:
            if name not in present:
                Membership.objects.create(user=users[name], unit=unit, role=Role.UNIT_HEAD)
        _record(
            actor,
            entity,
            "unit.heads_set",
            "unit",
            str(unit.public_id),
            {"code": unit.code, "heads": [old, wanted]},
        )
    return wanted


def entity_people_choices(entity: Entity) -> list[tuple[str, str]]:
    """(username, full name) of the entity's active people, for choosing heads."""
    User = get_user_model()
    rows = (
        User.objects.filter(
            is_active=True,
            memberships__unit__entity=entity,
            memberships__is_active=True,
        )
        .exclude(Q(username__in=SERVICE_ACCOUNTS))
        .distinct()
        .order_by("first_name", "last_name", "username")
        .values_list("username", "first_name", "last_name")
    )
    return [(u, f"{f} {last}".strip() or u) for u, f, last in rows]
