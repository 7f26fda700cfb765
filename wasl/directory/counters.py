"""Counters in windows of time, shared by every process and server: how often a key was counted
in the current window. The public inquiry's throttle and the 940 reports' flood limits count
with them, each in its own table (a model with `key`, `period` and `count`, the key unique).
Keys are HMAC-SHA256 digests under the SECRET_KEY, so no address or reference is stored.

Why SQL: one statement inserts the key's row or adds one to it (starting again at one in a new
window) and returns the new count, atomically however many processes count at once; the ORM has
no upsert that returns the new value (`bulk_create(update_conflicts=True)` can only overwrite).
"""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings
from django.db import connection, models


def digest(text: str) -> str:
    """The key under which `text` is counted."""
    return hmac.new(settings.SECRET_KEY.encode(), text.encode(), hashlib.sha256).hexdigest()


def bump(model: type[models.Model], key: str, period: int) -> int:
    """Count `key` once in window `period` (in `model`'s table) and return its count there."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (key, period, count) VALUES (%s, %s, 1) "  # noqa: S608 — the model's own table
            f"ON CONFLICT (key) DO UPDATE SET count = CASE WHEN {table}.period = excluded.period "
            f"THEN {table}.count + 1 ELSE 1 END, period = excluded.period RETURNING count",
            [key, period],
        )
        return int(cursor.fetchone()[0])


def forget_before(model: type[models.Model], period: int) -> None:
    """Delete the counts of windows that ended before `period` (callers do it now and then)."""
    model._default_manager.filter(period__lt=period).delete()
