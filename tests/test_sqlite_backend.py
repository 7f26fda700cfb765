"""Wasl's SQLite backend converts placeholders as Django does, remembering the result."""

from __future__ import annotations

import sqlite3

import pytest
from django.db import connection
from django.db.backends.sqlite3.base import SQLiteCursorWrapper as DjangoCursor

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


@pytest.mark.django_db
def test_the_connection_uses_it_and_statements_run():
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite backend")
    with connection.cursor() as cursor:
        assert isinstance(cursor.cursor, base.SQLiteCursorWrapper)
        cursor.execute("SELECT %s || '%%', %s", ["50", 2])
        assert cursor.fetchone() == ("50%", 2)
        cursor.execute("SELECT %s || '%%', %s", ["75", 3])  # the remembered text
        assert cursor.fetchone() == ("75%", 3)
