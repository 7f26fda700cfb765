"""The measures of a scope over a period, read from the roll-ups (or, to check them and to
compare speeds, from the raw tables). The definitions are in `definitions.py`; this module
only adds counters up and reads distributions."""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any

from django.db.models import Case, F, IntegerField, Q, Sum, When
from django.utils import timezone

from wasl.core import hijri
from wasl.registry import calendar
from wasl.registry.models import Direction, Kind, Urgency
from wasl.registry.states import ACTIVE_STATES, OPEN_REFERRAL_STATES

from . import rollups
from .definitions import (
    ENTITY,
    IN,
    NO_DATE,
    ON_TIME,
    OPEN,
    OPEN_TOTAL,
    OUT,
    PERSON,
    REFERRAL,
    REFERRALS,
    REGION,
    TRANSACTION,
    UNIT,
    Delta,
    N,
)
from .models import COUNTER_FIELDS, Tally
from .periods import Period, trend_months
from .scopes import Scope

# Backlog ages in working days since received: (lowest, highest or None).
AGE_BUCKETS: tuple[tuple[int, int | None], ...] = ((0, 5), (6, 10), (11, 22), (23, 66), (67, None))
_POS = {name: i for i, name in enumerate(COUNTER_FIELDS)}


def percentile(histogram: dict[int, int], q: float) -> int | None:
    """Nearest rank: the smallest value with at least ceil(q × count) values at or below it."""
    total = sum(histogram.values())
    if total == 0:
        return None
    rank = max(1, math.ceil(q * total))
    seen = 0
    for value in sorted(histogram):
        seen += histogram[value]
        if seen >= rank:
            return value
    return max(histogram)


def age_bucket(age: int) -> int:
    for i, (low, high) in enumerate(AGE_BUCKETS):
        if age >= low and (high is None or age <= high):
            return i
    return len(AGE_BUCKETS) - 1


@dataclass
class Figures:
    """The measures of one kind of item (transactions or referrals) of a scope."""

    item: str
    received: int = 0
    completed: int = 0
    on_time: int = 0
    open: int = 0
    overdue: int = 0
    referrals: int = 0
    histogram: dict[int, int] = field(default_factory=dict)
    ages: list[int] = field(default_factory=lambda: [0] * len(AGE_BUCKETS))
    by_kind: dict[str, int] = field(default_factory=dict)
    by_urgency: dict[str, int] = field(default_factory=dict)
    by_direction: dict[str, int] = field(default_factory=dict)

    @property
    def median_days(self) -> int | None:
        return percentile(self.histogram, 0.5)

    @property
    def p90_days(self) -> int | None:
        return percentile(self.histogram, 0.9)

    @property
    def on_time_rate(self) -> float | None:
        return None if not self.completed else self.on_time / self.completed

    @property
    def referrals_per_transaction(self) -> float | None:
        return None if not self.received else self.referrals / self.received

    def as_dict(self) -> dict[str, Any]:
        rate = self.on_time_rate
        per = self.referrals_per_transaction
        out: dict[str, Any] = {
            "received": self.received,
            "completed": self.completed,
            "in_progress": self.open,
            "overdue": self.overdue,
            "completed_on_time": self.on_time,
            "on_time_rate": None if rate is None else round(rate, 4),
            "completion_days_median": self.median_days,
            "completion_days_p90": self.p90_days,
            "backlog_ages": [
                {"from_days": low, "to_days": high, "count": n}
                for (low, high), n in zip(AGE_BUCKETS, self.ages, strict=True)
            ],
            "by_kind": self.by_kind,
            "by_urgency": self.by_urgency,
            "by_direction": self.by_direction,
        }
        if self.item == TRANSACTION:
            out["referrals"] = self.referrals
            out["referrals_per_transaction"] = None if per is None else round(per, 3)
        return out


@dataclass
class ChildRow:
    scope_id: int
    received: int = 0
    completed: int = 0
    on_time: int = 0
    open: int = 0
    overdue: int = 0
    histogram: dict[int, int] = field(default_factory=dict)

    @property
    def median_days(self) -> int | None:
        return percentile(self.histogram, 0.5)

    @property
    def on_time_rate(self) -> float | None:
        return None if not self.completed else self.on_time / self.completed


