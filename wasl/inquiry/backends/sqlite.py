"""SQLite FTS5 over inquiry_document (see migration 0002)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection

from . import BODY_WEIGHT, SUBJECT_WEIGHT, Group, group_weights, safe_token

# The score of a match: for each query word, 10 when its exact form is in the subject, 4 when
# in the body (a stem-only match scores 0), times the word's weight (its rarity); ties go to
# the newest (the query layer's order).
# Not bm25: bm25 computes each phrase's document frequency by walking its whole doclist on
# every query, and the scope tokens and common words have doclists of every document of an
# entity — 135 ms of a 185 ms query at 100,000 transactions. Each tier here is one more
# doclist intersection, evaluated once.
_TIER = (
    "CASE WHEN rowid IN (SELECT rowid FROM inquiry_fts WHERE inquiry_fts MATCH %s) "
    "THEN {weight} ELSE 0 END"
)


def _phrases(tokens: Sequence[str]) -> str:
    # Every token is quoted: nothing typed can act as FTS5 syntax (NEAR, *, -, :, ^, AND…).
    return " OR ".join('"' + safe_token(t).replace('"', '""') + '"' for t in sorted(tokens))


def match_expression(groups: Sequence[Group], scope: Sequence[str]) -> str:
    parts = [f"scope : ({_phrases(scope)})"]
    for group in groups:
        alternatives = [f"stems : ({_phrases(group.keys)})"]
        if group.exact:
            alternatives.insert(0, f"{{subject body}} : ({_phrases(group.exact)})")
        parts.append("(" + " OR ".join(alternatives) + ")")
    return " AND ".join(parts)


# The FTS5 table has external content (inquiry_document): to take a row out, FTS5 must be
# given the values it indexed, read here from the document before it is overwritten.
_UNINDEX = (
    "INSERT INTO inquiry_fts(inquiry_fts, rowid, subject, body, stems, scope) "
    "SELECT 'delete', transaction_id, subject, body, stems, scope FROM inquiry_document "
    "WHERE transaction_id IN ({marks})"
)
_INDEX = "INSERT INTO inquiry_fts(rowid, subject, body, stems, scope) VALUES (%s, %s, %s, %s, %s)"
_CHUNK = 500


class SqliteBackend:
    """The indexer writes the FTS5 entries itself, around its upsert of the documents (see
    migration 0003 for why not with triggers); deletions go through a trigger."""

    vendor = "sqlite"

    def before_upsert(self, cursor: Any, ids: Sequence[int]) -> None:
        for start in range(0, len(ids), _CHUNK):
            part = ids[start : start + _CHUNK]
            cursor.execute(_UNINDEX.format(marks=", ".join(["%s"] * len(part))), list(part))

    def after_upsert(self, cursor: Any, rows: Sequence[Sequence[object]]) -> None:
        if len(rows) == 1:
            cursor.execute(_INDEX, list(rows[0]))
        else:
            cursor.executemany(_INDEX, [list(r) for r in rows])

    def match_sql(
        self, groups: Sequence[Group], scope: Sequence[str], weights: Sequence[float] = ()
    ) -> tuple[str, list[object]]:
        tiers: list[str] = []
        params: list[object] = []
        scoped = f"scope : ({_phrases(scope)})"
        for group, rarity in zip(groups, group_weights(groups, weights), strict=True):
            if not group.exact:
                continue
            for column, weight in (("subject", SUBJECT_WEIGHT), ("body", BODY_WEIGHT)):
                # Constant text and a float weight; the match expression is a parameter.
                tiers.append(_TIER.format(weight=f"{float(weight * rarity):.4f}"))
                params.append(f"{scoped} AND {column} : ({_phrases(group.exact)})")
        score = " + ".join(tiers) or "0"
        sql = (
            f"SELECT rowid AS id, {score} AS score "  # noqa: S608
            "FROM inquiry_fts WHERE inquiry_fts MATCH %s"
        )
        return sql, [*params, match_expression(groups, scope)]

    def similar_words(self, word: str, limit: int) -> list[str]:
        padded = f"^^{word}$"  # as the vocabulary stores it (migration 0004)
        grams = sorted({padded[i : i + 3] for i in range(len(padded) - 2)})
        if not grams:
            return []
        # Each trigram quoted, so that nothing typed acts as FTS5 syntax.
        expression = " OR ".join('"' + g.replace('"', '""') + '"' for g in grams)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT w.word FROM inquiry_word_trigrams f "
                "JOIN inquiry_word w ON w.id = f.rowid "
                "WHERE inquiry_word_trigrams MATCH %s ORDER BY f.rank LIMIT %s",
                [expression, int(limit)],
            )
            return [row[0] for row in cursor.fetchall()]

    def optimise(self) -> None:
        """Merge the index into one segment, refresh the planner's statistics, and copy the
        write-ahead log into the database file now: after a bulk build the log holds the
        whole rewritten index, and otherwise the next commits (someone's registration) pay
        for the checkpoint — seconds at a million transactions."""
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO inquiry_fts(inquiry_fts) VALUES ('optimize')")
            cursor.execute("ANALYZE inquiry_document")
        if connection.in_atomic_block:
            return
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def check(self) -> None:
        """Raise if the index and the documents disagree (FTS5's integrity check)."""
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO inquiry_fts(inquiry_fts, rank) VALUES ('integrity-check', 1)"
            )
