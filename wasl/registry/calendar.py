"""Working days for due dates: the Saudi weekend plus the holidays administrators keep."""

from __future__ import annotations

import time
from datetime import date, timedelta

from wasl.core import hijri

from .models import Holiday

_cache: tuple[float, frozenset[date]] | None = None
_TTL_SECONDS = 300.0


def holidays() -> frozenset[date]:
    """Holidays from a year ago to three years ahead, cached for a few minutes per process."""
    global _cache
    now = time.monotonic()
    if _cache is not None and now - _cache[0] < _TTL_SECONDS:
        return _cache[1]
    today = date.today()
    days = frozenset(
        Holiday.objects.filter(
            date__gte=today - timedelta(days=366), date__lte=today + timedelta(days=3 * 366)
        ).values_list("date", flat=True)
    )
    _cache = (now, days)
    return days


def forget_holidays() -> None:
    global _cache
    _cache = None


def due_after(start: date, working_days: int) -> date:
    return hijri.add_working_days(start, working_days, holidays())
