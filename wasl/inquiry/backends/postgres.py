"""PostgreSQL full text over inquiry_document.vector (see migration 0002)."""

from __future__ import annotations

from collections.abc import Sequence

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


def query_text(groups: Sequence[Group], scope: Sequence[str]) -> str:
    parts = [f"({_lexemes(scope, 'D')})"]
    for group in groups:
        alternatives = [_lexemes(group.keys, "C")]
        if group.exact:
            alternatives.insert(0, _lexemes(group.exact, "AB"))
        parts.append("(" + " | ".join(alternatives) + ")")
    return " & ".join(parts)


class PostgresBackend:
    vendor = "postgresql"

    def match_sql(self, groups: Sequence[Group], scope: Sequence[str]) -> tuple[str, list[object]]:
        sql = (
            f"SELECT d.transaction_id AS id, ts_rank({WEIGHTS}, d.vector, q.query) AS score "  # noqa: S608
            "FROM inquiry_document d, (SELECT to_tsquery('simple', %s) AS query) q "
            "WHERE d.vector @@ q.query"
        )
        return sql, [query_text(groups, scope)]

    def optimise(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE inquiry_document")

    def check(self) -> None:
        return None
