"""Working days for due dates and the dashboards: the Saudi weekend plus the holidays that
administrators keep.

Every holiday on record is read at once (a few dozen rows a year) and kept per process. A
holiday saved or deleted in this process drops the copy at once (signals below); one changed
by another process shows within `TTL` seconds. The whole calendar, not a window around
today: a completion time measured years ago must come out the same when it is recounted.
"""

from __future__ import annotations

import time
from datetime import date
from typing import Any

from django.db.models.signals import post_delete, post_save

from wasl.core import hijri

from .models import Holiday

TTL = 60.0

_cache: tuple[float, frozenset[date]] | None = None


def holidays() -> frozenset[date]:
    global _cache
    now = time.monotonic()
    if _cache is not None and now - _cache[0] < TTL:
        return _cache[1]
    days = frozenset(Holiday.objects.values_list("date", flat=True))
    _cache = (now, days)
    return days


def forget_holidays(*args: Any, **kwargs: Any) -> None:
    global _cache
    _cache = None


post_save.connect(forget_holidays, sender=Holiday, dispatch_uid="registry-calendar-saved")
post_delete.connect(forget_holidays, sender=Holiday, dispatch_uid="registry-calendar-deleted")


def due_after(start: date, working_days: int) -> date:
    return hijri.add_working_days(start, working_days, holidays())
