"""Django's SQLite backend, with two changes.

1. The conversion of a statement's `%s` placeholders to SQLite's `?` is remembered per
   statement text. Django converts every statement with a regular expression before each
   execution; on the registry's and the exchange's hot paths (twenty-odd statements a step,
   the same texts every time) that conversion cost about a tenth of the CPU of registering a
   letter. Statements are converted exactly as Django converts them; long ones (large IN
   lists) are not remembered.
2. A transaction waits for the write lock in short steps. Wasl's transactions begin with
   `BEGIN IMMEDIATE` (the write lock at once, see settings), and SQLite's own busy handler
   waits for a lock in growing sleeps (1, 2, 5, 10, 15, 20, 25 ms…): a writer that holds it
   for 10 ms keeps the next one waiting 18. Between two nodes' processes that cost the
   sending clerk a tenth of its time (the worker settling receipts holds the lock for a
   batch). Here `BEGIN IMMEDIATE` is tried without SQLite's handler and tried again after
   0.2 ms, growing to 2 ms, until the connection's `timeout` has passed, then fails as
   before ("database is locked"). Statements outside a transaction keep SQLite's handler.
"""

from __future__ import annotations

import sqlite3
import time
from functools import lru_cache
from typing import Any

from django.db import OperationalError
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


# The pauses between tries for the write lock: from FIRST, growing by half, at most LONGEST.
FIRST_PAUSE, LONGEST_PAUSE = 0.0002, 0.002
# sqlite3.connect's own default, when the settings give no timeout.
DEFAULT_TIMEOUT = 5.0


def _busy(error: OperationalError) -> bool:
    cause = error.__cause__
    return getattr(cause, "sqlite_errorcode", None) in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


class DatabaseWrapper(base.DatabaseWrapper):
    def create_cursor(self, name: Any = None) -> Any:
        return self.connection.cursor(factory=SQLiteCursorWrapper)

    def _start_transaction_under_autocommit(self) -> None:
        if self.transaction_mode != "IMMEDIATE":
            super()._start_transaction_under_autocommit()
            return
        timeout = float(self.settings_dict["OPTIONS"].get("timeout", DEFAULT_TIMEOUT))
        raw = self.connection
        raw.execute("PRAGMA busy_timeout = 0")
        try:
            deadline = time.monotonic() + timeout
            pause = FIRST_PAUSE
            while True:
                try:
                    self.cursor().execute("BEGIN IMMEDIATE")
                    return
                except OperationalError as error:
                    if not _busy(error) or time.monotonic() >= deadline:
                        raise
                time.sleep(pause)
                pause = min(pause * 1.5, LONGEST_PAUSE)
        finally:
            raw.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
