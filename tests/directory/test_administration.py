"""The entity administrator's acts on the directory: scoped to their entity, audited in the
same transaction, and a refusal changes nothing."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from tests.conftest import PASSWORD
from wasl.audit.models import AuditRecord
from wasl.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from wasl.directory import administration as admin
from wasl.directory import services as directory
from wasl.directory.actors import actor_for
from wasl.directory.models import Membership, Unit
from wasl.exchange import members
from wasl.registry import calendar, holidays
from wasl.registry.models import Holiday

pytestmark = pytest.mark.django_db


def audit_actions(chain: str) -> list[str]:
    return list(
        AuditRecord.objects.filter(chain=chain).order_by("seq").values_list("action", flat=True)
    )


def amanah_admin(cast: Any) -> Any:
    user, _ = directory.ensure_person(
        username="amn_admin", first_name="عبير", last_name="الحربي", password=PASSWORD
    )
    directory.grant(user, cast.amanah_registry, "entity_admin")
    return user


def test_only_the_entitys_administrator_reaches_it(cast: Any) -> None:
    assert admin.administered_entity(cast.admin.actor, "EMK") == cast.emk
    for person, code in [(cast.clerk, "EMK"), (cast.admin, "AMN-JED"), (cast.admin, "NOPE")]:
        with pytest.raises(NotFound):
            admin.administered_entity(person.actor, code)


def test_it_invites_a_person_with_a_unit_and_roles(cast: Any) -> None:
    user = admin.invite_person(
        cast.admin.actor,
        cast.emk,
        username="Sara.q",
        first_name="سارة",
        last_name="القرشي",
        unit=cast.rights,
        roles=["clerk", "unit_head"],
    )
    assert user.username == "sara.q" and not user.has_usable_password()
    assert set(Membership.objects.filter(user=user).values_list("unit__code", "role")) == {
        ("RIGHTS", "clerk"),
        ("RIGHTS", "unit_head"),
    }
    record = AuditRecord.objects.filter(action="directory.person.invited").get()
    assert record.chain == "EMK" and record.actor == "admin"
    assert record.data == {"username": "sara.q", "unit": "RIGHTS", "roles": ["clerk", "unit_head"]}


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"username": "clerk"}, "username_taken"),
        ({"username": "CLERK"}, "username_taken"),
        ({"username": "a b"}, "invalid_username"),
        ({"roles": []}, "invalid_roles"),
        ({"roles": ["king"]}, "invalid_roles"),
        ({"first_name": " "}, "invalid_name"),
    ],
)
def test_it_refuses_a_bad_invitation_and_changes_nothing(
    cast: Any, changes: dict[str, Any], code: str
) -> None:
    before = (get_user_model().objects.count(), AuditRecord.objects.count())
    fields: dict[str, Any] = {
        "username": "new.person",
        "first_name": "سارة",
        "last_name": "القرشي",
        "unit": cast.rights,
        "roles": ["clerk"],
        **changes,
    }
    with pytest.raises((InvalidInput, Conflict)) as caught:
        admin.invite_person(cast.admin.actor, cast.emk, **fields)
    assert caught.value.code == code
    assert caught.value.message_ar and caught.value.message_en
    assert (get_user_model().objects.count(), AuditRecord.objects.count()) == before


def test_it_refuses_a_unit_of_another_entity(cast: Any) -> None:
    with pytest.raises(InvalidInput) as caught:
        admin.invite_person(
            cast.admin.actor,
            cast.emk,
            username="new.person",
            first_name="سارة",
            last_name="القرشي",
            unit=cast.amanah_registry,
            roles=["clerk"],
        )
    assert caught.value.code == "unit_outside_entity"
    assert not get_user_model().objects.filter(username="new.person").exists()


def test_changing_roles_moves_the_person_and_keeps_the_old_rows(cast: Any) -> None:
    admin.change_memberships(
        cast.admin.actor, cast.emk, "clerk", unit=cast.rights, roles=["unit_head"]
    )
    rows = set(
        Membership.objects.filter(user=cast.clerk.user).values_list(
            "unit__code", "role", "is_active"
        )
    )
    assert rows == {("REG", "clerk", False), ("RIGHTS", "unit_head", True)}
    assert cast.clerk.actor.heads(cast.rights.pk) and not cast.clerk.actor.works_in(
        cast.registry.pk
    )
    record = AuditRecord.objects.filter(action="directory.person.roles_changed").get()
    assert record.data["memberships"] == [[["REG", "clerk"]], [["RIGHTS", "unit_head"]]]


def test_the_last_administrator_stays(cast: Any) -> None:
    before = AuditRecord.objects.count()
    with pytest.raises(Conflict) as caught:
        admin.change_memberships(
            cast.admin.actor, cast.emk, "admin", unit=cast.registry, roles=["clerk"]
        )
    assert caught.value.code == "last_administrator"
    assert cast.admin.actor.administers(cast.emk.pk)
    assert AuditRecord.objects.count() == before


def test_a_second_administrator_may_remove_the_first(cast: Any) -> None:
    admin.change_memberships(
        cast.admin.actor, cast.emk, "head", unit=cast.registry, roles=["unit_head", "entity_admin"]
    )
    admin.change_memberships(
        cast.head.actor, cast.emk, "admin", unit=cast.registry, roles=["clerk"]
    )
    assert not cast.admin.actor.administers(cast.emk.pk)


def test_deactivation_refuses_oneself_and_outsiders(cast: Any) -> None:
    with pytest.raises(Conflict) as caught:
        admin.deactivate_person(cast.admin.actor, cast.emk, "admin")
    assert caught.value.code == "deactivate_self"
    with pytest.raises(NotFound):
        admin.deactivate_person(cast.admin.actor, cast.emk, "outsider")
    # The exchange's own account is never the entity's to switch off.
    assert members.SYSTEM_USERNAME in admin.SERVICE_ACCOUNTS
    assert get_user_model().objects.filter(is_active=False).count() == 0


def test_deactivation_and_reactivation_are_audited(cast: Any) -> None:
    admin.deactivate_person(cast.admin.actor, cast.emk, "clerk")
    cast.clerk.user.refresh_from_db()
    assert not cast.clerk.user.is_active and cast.clerk.actor.is_anonymous
    admin.reactivate_person(cast.admin.actor, cast.emk, "clerk")
    cast.clerk.user.refresh_from_db()
    assert cast.clerk.user.is_active and cast.clerk.actor.works_in(cast.registry.pk)
    assert audit_actions("EMK")[-2:] == [
        "directory.person.deactivated",
        "directory.person.reactivated",
    ]


def test_a_person_of_two_entities_keeps_their_account(cast: Any) -> None:
    directory.grant(cast.clerk.user, cast.amanah_registry, "clerk")
    for act in (admin.deactivate_person, admin.reset_password):
        with pytest.raises(Conflict) as caught:
            act(cast.admin.actor, cast.emk, "clerk")
        assert caught.value.code == "account_not_managed_here"
    cast.clerk.user.refresh_from_db()
    assert cast.clerk.user.is_active and cast.clerk.user.check_password(PASSWORD)


def test_a_password_reset_ends_the_old_password(cast: Any) -> None:
    admin.reset_password(cast.admin.actor, cast.emk, "clerk")
    cast.clerk.user.refresh_from_db()
    assert not cast.clerk.user.has_usable_password()
    record = AuditRecord.objects.filter(action="directory.person.password_reset").get()
    assert record.data == {"username": "clerk"} and record.actor == "admin"


def test_units_are_added_renamed_and_marked(cast: Any) -> None:
    unit = admin.add_unit(
        cast.admin.actor,
        cast.emk,
        code="rights-lands",
        name_ar="قسم الأراضي",
        name_en="Lands",
        parent=cast.rights,
    )
    assert unit.code == "RIGHTS-LANDS"
    tree = admin.units(cast.emk)
    assert [(u.code, u.depth) for u in tree] == [
        ("REG", 0),
        ("RIGHTS", 0),
        ("RIGHTS-LANDS", 1),
        ("SECURITY", 0),
    ]
    admin.rename_unit(cast.admin.actor, cast.emk, unit, name_ar="قسم الأراضي والعقار", name_en="")
    admin.mark_registry_unit(cast.admin.actor, cast.emk, unit)
    assert list(
        Unit.objects.filter(entity=cast.emk, is_registry=True).values_list("code", flat=True)
    ) == ["RIGHTS-LANDS"]
    assert audit_actions("EMK")[-3:] == [
        "directory.unit.created",
        "directory.unit.renamed",
        "directory.unit.registry_marked",
    ]
    with pytest.raises(Conflict):
        admin.add_unit(cast.admin.actor, cast.emk, code="RIGHTS", name_ar="x", name_en="")


def test_heads_come_from_the_entity(cast: Any) -> None:
    before = AuditRecord.objects.count()
    with pytest.raises(InvalidInput) as caught:
        admin.set_unit_heads(cast.admin.actor, cast.emk, cast.rights, ["rights_clerk", "outsider"])
    assert caught.value.code == "head_outside_entity"
    assert AuditRecord.objects.count() == before
    admin.set_unit_heads(cast.admin.actor, cast.emk, cast.rights, ["rights_clerk"])
    assert admin.heads_of(cast.emk)[cast.rights.pk] == ["rights_clerk"]
    assert not cast.rights_head.actor.heads(cast.rights.pk)
    record = AuditRecord.objects.filter(action="directory.unit.heads_set").get()
    assert record.data["heads"] == [["rights_head"], ["rights_clerk"]]


def test_holidays_are_kept_by_top_entities_and_drop_the_cache(cast: Any) -> None:
    day = date(2027, 3, 10)  # a Wednesday
    assert calendar.due_after(date(2027, 3, 9), 1) == day
    holidays.add_holiday(cast.admin.actor, cast.emk, day=day, name_ar="يوم التأسيس", name_en="")
    assert calendar.due_after(date(2027, 3, 9), 1) == date(2027, 3, 11)
    with pytest.raises(Conflict):
        holidays.add_holiday(cast.admin.actor, cast.emk, day=day, name_ar="مكرر", name_en="")
    with pytest.raises(NotFound):
        holidays.add_holiday(cast.clerk.actor, cast.emk, day=day, name_ar="x", name_en="")
    jed_admin, _ = directory.ensure_person(username="jed_admin", first_name="a", last_name="b")
    directory.grant(jed_admin, cast.jed_office, "entity_admin")
    with pytest.raises(Forbidden):
        holidays.remove_holiday(
            actor_for(jed_admin),
            cast.jed,
            day,
        )
    holidays.remove_holiday(cast.admin.actor, cast.emk, day)
    assert not Holiday.objects.exists()
    assert calendar.due_after(date(2027, 3, 9), 1) == day
    assert audit_actions("EMK")[-2:] == ["registry.holiday.added", "registry.holiday.removed"]


def test_another_entitys_administrator_cannot_rotate_our_key(cast: Any) -> None:
    members.init_node("NODE-T", "http://testserver")
    members.join(cast.emk)
    _, before = members.keys_of(cast.emk)
    with pytest.raises(NotFound):
        members.rotate_key_for(actor_for(amanah_admin(cast)), cast.emk)
    new = members.rotate_key_for(cast.admin.actor, cast.emk)
    _, after = members.keys_of(cast.emk)
    assert [k.key_id for k in after] == [new.key_id, before[0].key_id]
    assert AuditRecord.objects.filter(
        action="exchange.key.rotation_requested", actor="admin", chain="EMK"
    ).exists()


def test_the_exchange_account_keeps_its_place(cast: Any) -> None:
    members.init_node("NODE-T", "http://testserver")
    members.join(cast.emk)
    with pytest.raises(Conflict) as caught:
        admin.change_memberships(
            cast.admin.actor, cast.emk, members.SYSTEM_USERNAME, unit=cast.rights, roles=["clerk"]
        )
    assert caught.value.code == "service_account"
    with pytest.raises(InvalidInput):
        admin.set_unit_heads(cast.admin.actor, cast.emk, cast.rights, [members.SYSTEM_USERNAME])
    assert Membership.objects.filter(
        user__username=members.SYSTEM_USERNAME, unit=cast.registry, is_active=True
    ).exists()
