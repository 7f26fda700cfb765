"""Wasl's SQLite backend converts placeholders as Django does, remembering the result."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest
from django.db.backends.sqlite3.base import SQLiteCursorWrapper as DjangoCursor
from django.db.utils import ConnectionHandler, OperationalError

from wasl.sqlite import base

STATEMENTS = [
    "SELECT 1",
    "SELECT %s, %s FROM t WHERE a = %s",
    "SELECT '100%%' || %s",
    "SELECT x FROM t WHERE name LIKE %s ESCAPE '\\'",
    "SELECT %%s, %s",  # a literal %s, then a placeholder
    "SELECT " + ", ".join(["%s"] * 3000),  # longer than what is remembered
]


def _cursors():
    plain = sqlite3.connect(":memory:")
    return plain.cursor(factory=base.SQLiteCursorWrapper), plain.cursor(factory=DjangoCursor)


@pytest.mark.parametrize("query", STATEMENTS)
def test_statements_are_converted_exactly_as_django_converts_them(query):
    wasl, django = _cursors()
    ours = wasl.convert_query(query)
    assert ours == django.convert_query(query)
    assert wasl.convert_query(query) == ours  # again, from the cache for the short ones


def test_named_parameters_are_left_to_django():
    query = "SELECT %(a)s, %(b)s"
    wasl, _ = _cursors()
    assert wasl.convert_query(query, param_names=["a", "b"]) == "SELECT :a, :b"


def test_long_statements_are_not_remembered():
    wasl, _ = _cursors()
    base._qmark.cache_clear()
    wasl.convert_query(STATEMENTS[-1])
    wasl.convert_query(STATEMENTS[1])
    assert base._qmark.cache_info().currsize == 1


def test_a_connection_of_the_backend_uses_it_and_statements_run(tmp_path, django_db_blocker):
    # Its own connection on a file of its own, whatever database the suite runs on.
    handler = ConnectionHandler({"default": {"ENGINE": "wasl.sqlite", "NAME": str(tmp_path / "x")}})
    connection = handler["default"]
    with django_db_blocker.unblock():
        with connection.cursor() as cursor:
            assert isinstance(cursor.cursor, base.SQLiteCursorWrapper)
            cursor.execute("SELECT %s || '%%', %s", ["50", 2])
            assert cursor.fetchone() == ("50%", 2)
            cursor.execute("SELECT %s || '%%', %s", ["75", 3])  # the remembered text
            assert cursor.fetchone() == ("75%", 3)
        connection.close()


def test_the_project_uses_it_for_sqlite():
    from wasl.settings import sqlite_database

    assert sqlite_database(Path("/srv/wasl/db.sqlite3"))["ENGINE"] == "wasl.sqlite"


# ---------------------------------------------------------------------------------------------
# Waiting for the write lock in short steps.


def _pair(tmp_path, **options):
    """Two connections of the backend to one database file, as two processes would have."""
    settings = {
        "ENGINE": "wasl.sqlite",
        "NAME": str(tmp_path / "locks.sqlite3"),
        "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 5, **options},
    }
    return ConnectionHandler({"default": settings, "b": dict(settings)})


def _busy_timeout(connection):
    return connection.connection.execute("PRAGMA busy_timeout").fetchone()[0]


def test_a_transaction_waits_for_the_write_lock_and_gets_it_once_free(
    tmp_path, django_db_blocker, monkeypatch
):
    pauses = []
    real_sleep = time.sleep

    def sleep(seconds):
        if threading.current_thread() is threading.main_thread():
            pauses.append(seconds)
        real_sleep(seconds)

    monkeypatch.setattr(base.time, "sleep", sleep)
    handler = _pair(tmp_path)
    holder, waiter = handler["default"], handler["b"]
    with django_db_blocker.unblock():
        holder.ensure_connection()
        waiter.ensure_connection()
        holder.connection.execute("CREATE TABLE t (n integer)")
        holder.connection.execute("BEGIN IMMEDIATE")
        holder.connection.execute("INSERT INTO t VALUES (1)")
        started = time.monotonic()

        def commit_later():
            time.sleep(0.3)
            holder.connection.execute("COMMIT")

        holder.inc_thread_sharing()
        release = threading.Thread(target=commit_later)
        release.start()
        waiter._start_transaction_under_autocommit()  # blocks until the holder commits
        waited = time.monotonic() - started
        waiter.connection.execute("INSERT INTO t VALUES (2)")
        waiter.connection.execute("COMMIT")
        release.join()
        holder.dec_thread_sharing()
        assert waited >= 0.25  # it did wait for the lock, and got it
        # In short pauses of its own, SQLite's handler (sleeps of up to 100 ms) off meanwhile.
        assert pauses[0] == base.FIRST_PAUSE and max(pauses) == base.LONGEST_PAUSE
        assert len(pauses) > 50
        assert waiter.connection.execute("SELECT count(*) FROM t").fetchone()[0] == 2
        assert _busy_timeout(waiter) == 5000  # SQLite's handler is back for other statements
        holder.close()
        waiter.close()


def test_a_lock_never_freed_fails_after_the_timeout_as_before(tmp_path, django_db_blocker):
    handler = _pair(tmp_path, timeout=0.3)
    holder, waiter = handler["default"], handler["b"]
    with django_db_blocker.unblock():
        holder.ensure_connection()
        waiter.ensure_connection()
        holder.connection.execute("BEGIN IMMEDIATE")
        started = time.monotonic()
        with pytest.raises(OperationalError, match="locked"):
            waiter._start_transaction_under_autocommit()
        assert time.monotonic() - started >= 0.3
        assert _busy_timeout(waiter) == 300
        holder.connection.execute("ROLLBACK")
        waiter._start_transaction_under_autocommit()  # free now: at once
        waiter.connection.execute("ROLLBACK")
        holder.close()
        waiter.close()


def test_other_transaction_modes_keep_djangos_way(tmp_path, django_db_blocker):
    handler = ConnectionHandler(
        {
            "default": {
                "ENGINE": "wasl.sqlite",
                "NAME": str(tmp_path / "d"),
                "OPTIONS": {"timeout": 2},
            }
        }
    )
    connection = handler["default"]
    with django_db_blocker.unblock():
        connection.ensure_connection()
        connection._start_transaction_under_autocommit()
        assert connection.connection.in_transaction
        assert _busy_timeout(connection) == 2000  # not touched
        connection.connection.execute("ROLLBACK")
        connection.close()
