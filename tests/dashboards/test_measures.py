"""The measures against a month counted by hand (docs/measures.md "A worked example")."""

from __future__ import annotations

from datetime import date

import pytest

from wasl.dashboards import measures as m
from wasl.dashboards import rollups
from wasl.dashboards.periods import parse_period
from wasl.dashboards.scopes import resolve

from .conftest import TODAY

NOVEMBER = parse_period("2025-11", None, None, today=TODAY)


def figures_of(person, token, period=NOVEMBER, source=None):
    scope = resolve(person.actor, token)
    return m.measures(scope, period, today=TODAY, source=source)


def test_the_emirate_counts_what_was_received_completed_and_is_still_open(cast, month):
    t = figures_of(cast.executive, "entity:EMK").transactions
    assert (t.received, t.completed, t.open, t.overdue) == (6, 3, 2, 1)


def test_completion_time_is_the_median_and_90th_percentile_in_working_days(cast, month):
    t = figures_of(cast.executive, "entity:EMK").transactions
    assert t.histogram == {0: 1, 4: 1, 5: 1}
    assert (t.median_days, t.p90_days) == (4, 5)


def test_on_time_means_closed_by_the_due_date_or_the_urgency_target(cast, month):
    t = figures_of(cast.executive, "entity:EMK").transactions
    assert t.on_time == 2
    assert t.on_time_rate == pytest.approx(2 / 3)


def test_referrals_per_transaction_counts_every_referral_of_the_month_transactions(cast, month):
    t = figures_of(cast.executive, "entity:EMK").transactions
    assert t.referrals == 4
    assert t.referrals_per_transaction == pytest.approx(4 / 6)


def test_volumes_are_broken_down_by_kind_urgency_and_direction(cast, month):
    t = figures_of(cast.executive, "entity:EMK").transactions
    assert t.by_kind == {
        "letter": 1,
        "request": 1,
        "complaint": 1,
        "petition": 3,
        "memo": 0,
        "report": 0,
        "circular": 0,
        "invitation": 0,
    }
    assert t.by_urgency == {"normal": 4, "urgent": 1, "very_urgent": 0, "immediate": 1}
    assert t.by_direction == {"incoming": 4, "outgoing": 1, "internal": 1}


def test_backlog_ages_count_working_days_since_registration(cast, month):
    # T4 and T5 were registered on Sunday 9 November: 9 working days before Thursday 20th.
    t = figures_of(cast.executive, "entity:EMK").transactions
    assert t.ages == [0, 2, 0, 0, 0]


def test_the_entity_referrals_are_counted_apart(cast, month):
    r = figures_of(cast.executive, "entity:EMK").referrals
    assert (r.received, r.completed, r.on_time, r.open, r.overdue) == (4, 2, 1, 2, 0)
    assert (r.median_days, r.p90_days) == (2, 2)


def test_a_unit_counts_the_referrals_it_received_and_what_it_registered(cast, month):
    got = figures_of(cast.rights_head, f"unit:{cast.rights.public_id}")
    assert (got.referrals.received, got.referrals.completed, got.referrals.open) == (3, 2, 1)
    assert got.transactions.received == 0
    registry_unit = figures_of(cast.head, f"unit:{cast.registry.public_id}")
    assert registry_unit.transactions.received == 6
    assert registry_unit.referrals.received == 0


def test_a_person_counts_what_they_registered_and_the_referrals_they_completed(cast, month):
    clerk = figures_of(cast.clerk, f"person:{cast.clerk.username}")
    assert (clerk.transactions.received, clerk.transactions.completed) == (6, 3)
    rights = figures_of(cast.rights_clerk, f"person:{cast.rights_clerk.username}")
    assert (rights.referrals.completed, rights.referrals.on_time) == (2, 1)
    assert rights.transactions.received == 0


def test_the_region_adds_up_its_entities(cast, month, clock):
    clock.at(date(2025, 11, 10))
    from tests.conftest import make_transaction

    make_transaction(cast, by=cast.governor_office, unit=cast.jed_office)
    clock.at(TODAY)
    region = figures_of(cast.executive, "region").transactions
    assert (region.received, region.completed, region.open) == (7, 3, 3)


def test_a_hijri_month_covers_its_own_days(cast, month):
    # Jumada al-Ula 1447 runs from 23 October to 21 November 2025.
    period = parse_period("1447-05", None, None, today=TODAY)
    assert (period.start, period.end) == (date(2025, 10, 23), date(2025, 11, 21))
    assert figures_of(cast.executive, "entity:EMK", period).transactions.received == 6


def test_a_custom_range_counts_only_its_days(cast, month):
    period = parse_period(None, "2025-11-02", "2025-11-06", today=TODAY)
    t = figures_of(cast.executive, "entity:EMK", period).transactions
    assert (t.received, t.completed) == (3, 2)


def test_reopening_takes_the_completion_back(cast, month, clock):
    from wasl.registry import services as registry

    clock.at(date(2025, 11, 12))
    registry.reopen(cast.head.actor, month.t3.public_id, reason="ملاحظة")
    clock.at(TODAY)
    t = figures_of(cast.executive, "entity:EMK").transactions
    assert (t.completed, t.open, t.histogram) == (2, 3, {4: 1, 5: 1})


def test_the_trend_shows_twelve_months_ending_with_the_period(cast, month):
    points = figures_of(cast.executive, "entity:EMK").trend
    assert len(points) == 12
    assert (points[-1].received, points[-1].completed) == (6, 3)
    assert sum(p.received for p in points[:-1]) == 0


def test_the_roll_ups_equal_a_recount_and_the_raw_source_agrees(cast, month):
    assert rollups.check().ok
    for person, token in [
        (cast.executive, "entity:EMK"),
        (cast.executive, "region"),
        (cast.rights_head, f"unit:{cast.rights.public_id}"),
        (cast.clerk, f"person:{cast.clerk.username}"),
    ]:
        fast = figures_of(person, token)
        slow = figures_of(person, token, source=m.RawSource())
        assert fast.transactions == slow.transactions
        assert fast.referrals == slow.referrals
        assert [(p.received, p.completed) for p in fast.trend] == [
            (p.received, p.completed) for p in slow.trend
        ]
