"""Every measure, for every kind of scope and every kind of period, against the month counted
by hand (docs/measures.md "A worked example"), from the roll-ups and from the raw tables.

The timeline (all in the Emirate's registry, registered by `clerk`; today is Thu 20 Nov):
  Sun 2   T1 normal petition → R1 to Rights (due Sun 16); T2 immediate internal complaint →
          R2 to Rights (due Mon 3); T3 outgoing letter, closed the same day
  Tue 4   Rights answers R1 (2 working days, on time) and R2 (2, late)
  Thu 6   T1 closed (4 working days; due Sun 16: on time)
  Sun 9   T4 urgent request (due Sun 16: overdue today); T5 normal petition → R5a to Rights
          and R5b to Security (due Sun 23); T2 closed (5 working days; due Mon 3: late);
          T6 registered and cancelled
"""

from __future__ import annotations

from datetime import date

import pytest

from wasl.dashboards import measures as m
from wasl.dashboards.periods import parse_period
from wasl.dashboards.scopes import resolve

from .conftest import TODAY

PERIODS = {
    "gregorian November": ("2025-11", None, None),
    "Hijri Jumada al-Ula": ("1447-05", None, None),
    "range 2–6": (None, "2025-11-02", "2025-11-06"),
    "range 9–20 (Hijri dates)": (None, "1447/05/18هـ", "1447/05/29هـ"),
}
# (received, completed, on time, in progress, overdue, median, p90, ages, histogram)
NOTHING = (0, 0, 0, 0, 0, None, None, [0, 0, 0, 0, 0], {})
T_MONTH = (6, 3, 2, 2, 1, 4, 5, [0, 2, 0, 0, 0], {0: 1, 4: 1, 5: 1})
T_EARLY = (3, 2, 2, 2, 1, 0, 4, [0, 2, 0, 0, 0], {0: 1, 4: 1})
T_LATE = (3, 1, 0, 2, 1, 5, 5, [0, 2, 0, 0, 0], {5: 1})
# The stocks (in progress, overdue, ages) are today's whatever the period.
R_ENTITY = {
    "month": (4, 2, 1, 2, 0, 2, 2, [0, 2, 0, 0, 0], {2: 2}),
    "early": (2, 2, 1, 2, 0, 2, 2, [0, 2, 0, 0, 0], {2: 2}),
    "late": (2, 0, 0, 2, 0, None, None, [0, 2, 0, 0, 0], {}),
}
R_RIGHTS = {
    "month": (3, 2, 1, 1, 0, 2, 2, [0, 1, 0, 0, 0], {2: 2}),
    "early": (2, 2, 1, 1, 0, 2, 2, [0, 1, 0, 0, 0], {2: 2}),
    "late": (1, 0, 0, 1, 0, None, None, [0, 1, 0, 0, 0], {}),
}
R_SECURITY = {
    "month": (1, 0, 0, 1, 0, None, None, [0, 1, 0, 0, 0], {}),
    "early": (0, 0, 0, 1, 0, None, None, [0, 1, 0, 0, 0], {}),
    "late": (1, 0, 0, 1, 0, None, None, [0, 1, 0, 0, 0], {}),
}
# The rights clerk completed R1 and R2 (the referrals named nobody: none "received").
R_RIGHTS_CLERK = {
    "month": (0, 2, 1, 0, 0, 2, 2, [0, 0, 0, 0, 0], {2: 2}),
    "early": (0, 2, 1, 0, 0, 2, 2, [0, 0, 0, 0, 0], {2: 2}),
    "late": NOTHING,
}
T_BY_PERIOD = {"month": T_MONTH, "early": T_EARLY, "late": T_LATE}
SHAPE = {
    "gregorian November": "month",
    "Hijri Jumada al-Ula": "month",
    "range 2–6": "early",
    "range 9–20 (Hijri dates)": "late",
}
# scope → (viewer, token, transactions by period shape, referrals by period shape or None)
SCOPES = {
    "region": ("executive", "region", T_BY_PERIOD, None),
    "entity": ("executive", "entity:EMK", T_BY_PERIOD, R_ENTITY),
    "registry unit": (
        "head",
        "unit:{registry}",
        T_BY_PERIOD,
        dict.fromkeys(R_ENTITY, NOTHING),
    ),
    "rights unit": ("rights_head", "unit:{rights}", dict.fromkeys(T_BY_PERIOD, NOTHING), R_RIGHTS),
    "security unit": (
        "executive",
        "unit:{security}",
        dict.fromkeys(T_BY_PERIOD, NOTHING),
        R_SECURITY,
    ),
    "clerk": ("clerk", "person:clerk", T_BY_PERIOD, dict.fromkeys(R_ENTITY, NOTHING)),
    "rights clerk": (
        "rights_clerk",
        "person:rights_clerk",
        dict.fromkeys(T_BY_PERIOD, NOTHING),
        R_RIGHTS_CLERK,
    ),
}


def summary(f):
    return (
        f.received,
        f.completed,
        f.on_time,
        f.open,
        f.overdue,
        f.median_days,
        f.p90_days,
        f.ages,
        f.histogram,
    )


@pytest.fixture
def computed(cast, month):
    """Every scope × period, from both sources, computed once for the whole matrix."""
    out = {}
    for scope_name, (viewer, token, _, _) in SCOPES.items():
        token = token.format(
            registry=cast.registry.public_id,
            rights=cast.rights.public_id,
            security=cast.security.public_id,
        )
        scope = resolve(getattr(cast, viewer).actor, token)
        for period_name, args in PERIODS.items():
            period = parse_period(*args, today=TODAY)
            out[scope_name, period_name] = (
                m.measures(scope, period, today=TODAY),
                m.measures(scope, period, today=TODAY, source=m.RawSource()),
            )
    return out


