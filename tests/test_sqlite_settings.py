"""The SQLite database as the settings make it: Django's own backend, WAL, writers queued at
BEGIN (IMMEDIATE) for up to the timeout, and the pragmas on every connection."""

from __future__ import annotations

import pytest
from django.db import OperationalError
from django.db.utils import ConnectionHandler

from wasl.settings import sqlite_database


def _connections(tmp_path):
    settings = sqlite_database(tmp_path / "wasl.sqlite3")
    impatient = {**settings, "OPTIONS": {**settings["OPTIONS"], "timeout": 0.1}}
    return ConnectionHandler({"default": settings, "impatient": impatient})


def test_a_connection_gets_wal_and_the_pragmas(tmp_path, django_db_blocker):
    connection = _connections(tmp_path)["default"]
    assert connection.vendor == "sqlite"
    assert type(connection).__module__ == "django.db.backends.sqlite3.base"
    with django_db_blocker.unblock():
        raw = connection.cursor()
        pragmas = {}
        for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout"):
            raw.execute(f"PRAGMA {name}")
            pragmas[name] = raw.fetchone()[0]
        connection.close()
    assert pragmas == {
        "journal_mode": "wal",
        "synchronous": 1,
        "foreign_keys": 1,
        "busy_timeout": 20000,
    }


def test_a_transaction_takes_the_write_lock_when_it_begins(tmp_path, django_db_blocker):
    handler = _connections(tmp_path)
    first, second = handler["default"], handler["impatient"]
    with django_db_blocker.unblock():
        first.cursor().execute("CREATE TABLE t (n integer)")
        second.ensure_connection()
        # What `atomic()` runs at its start: BEGIN IMMEDIATE, before anything is written.
        first._start_transaction_under_autocommit()
        first.cursor().execute("SELECT count(*) FROM t")
        with pytest.raises(OperationalError, match="locked"):
            second._start_transaction_under_autocommit()
        first.connection.rollback()
        second._start_transaction_under_autocommit()  # free now
        second.cursor().execute("INSERT INTO t VALUES (1)")
        second.connection.commit()
        first.close()
        second.close()
