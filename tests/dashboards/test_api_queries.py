"""The dashboards' API runs a fixed number of queries whatever the number of transactions,
units and reminders: each call pinned at two sizes."""

from __future__ import annotations

import pytest
from django.utils import timezone

from tests.conftest import make_transaction
from wasl.dashboards.models import Reminder
from wasl.directory import services as directory
from wasl.registry import services as registry
from wasl.registry.models import Referral

SIZES = [1, 10]
AUTH = 1  # the bearer token with the person and their memberships


def populate(cast, n: int) -> None:
    """`n` more units in the Emirate and `n` transactions, each referred to the rights unit
    and to one of the new units."""
    for i in range(n):
        unit, _ = directory.ensure_unit(
            entity=cast.emk, code=f"U{i}", name_ar=f"الإدارة رقم {i}", name_en=f"Unit {i}"
        )
        txn = make_transaction(cast, subject=f"معروض رقم {i}")
        registry.refer(
            cast.clerk.actor, txn.public_id, to_units=[cast.rights, unit], instruction="لكم"
        )


@pytest.mark.parametrize("size", SIZES)
def test_the_measures_of_an_entity_do_not_grow_with_its_rows(
    cast, api, size, django_assert_num_queries
):
    populate(cast, size)
    with django_assert_num_queries(AUTH + 18):
        r = api(cast.executive).get("/measures", scope="entity:EMK")
    assert r.status_code == 200, r.content
    assert r.json()["transactions"]["received"] == size
    assert len(r.json()["units"]) == size + 2


@pytest.mark.parametrize("size", SIZES)
def test_the_measures_of_the_region_do_not_grow_with_its_rows(
    cast, api, size, django_assert_num_queries
):
    populate(cast, size)
    with django_assert_num_queries(AUTH + 10):
        r = api(cast.executive).get("/measures", scope="region")
    assert r.status_code == 200, r.content


@pytest.mark.parametrize("size", SIZES)
def test_the_reminders_do_not_grow_with_their_number(cast, api, size, django_assert_num_queries):
    populate(cast, size)
    today = timezone.localdate()
    for ref in Referral.objects.filter(to_unit=cast.rights):
        Reminder.objects.create(
            referral=ref,
            transaction_id=ref.transaction_id,
            unit_id=ref.to_unit_id,
            kind=Reminder.Kind.DUE_SOON,
            day=today,
            due_date=ref.due_date,
            late_days=0,
            created_at=timezone.now(),
        )
    with django_assert_num_queries(AUTH + 1):
        r = api(cast.rights_clerk).get("/reminders")
    assert len(r.json()["reminders"]) == size
