"""PostgreSQL full text over inquiry_document.vector (see migration 0002), and pg_trgm over
the vocabulary (migration 0004)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection

from . import BODY_WEIGHT, SUBJECT_WEIGHT, Group, group_weights, safe_token

# Below pg_trgm's default (0.3): a one-letter slip in a four-letter word shares only two of
# its five padded trigrams with the right word (similarity 0.25). Candidates are ranked and
# confirmed by the caller.
SIMILARITY = 0.15


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

    def match_sql(
        self, groups: Sequence[Group], scope: Sequence[str], weights: Sequence[float] = ()
    ) -> tuple[str, list[object]]:
        # The same score as SQLite's (see Backend.match_sql): for each group, whether one of
        # its exact forms is in the subject (weight A) or the body (weight B). Evaluated only
        # on the rows the GIN index found.
        terms: list[str] = []
        params: list[object] = []
        for group, rarity in zip(groups, group_weights(groups, weights), strict=True):
            if not group.exact:
                continue
            for column, weight in (("A", SUBJECT_WEIGHT), ("B", BODY_WEIGHT)):
                terms.append(
                    "CASE WHEN d.vector @@ to_tsquery('simple', %s) "
                    f"THEN {float(weight * rarity):.4f} ELSE 0 END"
                )
                params.append(_lexemes(group.exact, column))
        score = " + ".join(terms) or "0.0"
        sql = (
            f"SELECT d.transaction_id AS id, {score} AS score "  # noqa: S608
            "FROM inquiry_document d WHERE d.vector @@ to_tsquery('simple', %s)"
        )
        return sql, [*params, query_text(groups, scope)]

    def similar_words(self, word: str, limit: int) -> list[str]:
        with connection.cursor() as cursor:
            # Session-wide, the same value every time: `%` uses the threshold and the index.
            cursor.execute(
                "SELECT set_config('pg_trgm.similarity_threshold', %s, false)", [str(SIMILARITY)]
            )
            cursor.execute(
                "SELECT word FROM inquiry_word WHERE word %% %s "
                "ORDER BY similarity(word, %s) DESC, word LIMIT %s",
                [word, word, int(limit)],
            )
            return [row[0] for row in cursor.fetchall()]

    def before_upsert(self, cursor: Any, ids: Sequence[int]) -> None:
        return None  # the tsvector is a generated column: the GIN index follows the row

    def after_upsert(self, cursor: Any, rows: Sequence[Sequence[object]]) -> None:
        return None

    def optimise(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE inquiry_document")

    def check(self) -> None:
        return None
