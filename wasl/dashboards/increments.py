"""Adding a step's counts to the roll-up rows: one statement for all the rows a step touches.

Why SQL: the counts are added to what the rows hold, and a row may not exist yet.
`INSERT … VALUES (…), (…) ON CONFLICT (key) DO UPDATE SET n = tally.n + excluded.n` says
that in one statement, atomically, also when two steps create the same row at once. The ORM's
`bulk_create(update_conflicts=True)` can only overwrite a row with the new values
(`SET n = excluded.n`), so doing it through the ORM takes three statements a step (create the
missing rows, read them with `select_for_update`, write the sums). The rows come in key order,
so that two steps touching the same rows lock them in the same order (no deadlocks).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import connection

from .definitions import Key, Vector
from .models import COUNTER_FIELDS, KEY_FIELDS, Tally

_COLUMNS = [*KEY_FIELDS, *COUNTER_FIELDS]


def _sql(count: int) -> str:
    table = Tally._meta.db_table
    adds = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in COUNTER_FIELDS)
    row = "(" + ", ".join(["%s"] * len(_COLUMNS)) + ")"
    return (
        f"INSERT INTO {table} ({', '.join(_COLUMNS)}) "  # noqa: S608 — names from the model
        f"VALUES {', '.join([row] * count)} "
        f"ON CONFLICT ({', '.join(KEY_FIELDS)}) DO UPDATE SET {adds}"
    )


def add(rows: Iterable[tuple[Key, Vector]]) -> None:
    """Add each vector of counts to the row of its key (made when missing), in key order."""
    adapt = connection.ops.adapt_datefield_value
    params: list[list[Any]] = [
        [g, s, e, it, part, adapt(day), days, adapt(due), *vector]
        for (g, s, e, it, part, day, days, due), vector in sorted(rows)
    ]
    # A step touches about ten rows; more (a referral to many units) go in a few statements,
    # within the database's limit of parameters a statement.
    limit = connection.features.max_query_params
    per_statement = limit // len(_COLUMNS) if limit else 1000
    with connection.cursor() as cursor:
        for start in range(0, len(params), per_statement):
            chunk = params[start : start + per_statement]
            cursor.execute(_sql(len(chunk)), [value for row in chunk for value in row])
