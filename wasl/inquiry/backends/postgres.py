"""PostgreSQL full text over inquiry_document.vector (see migration 0002)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection

from . import Group, safe_token

# ts_rank weights, in PostgreSQL's order {D, C, B, A}: scope, stems, body, subject.
WEIGHTS = "'{0.0, 0.1, 0.4, 1.0}'"


def _lexemes(tokens: Sequence[str], weights: str) -> str:
    # Each lexeme is quoted and weight-restricted; tokens are letters and digits only, so the
    # quoting never has anything to escape, but it is done anyway.
    quoted = []
    for token in sorted(tokens):
        text = safe_token(token).replace("\\", "\\\\").replace("'", "''")
        quoted.append(f"'{text}':{weights}")
    return " | ".join(quoted)


def _groups_text(groups: Sequence[Group]) -> list[str]:
    parts = []
    for group in groups:
        alternatives = [_lexemes(group.keys, "C")]
        if group.exact:
            alternatives.insert(0, _lexemes(group.exact, "AB"))
        parts.append("(" + " | ".join(alternatives) + ")")
    return parts


def query_text(groups: Sequence[Group], scope: Sequence[str]) -> str:
    """The tsquery (to_tsquery syntax) of the scope and every group."""
    return " & ".join([f"({_lexemes(scope, 'D')})", *_groups_text(groups)])


class PostgresBackend:
    vendor = "postgresql"

    def match_sql(self, groups: Sequence[Group], scope: Sequence[str]) -> tuple[str, list[object]]:
        if not groups:
            sql = (
                "SELECT d.transaction_id AS id, 0.0 AS score FROM inquiry_document d "
                "WHERE d.vector @@ to_tsquery('simple', %s)"
            )
            return sql, [query_text(groups, scope)]
        # Ranked on the words alone (ts_rank of an AND with the weightless scope is zero), and
        # ts_rank ignores a lexeme's weight restriction, so the exact forms are ranked on
        # their own and count ten times: an exact match ranks first.
        exact = [token for group in groups for token in group.exact]
        sql = (
            f"SELECT d.transaction_id AS id, 10 * ts_rank({WEIGHTS}, d.vector, q.exact) "  # noqa: S608
            f"+ ts_rank({WEIGHTS}, d.vector, q.words) AS score "
            "FROM inquiry_document d, (SELECT to_tsquery('simple', %s) AS query, "
            "to_tsquery('simple', %s) AS words, to_tsquery('simple', %s) AS exact) q "
            "WHERE d.vector @@ q.query"
        )
        return sql, [
            query_text(groups, scope),
            " & ".join(_groups_text(groups)),
            _lexemes(exact, "AB") if exact else _lexemes(["zz"], "AB"),
        ]

    def before_upsert(self, cursor: Any, ids: Sequence[int]) -> None:
        return None  # the tsvector is a generated column: the GIN index follows the row

    def after_upsert(self, cursor: Any, rows: Sequence[Sequence[object]]) -> None:
        return None

    def optimise(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE inquiry_document")

    def check(self) -> None:
        return None