def test_every_measure_of_every_scope_and_period_is_the_hand_count(computed):
    failures = []
    for (scope_name, period_name), pair in computed.items():
        _, _, t_expected, r_expected = SCOPES[scope_name]
        shape = SHAPE[period_name]
        for source, got in zip(("roll-ups", "raw"), pair, strict=True):
            if summary(got.transactions) != t_expected[shape]:
                failures.append((scope_name, period_name, source, "t", summary(got.transactions)))
            if r_expected is None:
                if got.referrals is not None:
                    failures.append((scope_name, period_name, source, "r", "not None"))
            elif summary(got.referrals) != r_expected[shape]:
                failures.append((scope_name, period_name, source, "r", summary(got.referrals)))
    assert not failures, failures


def test_rates_and_ratios_follow_from_the_counts(computed):
    t = computed["entity", "gregorian November"][0].transactions
    assert t.on_time_rate == pytest.approx(2 / 3)
    assert (t.referrals, t.referrals_per_transaction) == (4, pytest.approx(4 / 6))
    early = computed["entity", "range 2–6"][0].transactions
    assert (early.referrals, early.on_time_rate) == (2, 1.0)
    late = computed["entity", "range 9–20 (Hijri dates)"][0].transactions
    assert (late.referrals, late.on_time_rate) == (2, 0.0)
    rights = computed["rights unit", "gregorian November"][0].referrals
    assert rights.on_time_rate == 0.5
    nothing = computed["rights unit", "gregorian November"][0].transactions
    assert (nothing.on_time_rate, nothing.referrals_per_transaction) == (None, None)


def test_volumes_by_kind_urgency_and_channel_for_each_period(computed):
    def nonzero(d):
        return {k: v for k, v in d.items() if v}

    expected = {
        "gregorian November": (
            {"petition": 3, "complaint": 1, "letter": 1, "request": 1},
            {"normal": 4, "immediate": 1, "urgent": 1},
            {"incoming": 4, "internal": 1, "outgoing": 1},
        ),
        "range 2–6": (
            {"petition": 1, "complaint": 1, "letter": 1},
            {"normal": 2, "immediate": 1},
            {"incoming": 1, "internal": 1, "outgoing": 1},
        ),
        "range 9–20 (Hijri dates)": (
            {"petition": 2, "request": 1},
            {"normal": 2, "urgent": 1},
            {"incoming": 3},
        ),
    }
    for period_name, (kinds, urgencies, channels) in expected.items():
        for scope_name in ("region", "entity", "registry unit", "clerk"):
            for got in computed[scope_name, period_name]:
                t = got.transactions
                assert nonzero(t.by_kind) == kinds, (scope_name, period_name)
                assert nonzero(t.by_urgency) == urgencies, (scope_name, period_name)
                assert nonzero(t.by_direction) == channels, (scope_name, period_name)
    # The referrals of Rights in November: R1 and R5a petitions, R2 the complaint.
    for got in computed["rights unit", "gregorian November"]:
        assert nonzero(got.referrals.by_kind) == {"petition": 2, "complaint": 1}
        assert nonzero(got.referrals.by_urgency) == {"normal": 2, "immediate": 1}


def test_the_trend_ends_with_the_month_of_the_period_in_its_calendar(computed):
    for scope_name in ("region", "entity", "clerk"):
        for period_name in PERIODS:
            fast, slow = computed[scope_name, period_name]
            points = [(p.received, p.completed) for p in fast.trend]
            assert points == [(p.received, p.completed) for p in slow.trend]
            assert len(points) == 12 and points[-1] == (6, 3), (scope_name, period_name)
            assert sum(r for r, _ in points) == 6
    gregorian = computed["entity", "gregorian November"][0].trend
    assert (gregorian[-1].period.start, gregorian[0].period.start) == (
        date(2025, 11, 1),
        date(2024, 12, 1),
    )
    hijri = computed["entity", "range 2–6"][0].trend
    assert (hijri[-1].period.start, hijri[-1].period.calendar) == (date(2025, 10, 23), "hijri")
    rights = computed["rights unit", "gregorian November"][0].referral_trend
    assert (rights[-1].received, rights[-1].completed) == (3, 2)


def test_the_region_counts_volumes_by_governorate(cast, month, clock):
    from tests.conftest import make_transaction
    from wasl.dashboards import presenters

    clock.at(date(2025, 11, 10))
    make_transaction(cast, by=cast.governor_office, unit=cast.jed_office, urgency="immediate")
    clock.at(TODAY)
    region = resolve(cast.executive.actor, "region")
    period = parse_period("2025-11", None, None, today=TODAY)
    for source in (m.RollupSource(), m.RawSource()):
        kids = presenters.children_data(
            region, m.children(region, period, today=TODAY, source=source)
        )
        by_gov = {
            g["name_en"]: (g["received"], g["completed"], g["in_progress"], g["overdue"])
            for g in kids["governorates"]
        }
        # The Emirate belongs to no governorate; Jeddah's immediate one was due on the 11th.
        assert by_gov == {"Region-wide": (6, 3, 2, 1), "Jeddah": (1, 0, 1, 1)}
        by_entity = {e["scope"]: e["received"] for e in kids["entities"]}
        assert by_entity == {"entity:EMK": 6, "entity:GOV-JED": 1}