@dataclass
class Stock:
    """Where the items in progress stand today."""

    open: int
    overdue: int
    ages: list[int]


@dataclass
class TrendPoint:
    period: Period
    received: int = 0
    completed: int = 0


@dataclass
class Measures:
    scope: Scope
    period: Period
    today: date
    transactions: Figures
    referrals: Figures | None
    trend: list[TrendPoint]
    referral_trend: list[TrendPoint] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------
# Where the counters come from


class RollupSource:
    """The stored roll-ups (the fast path)."""

    def _base(self, grain: str, scope_id: int | None, item: str) -> Any:
        if grain == ENTITY and item == REFERRAL:  # an entity's referrals: its units' rows
            return Tally.objects.filter(grain=UNIT, entity_id=scope_id, item=item)
        qs = Tally.objects.filter(grain=grain, item=item)
        return qs if scope_id is None else qs.filter(scope_id=scope_id)

    def _rows(self, grain: str, scope_id: int | None, item: str, part: str) -> Any:
        return self._base(grain, scope_id, item).filter(part=part)

    def flows(
        self, grain: str, scope_id: int, item: str, start: date, end: date
    ) -> tuple[list[int], dict[int, list[int]]]:
        sums = [Sum(name) for name in COUNTER_FIELDS]
        got = self._rows(grain, scope_id, item, IN).filter(day__range=(start, end)).aggregate(*sums)
        received = [got[f"{name}__sum"] or 0 for name in COUNTER_FIELDS]
        completed: dict[int, list[int]] = {}
        rows = (
            self._rows(grain, scope_id, item, OUT)
            .filter(day__range=(start, end))
            .values("days")
            .annotate(*sums)
        )
        for row in rows:
            completed[row["days"]] = [row[f"{name}__sum"] or 0 for name in COUNTER_FIELDS]
        return received, completed

    def stock(self, grain: str, scope_id: int, item: str, today: date) -> Stock:
        """In progress, overdue and the age buckets, added up by the database (one row)."""
        late = Sum(Case(When(due__lt=today, then=F("n")), default=0, output_field=IntegerField()))
        ages = {
            f"age{i}": Sum(
                Case(
                    When(_day_range("day", first, last), then=F("n")),
                    default=0,
                    output_field=IntegerField(),
                )
            )
            for i, (first, last) in enumerate(_age_bounds(today, calendar.holidays()))
        }
        got = self._rows(grain, scope_id, item, OPEN).aggregate(total=Sum("n"), late=late, **ages)
        return Stock(
            got["total"] or 0,
            got["late"] or 0,
            [got[f"age{i}"] or 0 for i in range(len(AGE_BUCKETS))],
        )

    def monthly(
        self, grain: str, scope_id: int, item: str, months: list[Period]
    ) -> list[tuple[int, int]]:
        """Received and completed in each month (the trend): a day's total per row (a year
        is a few hundred rows), put in its month here."""
        rows = (
            self._base(grain, scope_id, item)
            .filter(part__in=(IN, OUT), day__range=(months[0].start, months[-1].end))
            .values_list("day", "part")
            .annotate(total=Sum("n"))
            .order_by()
        )
        starts = [m.start for m in months]
        out = [[0, 0] for _ in months]
        for day, part, total in rows:
            out[bisect_right(starts, day) - 1][0 if part == IN else 1] += total
        return [(a, b) for a, b in out]

    def children(
        self, grain: str, entity_id: int | None, item: str, start: date, end: date, today: date
    ) -> dict[int, ChildRow]:
        out: dict[int, ChildRow] = {}
        base = Tally.objects.filter(grain=grain, item=item)
        if entity_id is not None:
            base = base.filter(entity_id=entity_id)
        for scope_id, n in (
            base.filter(part=IN, day__range=(start, end))
            .values_list("scope_id")
            .annotate(total=Sum("n"))
        ):
            out.setdefault(scope_id, ChildRow(scope_id)).received = n
        for scope_id, days, n, on_time in (
            base.filter(part=OUT, day__range=(start, end))
            .values_list("scope_id", "days")
            .annotate(total=Sum("n"), ot=Sum("on_time"))
        ):
            row = out.setdefault(scope_id, ChildRow(scope_id))
            row.completed += n
            row.on_time += on_time
            if n:
                row.histogram[days] = row.histogram.get(days, 0) + n
        # Overdue = open − not yet due: the open totals are one row a scope, and what is not
        # yet due is recent (a few rows a scope), where the whole open part is large.
        for scope_id, n in (
            # (day: always NO_DATE here; said so that the planner takes the day index)
            base.filter(part=OPEN_TOTAL, day=NO_DATE)
            .values_list("scope_id")
            .annotate(total=Sum("n"))
        ):
            if n:
                row = out.setdefault(scope_id, ChildRow(scope_id))
                row.open = row.overdue = n
        for scope_id, n in (
            base.filter(part=OPEN, due__gte=today).values_list("scope_id").annotate(total=Sum("n"))
        ):
            if scope_id in out:
                out[scope_id].overdue -= n
        return out


