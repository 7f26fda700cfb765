"""Wasl's SQLite backend converts placeholders as Django does, remembering the result."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from django.db.backends.sqlite3.base import SQLiteCursorWrapper as DjangoCursor
from django.db.utils import ConnectionHandler

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
