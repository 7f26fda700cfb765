"""A hand-counted month of the Emirate (November 2025 = Jumada al-Ula 1447 for most of it).

Every figure the tests expect is counted by hand in docs/measures.md "A worked example".
The clock is moved with `clock.at(...)`; all steps go through the registry's services.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from tests.conftest import make_transaction
from wasl.registry import services as registry

RIYADH = ZoneInfo("Asia/Riyadh")
TODAY = date(2025, 11, 20)  # a Thursday


class Clock:
    def __init__(self, monkeypatch: Any) -> None:
        self.monkeypatch = monkeypatch
        self.at(TODAY)

    def at(self, day: date, hour: int = 10) -> None:
        moment = datetime(day.year, day.month, day.day, hour, tzinfo=RIYADH)
        self.monkeypatch.setattr(timezone, "now", lambda: moment)


@pytest.fixture
def clock(monkeypatch: Any) -> Clock:
    return Clock(monkeypatch)


@dataclass
class Month:
    t1: Any
    t2: Any
    t3: Any
    t4: Any
    t5: Any
    t6: Any
    r1: Any
    r2: Any
    r5: list[Any]


def outgoing(cast: Any, **fields: Any) -> Any:
    return make_transaction(
        cast, direction="outgoing", correspondent_code="GOV-JED", party=None, **fields
    )


def build_month(cast: Any, clock: Clock) -> Month:
    """T1 normal petition, referred to Rights and answered in 2 days, closed in 4: on time.
    T2 immediate complaint, referred for 1 day, answered late in 2, closed late in 5.
    T3 outgoing letter closed the day it was registered (0 days). T4 urgent request, still
    open and overdue. T5 referred to Rights and Security, open. T6 cancelled."""
    clerk, rights = cast.clerk.actor, cast.rights_clerk.actor
    clock.at(date(2025, 11, 2))
    t1 = make_transaction(cast)
    (r1,) = registry.refer(clerk, t1.public_id, to_units=[cast.rights], instruction="للإفادة")
    t2 = make_transaction(cast, kind="complaint", urgency="immediate", direction="internal")
    (r2,) = registry.refer(
        clerk, t2.public_id, to_units=[cast.rights], instruction="عاجل", due_in_days=1
    )
    t3 = outgoing(cast, kind="letter")
    registry.close(clerk, t3.public_id, reason="أرسل")
    clock.at(date(2025, 11, 4))
    registry.answer(rights, r1.public_id, text="تمت الدراسة")
    registry.answer(rights, r2.public_id, text="تمت الدراسة")
    clock.at(date(2025, 11, 6))
    registry.close(clerk, t1.public_id, reason="تمت الإفادة")
    clock.at(date(2025, 11, 9))
    t4 = make_transaction(cast, kind="request", urgency="urgent")
    t5 = make_transaction(cast)
    r5 = registry.refer(
        clerk, t5.public_id, to_units=[cast.rights, cast.security], instruction="للدراسة"
    )
    registry.close(clerk, t2.public_id, reason="انتهى")
    t6 = make_transaction(cast)
    registry.cancel(clerk, t6.public_id, reason="سجلت خطأ")
    clock.at(TODAY)
    return Month(t1, t2, t3, t4, t5, t6, r1, r2, r5)


@pytest.fixture
def month(cast: Any, clock: Clock) -> Month:
    return build_month(cast, clock)
