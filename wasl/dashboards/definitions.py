"""What every measure counts: written once, here (and in docs/measures.md).

An *item* is a transaction (``t``) or a referral (``r``). Its facts (`Item`) come from the
raw rows or from a step of the registry; `contributions(item)` says which counters of the
roll-ups it adds to. The roll-ups are the sum of the contributions of every item
(`rollups.rebuild`), kept so by adding the difference an event makes to its items
(`rollups.on_event`); pages read them through `measures.py`.

- received: a transaction on the local (Riyadh) day it was registered; a referral on the day
  it was made (forwarding makes a new one).
- completed: a transaction when it is closed (حفظ) and stays closed; a referral when its unit
  answers, returns or forwards it. Cancelled items are neither completed nor open.
- open (in progress): transactions in an active state (registered, referred, answered,
  returned, reopened); referrals pending or acknowledged.
- due date: a referral's own; a transaction's own due date, else the registry's default time
  for its urgency (1, 3, 5 or 10 working days) after its registration.
- overdue: open, and the due date is before today.
- completion time: working days (Sunday–Thursday, not a holiday) after the day received up
  to the day completed; at most `MAX_DAYS` (longer counts as `MAX_DAYS`).
- on time: completed on or before the due date.
- referrals per transaction: referrals made (so far) for the transactions received in the
  period, divided by those transactions.

Who an item belongs to: a transaction to the entity and unit that registered it and to the
person who registered it; a referral to the unit it was sent to, to the person it names
(received, open) and to the person who completed it (completed).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from wasl.core import hijri
from wasl.registry import calendar
from wasl.registry.models import Direction, Kind, Urgency
from wasl.registry.services import DEFAULT_DUE_DAYS
from wasl.registry.states import ACTIVE_STATES, OPEN_REFERRAL_STATES, ReferralState, State

from .models import COUNTER_FIELDS

TRANSACTION, REFERRAL = "t", "r"
REGION, ENTITY, UNIT, PERSON = "R", "E", "U", "P"
IN, OUT, OPEN = "in", "out", "open"
# The items open now, one row per entity and per unit (no day, no due date): what the region
# page and an entity page list for each of their entities or units, read from a hundred rows
# rather than from every (day received, due date) pair of the open part.
OPEN_TOTAL = "otot"
OPEN_STATUS, DONE, CANCELLED = "open", "done", "cancelled"

MAX_DAYS = 60
NO_DAYS = -1
NO_DATE = date(1, 1, 1)
# The time a transaction without its own due date is given, by urgency (working days).
TARGET_WORKING_DAYS: dict[str, int] = {str(k): v for k, v in DEFAULT_DUE_DAYS.items()}

_POS = {name: i for i, name in enumerate(COUNTER_FIELDS)}
WIDTH = len(COUNTER_FIELDS)
N, ON_TIME, REFERRALS = _POS["n"], _POS["on_time"], _POS["referrals"]
_KIND_POS = {k: _POS[f"k_{k}"] for k in Kind.values}
_URGENCY_POS = {u: _POS[f"u_{u}"] for u in Urgency.values}
_DIRECTION_POS = {d: _POS[f"d_{d}"] for d in Direction.values}

Key = tuple[str, int, int, str, str, date, int, date]
Vector = list[int]


def transaction_due(registered_on: date, urgency: str, own_due: date | None) -> date:
    if own_due is not None:
        return own_due
    return _default_due(registered_on, TARGET_WORKING_DAYS.get(urgency, 10), calendar.holidays())


@lru_cache(maxsize=4096)
def _default_due(day: date, days: int, holidays: frozenset[date]) -> date:
    return hijri.add_working_days(day, days, holidays)


def working_days(start: date, end: date) -> int:
    return _working_days(start, end, calendar.holidays())


@lru_cache(maxsize=65536)
def _working_days(start: date, end: date, holidays: frozenset[date]) -> int:
    return max(0, min(MAX_DAYS, hijri.working_days_between(start, end, holidays)))


@dataclass(frozen=True, slots=True)
class Item:
    """The facts of one transaction or referral that the measures depend on."""

    item: str
    entity_id: int
    unit_id: int
    owner_unit_id: int
    user_in: int | None
    user_done: int | None
    kind: str
    urgency: str
    direction: str
    opened_on: date
    due_on: date
    status: str
    finished_on: date | None
    registered_on: date


def transaction_status(state: str) -> str:
    if state in ACTIVE_STATES:
        return OPEN_STATUS
    return DONE if state == State.CLOSED else CANCELLED


def referral_status(state: str) -> str:
    if state in OPEN_REFERRAL_STATES:
        return OPEN_STATUS
    return CANCELLED if state == ReferralState.CANCELLED else DONE


def transaction_item(
    *,
    entity_id: int,
    unit_id: int,
    registered_by: int,
    kind: str,
    urgency: str,
    direction: str,
    registered_on: date,
    due_date: date | None,
    state: str,
    closed_on: date | None,
) -> Item:
    status = transaction_status(state)
    return Item(
        item=TRANSACTION,
        entity_id=entity_id,
        unit_id=unit_id,
        owner_unit_id=unit_id,
        user_in=registered_by,
        user_done=registered_by,
        kind=kind,
        urgency=urgency,
        direction=direction,
        opened_on=registered_on,
        due_on=transaction_due(registered_on, urgency, due_date),
        status=status,
        finished_on=closed_on if status == DONE else None,
        registered_on=registered_on,
    )


def referral_item(
    *,
    entity_id: int,
    owner_unit_id: int,
    to_unit_id: int,
    to_user_id: int | None,
    finished_by: int | None,
    kind: str,
    urgency: str,
    direction: str,
    created_on: date,
    due_date: date,
    state: str,
    finished_on: date | None,
    registered_on: date,
) -> Item:
    status = referral_status(state)
    return Item(
        item=REFERRAL,
        entity_id=entity_id,
        unit_id=to_unit_id,
        owner_unit_id=owner_unit_id,
        user_in=to_user_id,
        user_done=finished_by,
        kind=kind,
        urgency=urgency,
        direction=direction,
        opened_on=created_on,
        due_on=due_date,
        status=status,
        finished_on=finished_on if status == DONE else None,
        registered_on=registered_on,
    )


def _vector(item: Item, on_time: int = 0) -> Vector:
    v = [0] * WIDTH
    v[N] = 1
    v[ON_TIME] = on_time
    v[_KIND_POS[item.kind]] = 1
    v[_URGENCY_POS[item.urgency]] = 1
    v[_DIRECTION_POS[item.direction]] = 1
    return v


def contributions(item: Item) -> Iterator[tuple[Key, Vector]]:
    """The counters one item adds to (see the module docstring for the rules)."""
    e, it = item.entity_id, item.item
    # Transactions count at every grain; referrals at their unit and person only (an
    # entity's referrals are the sum of its units': fewer rows to write on every step).
    places = (
        ((REGION, 0), (ENTITY, e), (UNIT, item.unit_id))
        if it == TRANSACTION
        else ((UNIT, item.unit_id),)
    )
    base = _vector(item)
    for grain, scope in places:
        yield (
            (grain, scope, 0 if grain == REGION else e, it, IN, item.opened_on, NO_DAYS, NO_DATE),
            base,
        )
    if item.user_in is not None:
        yield (PERSON, item.user_in, e, it, IN, item.opened_on, NO_DAYS, NO_DATE), base
    if item.status == OPEN_STATUS:
        for grain, scope in places:
            yield (
                (
                    grain,
                    scope,
                    0 if grain == REGION else e,
                    it,
                    OPEN,
                    item.opened_on,
                    NO_DAYS,
                    item.due_on,
                ),
                base,
            )
        for grain, scope in places:
            if grain != REGION:
                yield (grain, scope, e, it, OPEN_TOTAL, NO_DATE, NO_DAYS, NO_DATE), base
        if item.user_in is not None:
            yield (PERSON, item.user_in, e, it, OPEN, item.opened_on, NO_DAYS, item.due_on), base
    elif item.status == DONE and item.finished_on is not None:
        days = working_days(item.opened_on, item.finished_on)
        done = _vector(item, 1 if item.finished_on <= item.due_on else 0)
        for grain, scope in places:
            yield (
                (
                    grain,
                    scope,
                    0 if grain == REGION else e,
                    it,
                    OUT,
                    item.finished_on,
                    days,
                    NO_DATE,
                ),
                done,
            )
        if item.user_done is not None:
            yield (PERSON, item.user_done, e, it, OUT, item.finished_on, days, NO_DATE), done
    if it == REFERRAL:
        # Referrals per transaction: counted on the day its transaction was received.
        cohort = [0] * WIDTH
        cohort[REFERRALS] = 1
        for grain, scope in ((REGION, 0), (ENTITY, e), (UNIT, item.owner_unit_id)):
            yield (
                (
                    grain,
                    scope,
                    0 if grain == REGION else e,
                    TRANSACTION,
                    IN,
                    item.registered_on,
                    NO_DAYS,
                    NO_DATE,
                ),
                cohort,
            )


class Delta:
    """A sum of signed contributions, merged by key (what one event, or a rebuild, adds)."""

    __slots__ = ("rows",)

    def __init__(self) -> None:
        self.rows: dict[Key, Vector] = {}

    def add(self, item: Item | None, sign: int = 1) -> None:
        if item is None:
            return
        rows = self.rows
        for key, vector in contributions(item):
            row = rows.get(key)
            if row is None:
                rows[key] = [x * sign for x in vector] if sign != 1 else list(vector)
            else:
                for i, x in enumerate(vector):
                    if x:
                        row[i] += x * sign

    def change(self, before: Item | None, after: Item | None) -> None:
        self.add(before, -1)
        self.add(after, 1)

    def nonzero(self) -> Iterable[tuple[Key, Vector]]:
        return ((k, v) for k, v in sorted(self.rows.items()) if any(v))

    def __len__(self) -> int:
        return len(self.rows)


def as_dict(vector: Vector) -> dict[str, Any]:
    return dict(zip(COUNTER_FIELDS, vector, strict=True))