class RawSource:
    """The same counters recounted from the raw tables on every call (the slow path, for
    checking and for the benchmark's comparison)."""

    def __init__(self) -> None:
        self._delta: Delta | None = None
        self._entity: int | None = None

    def _all(self, entity_id: int | None) -> Delta:
        if self._delta is None or self._entity != entity_id:
            region = Delta()
            delta = Delta()
            ids = [entity_id] if entity_id is not None else rollups._entities_with_transactions()
            for eid in ids:
                part = rollups.recount_entity(eid, region)
                delta.rows.update(part.rows)
            delta.rows.update(region.rows)
            self._delta, self._entity = delta, entity_id
        return self._delta

    def for_scope(self, scope: Scope) -> RawSource:
        entity = scope.entity.pk if scope.entity is not None else None
        self._all(entity)
        return self

    def _select(
        self, grain: str, scope_id: int | None, item: str, parts: Iterable[str]
    ) -> Iterable[tuple[Any, list[int]]]:
        assert self._delta is not None
        wanted = set(parts)
        by_entity = grain == ENTITY and item == REFERRAL  # an entity's referrals: its units'
        if by_entity:
            grain = UNIT
        for key, vector in self._delta.rows.items():
            if key[0] == grain and key[3] == item and key[4] in wanted:
                if scope_id is None or key[2 if by_entity else 1] == scope_id:
                    yield key, vector

    def flows(
        self, grain: str, scope_id: int, item: str, start: date, end: date
    ) -> tuple[list[int], dict[int, list[int]]]:
        received = [0] * len(COUNTER_FIELDS)
        completed: dict[int, list[int]] = {}
        for key, vector in self._select(grain, scope_id, item, (IN, OUT)):
            if not start <= key[5] <= end:
                continue
            target = received if key[4] == IN else completed.setdefault(key[6], [0] * len(vector))
            for i, x in enumerate(vector):
                target[i] += x
        return received, completed

    def stock(self, grain: str, scope_id: int, item: str, today: date) -> Stock:
        holidays = calendar.holidays()
        stock = Stock(0, 0, [0] * len(AGE_BUCKETS))
        for key, vector in self._select(grain, scope_id, item, (OPEN,)):
            n = vector[N]
            stock.open += n
            if key[7] < today:
                stock.overdue += n
            stock.ages[age_bucket(max(0, hijri.working_days_between(key[5], today, holidays)))] += n
        return stock

    def monthly(
        self, grain: str, scope_id: int, item: str, months: list[Period]
    ) -> list[tuple[int, int]]:
        out = [[0, 0] for _ in months]
        for key, vector in self._select(grain, scope_id, item, (IN, OUT)):
            for i, month in enumerate(months):
                if month.start <= key[5] <= month.end:
                    out[i][0 if key[4] == IN else 1] += vector[N]
                    break
        return [(a, b) for a, b in out]

    def children(
        self, grain: str, entity_id: int | None, item: str, start: date, end: date, today: date
    ) -> dict[int, ChildRow]:
        out: dict[int, ChildRow] = {}
        for key, vector in self._select(grain, None, item, (IN, OUT, OPEN)):
            if entity_id is not None and key[2] != entity_id:
                continue
            part, day = key[4], key[5]
            if part != OPEN and not start <= day <= end:
                continue
            row = out.setdefault(key[1], ChildRow(key[1]))
            if part == IN:
                row.received += vector[N]
            elif part == OUT:
                row.completed += vector[N]
                row.on_time += vector[ON_TIME]
                if vector[N]:
                    row.histogram[key[6]] = row.histogram.get(key[6], 0) + vector[N]
            else:
                row.open += vector[N]
                if key[7] < today:
                    row.overdue += vector[N]
        return out


