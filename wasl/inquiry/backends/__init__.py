"""Search backends behind one interface: SQLite FTS5 (the default) and PostgreSQL full text.

Both index the same rows of `inquiry_document` (written by the indexer with the same SQL on
both databases); they differ in how a query is matched and ranked. A backend turns a parsed
query into SQL that yields `(id, score)` for every matching transaction — higher scores rank
first — and the query layer joins it to the registry under the access rule.

Every word that reaches a backend is a run of letters and digits produced by the analysis;
`safe_token` additionally maps any word with characters outside a known-safe set to a hashed
ASCII token, on both sides, so that no token can ever be split by the database's tokenizer or
read as query syntax.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol

from django.db import connection

# ASCII letters and digits, Arabic letters (with ء) and digits, Latin letters with accents.
_SAFE = re.compile(r"[0-9a-z\u0621-\u063a\u0641-\u064a\u00df-\u00f6\u00f8-\u00ff\u0100-\u017f]+")


@lru_cache(maxsize=200_000)
def safe_token(token: str) -> str:
    """`token` itself when every character is one both databases keep inside one token;
    otherwise a stable ASCII stand-in (`zx` + 16 hex digits)."""
    if _SAFE.fullmatch(token):
        return token
    return "zx" + hashlib.blake2s(token.encode("utf-8"), digest_size=8).hexdigest()


def safe_join(tokens: Iterable[str]) -> str:
    return " ".join(map(safe_token, filter(None, tokens)))


@dataclass(frozen=True)
class Group:
    """One requirement of a query: a document must contain one of `keys` (in the stems) —
    or one of `exact` in the subject or body, which also ranks it higher."""

    exact: frozenset[str]
    keys: frozenset[str]


class Backend(Protocol):
    vendor: str

    def match_sql(
        self, groups: Sequence[Group], scope: Sequence[str], weights: Sequence[float] = ()
    ) -> tuple[str, list[object]]:
        """SQL selecting `id` and `score` of documents with one of `scope` and every group.

        The score is the same on every backend: for each group, 10 × its weight when one of
        its exact forms is in the subject, plus 4 × its weight when one is in the body (a
        match through the stems alone scores nothing here). `weights` (one per group, 1.0
        when not given) say how rare each word is."""
        ...

    def similar_words(self, word: str, limit: int) -> list[str]:
        """Up to `limit` words of the vocabulary (inquiry_word) sharing trigrams with `word`,
        most similar first. Candidates only: the caller ranks them and confirms them."""
        ...

    def before_upsert(self, cursor: Any, ids: Sequence[int]) -> None:
        """Take the documents `ids` out of the index before they are rewritten (may be a
        no-op: a PostgreSQL index follows its generated column by itself)."""
        ...

    def after_upsert(self, cursor: Any, rows: Sequence[Sequence[object]]) -> None:
        """Index rows `(transaction_id, subject, body, stems, scope)` just written."""
        ...

    def optimise(self) -> None:
        """Merge the index after a bulk load (may be a no-op)."""
        ...


SUBJECT_WEIGHT = 10
BODY_WEIGHT = 4


def group_weights(groups: Sequence[Group], weights: Sequence[float]) -> list[float]:
    """One weight per group, as a plain float (it is written into SQL as a number)."""
    if not weights:
        return [1.0] * len(groups)
    if len(weights) != len(groups):
        raise ValueError("one weight per group")
    return [round(float(w), 4) for w in weights]


def get_backend() -> Backend:
    """The backend of the database in use."""
    return _backend(connection.vendor)


@lru_cache(maxsize=4)
def _backend(vendor: str) -> Backend:
    if vendor == "postgresql":
        from .postgres import PostgresBackend

        return PostgresBackend()
    if vendor == "sqlite":
        from .sqlite import SqliteBackend

        return SqliteBackend()
    raise RuntimeError(f"No search backend for {vendor}")
