"""The clock the demo's history is played under.

Every service of Wasl reads the time from one function, Django's `timezone.now()` (the
registry's steps, the audit log, the roll-ups, the exchange's envelopes and receipts, the
outbox of notifications, `auto_now` fields); none keeps its own clock. The history runs those
services, unchanged, with that one function answering the moment of each step: what they
record is then as true as if the step had been taken on that day — the reference numbers of
the Hijri year, the working-day due dates, the audit chain in order, the signed envelopes'
times, the roll-ups by the day received and completed.

The alternative, running everything today and rewriting the timestamps afterwards, would have
to know every column that holds a time or a date derived from one (and the signed envelopes
and hash chains that include them), and would break as soon as a service records one more.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from unittest import mock

from django.utils import timezone


class Clock:
    """A clock that says what it is told. `set` only moves it forward."""

    def __init__(self, start: datetime) -> None:
        self.moment = start

    def set(self, moment: datetime) -> None:
        if moment < self.moment:
            raise ValueError(f"the demo's clock goes forward only: {moment} < {self.moment}")
        self.moment = moment

    def now(self) -> datetime:
        return self.moment


@contextmanager
def controlled(start: datetime) -> Iterator[Clock]:
    """Within the block, `django.utils.timezone.now()` is the clock's moment."""
    clock = Clock(start)
    with mock.patch.object(timezone, "now", clock.now):
        yield clock