Source = RollupSource | RawSource


# ---------------------------------------------------------------------------------------------
# Adding up


def _breakdown(vector: list[int], prefix: str, values: Iterable[str]) -> dict[str, int]:
    return {v: vector[_POS[f"{prefix}_{v}"]] for v in values}


def figures(
    source: Source, grain: str, scope_id: int, item: str, period: Period, today: date
) -> Figures:
    received, completed = source.flows(grain, scope_id, item, period.start, period.end)
    f = Figures(item=item)
    f.received = received[N]
    f.referrals = received[REFERRALS]
    f.by_kind = _breakdown(received, "k", Kind.values)
    f.by_urgency = _breakdown(received, "u", Urgency.values)
    f.by_direction = _breakdown(received, "d", Direction.values)
    for days, vector in completed.items():
        f.completed += vector[N]
        f.on_time += vector[ON_TIME]
        if vector[N]:
            f.histogram[days] = f.histogram.get(days, 0) + vector[N]
    stock = source.stock(grain, scope_id, item, today)
    f.open, f.overdue, f.ages = stock.open, stock.overdue, stock.ages
    return f


def trend(source: Source, grain: str, scope_id: int, item: str, period: Period) -> list[TrendPoint]:
    months = trend_months(period)
    if not months:
        return []
    counts = source.monthly(grain, scope_id, item, months)
    return [
        TrendPoint(m, received, completed)
        for m, (received, completed) in zip(months, counts, strict=True)
    ]


def measures(
    scope: Scope, period: Period, *, today: date | None = None, source: Source | None = None
) -> Measures:
    """Every measure of `scope` over `period` (stocks — in progress, overdue, ages — as of
    `today`)."""
    today = today or timezone.localdate()
    source = source or RollupSource()
    if isinstance(source, RawSource):
        source.for_scope(scope)
    t = figures(source, scope.grain, scope.scope_id, TRANSACTION, period, today)
    r = (
        None
        if scope.grain == REGION
        else figures(source, scope.grain, scope.scope_id, REFERRAL, period, today)
    )
    return Measures(
        scope=scope,
        period=period,
        today=today,
        transactions=t,
        referrals=r,
        trend=trend(source, scope.grain, scope.scope_id, TRANSACTION, period),
        referral_trend=(
            []
            if scope.grain == REGION
            else trend(source, scope.grain, scope.scope_id, REFERRAL, period)
        ),
    )


def children(
    scope: Scope, period: Period, *, today: date | None = None, source: Source | None = None
) -> dict[str, dict[int, ChildRow]]:
    """The next level down: the entities of the region, or the units of an entity (their
    transactions and, for units, the referrals they received)."""
    today = today or timezone.localdate()
    source = source or RollupSource()
    if isinstance(source, RawSource):
        source.for_scope(scope)
    if scope.grain == REGION:
        return {
            TRANSACTION: source.children(ENTITY, None, TRANSACTION, period.start, period.end, today)
        }
    if scope.grain == ENTITY:
        return {
            item: source.children(UNIT, scope.scope_id, item, period.start, period.end, today)
            for item in (TRANSACTION, REFERRAL)
        }
    return {}


# ---------------------------------------------------------------------------------------------
# The rows behind a figure (drill-down), on the raw tables


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _last_day_overdue(registered_by_urgency_days: int, today: date) -> date:
    """The latest registration day whose default due date (that many working days later) is
    already past."""
    holidays = calendar.holidays()
    day = today - timedelta(days=1)
    while hijri.add_working_days(day, registered_by_urgency_days, holidays) >= today:
        day -= timedelta(days=1)
    return day


def age_range(bucket: int, today: date) -> tuple[date | None, date | None]:
    """Days received whose age (working days to today) falls in the bucket: (first, last),
    None for no bound (the youngest bucket takes any later day, the oldest any earlier one)."""
    return _age_bounds(today, calendar.holidays())[bucket]


