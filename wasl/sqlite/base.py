"""Django's SQLite backend, with one change: the conversion of a statement's `%s`
placeholders to SQLite's `?` is remembered per statement text.

Django converts every statement with a regular expression before each execution; on the
registry's and the exchange's hot paths (twenty-odd statements a step, the same texts every
time) that conversion cost about a tenth of the CPU of registering a letter. Statements are
converted exactly as Django converts them; long ones (large IN lists) are not remembered.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.db.backends.sqlite3 import base

# Longer texts are rare (IN lists of many ids) and would crowd the cache.
_REMEMBERED_LENGTH = 4096


@lru_cache(maxsize=2048)
def _qmark(query: str) -> str:
    return base.FORMAT_QMARK_REGEX.sub("?", query).replace("%%", "%")


class SQLiteCursorWrapper(base.SQLiteCursorWrapper):
    def convert_query(self, query: str, *, param_names: Any = None) -> str:
        if param_names is None and len(query) <= _REMEMBERED_LENGTH:
            return _qmark(query)
        return super().convert_query(query, param_names=param_names)


class DatabaseWrapper(base.DatabaseWrapper):
    def create_cursor(self, name: Any = None) -> Any:
        return self.connection.cursor(factory=SQLiteCursorWrapper)
