"""Settings read from the environment: the database asked for is the one the tests use."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.db import connection

from wasl.settings import database_from_url


def test_the_tests_run_on_the_database_that_database_url_names(db):
    url = os.environ.get("DATABASE_URL", "")
    expected = "postgresql" if url.startswith("postgres") else "sqlite"
    assert connection.vendor == expected
    if expected == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode")
            assert cursor.fetchone()[0] == "wal"


def test_database_urls_are_understood():
    pg = database_from_url("postgres://wasl:s%40cret@127.0.0.1:5433/wasl_db")
    assert pg["ENGINE"] == "django.db.backends.postgresql"
    assert (pg["USER"], pg["PASSWORD"], pg["HOST"], pg["PORT"], pg["NAME"]) == (
        "wasl",
        "s@cret",
        "127.0.0.1",
        "5433",
        "wasl_db",
    )
    lite = database_from_url("sqlite:////srv/wasl/db.sqlite3")
    assert lite["NAME"] == str(Path("/srv/wasl/db.sqlite3"))
    with pytest.raises(Exception, match="Unsupported"):
        database_from_url("mysql://x@y/z")