@lru_cache(maxsize=64)
def _age_bounds(
    today: date, holidays: frozenset[date]
) -> tuple[tuple[date | None, date | None], ...]:
    def age(d: date) -> int:
        return max(0, hijri.working_days_between(d, today, holidays))

    out: list[tuple[date | None, date | None]] = []
    last: date | None = None  # the youngest bucket is open towards today and after
    day = today
    for _low, high in AGE_BUCKETS:
        if high is None:
            out.append((None, last))
            break
        # Walk back to the first day older than `high` (ages grow as days go back).
        while age(day - timedelta(days=1)) <= high and (today - day).days < 4000:
            day -= timedelta(days=1)
        out.append((day, last))
        last = day - timedelta(days=1)
        day = last
    return tuple(out)


def _day_range(field: str, first: date | None, last: date | None) -> Q:
    q = Q()
    if first is not None:
        q &= Q(**{f"{field}__gte": first})
    if last is not None:
        q &= Q(**{f"{field}__lte": last})
    return q


def transaction_filter(scope: Scope, period: Period, measure: str, today: date) -> Q:
    """The transactions a figure of the scope counts, as a filter on the raw table."""
    from .definitions import TARGET_WORKING_DAYS

    if scope.grain == ENTITY:
        q = Q(entity_id=scope.scope_id)
    elif scope.grain == UNIT:
        q = Q(unit_id=scope.scope_id)
    elif scope.grain == PERSON:
        q = Q(registered_by_id=scope.scope_id)
    else:
        q = Q()
    active = Q(state__in=list(ACTIVE_STATES))
    if measure == "received":
        return q & Q(registered_on__range=(period.start, period.end))
    if measure == "completed":
        return q & Q(
            state="closed",
            closed_at__gte=_day_start(period.start),
            closed_at__lt=_day_start(period.end + timedelta(days=1)),
        )
    if measure == "open":
        return q & active
    if measure == "overdue":
        late = Q(due_date__lt=today)
        for urgency, days in TARGET_WORKING_DAYS.items():
            late |= Q(
                due_date__isnull=True,
                urgency=urgency,
                registered_on__lte=_last_day_overdue(days, today),
            )
        return q & active & late
    if measure.startswith("age-") and measure[4:].isdigit() and int(measure[4:]) < len(AGE_BUCKETS):
        first, last = age_range(int(measure[4:]), today)
        return q & active & _day_range("registered_on", first, last)
    raise ValueError(measure)


def referral_filter(scope: Scope, period: Period, measure: str, today: date) -> Q:
    if scope.grain == ENTITY:
        q = Q(transaction__entity_id=scope.scope_id)
    elif scope.grain == UNIT:
        q = Q(to_unit_id=scope.scope_id)
    elif scope.grain == PERSON:
        q = (
            Q(finished_by_id=scope.scope_id)
            if measure == "completed"
            else Q(to_user_id=scope.scope_id)
        )
    else:
        q = Q()
    open_ = Q(state__in=list(OPEN_REFERRAL_STATES))
    if measure == "received":
        return q & Q(
            created_at__gte=_day_start(period.start),
            created_at__lt=_day_start(period.end + timedelta(days=1)),
        )
    if measure == "completed":
        return q & Q(
            state__in=["answered", "returned", "forwarded"],
            finished_at__gte=_day_start(period.start),
            finished_at__lt=_day_start(period.end + timedelta(days=1)),
        )
    if measure == "open":
        return q & open_
    if measure == "overdue":
        return q & open_ & Q(due_date__lt=today)
    if measure.startswith("age-") and measure[4:].isdigit() and int(measure[4:]) < len(AGE_BUCKETS):
        first, last = age_range(int(measure[4:]), today)
        q &= open_
        if first is not None:
            q &= Q(created_at__gte=_day_start(first))
        if last is not None:
            q &= Q(created_at__lt=_day_start(last + timedelta(days=1)))
        return q
    raise ValueError(measure)


MEASURES = (
    "received",
    "completed",
    "open",
    "overdue",
    *(f"age-{i}" for i in range(len(AGE_BUCKETS))),
)
