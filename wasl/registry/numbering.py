"""Reference numbers (أرقام القيد): gap-free per entity per Umm al-Qura year.

Why SQL: the number must be taken and the row locked in one step. `UPDATE … SET last_value =
last_value + 1 … RETURNING last_value` does both, and the ORM's `update()` returns only a row
count (reading the value back would be a second statement, and `select_for_update` does
nothing on SQLite). The row lock holds until the registration commits, so concurrent writers
queue on it; a registration rolled back gives its number back. tests/registry/test_numbering.py
proves it under concurrent writers.
"""

from __future__ import annotations

from django.db import connection

from .models import NumberSequence

_BUMP = (
    "UPDATE registry_numbersequence SET last_value = last_value + 1 "
    "WHERE entity_id = %s AND hijri_year = %s RETURNING last_value"
)


def next_number(entity_id: int, year: int) -> int:
    """Take the next number of `entity_id`'s `year`, inside the caller's transaction."""
    with connection.cursor() as cursor:
        cursor.execute(_BUMP, [entity_id, year])
        row = cursor.fetchone()
        if row is None:  # the year's first number: make its row (a concurrent maker wins)
            NumberSequence.objects.bulk_create(
                [NumberSequence(entity_id=entity_id, hijri_year=year, last_value=0)],
                ignore_conflicts=True,
            )
            cursor.execute(_BUMP, [entity_id, year])
            row = cursor.fetchone()
    return int(row[0])
