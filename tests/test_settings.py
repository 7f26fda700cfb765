"""Settings read from the environment: the database asked for is the one the tests use."""

from __future__ import annotations

import os
import runpy
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from wasl import settings as settings_module
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


# ---------------------------------------------------------------------------------------------
# Production and the TLS proxy: the settings module as a fresh process would read it


def settings_read_with(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, **env: str) -> dict:
    for name in ("PRODUCTION", "WASL_PRODUCTION", "DEBUG", "SECRET_KEY", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("TRUST_X_FORWARDED_PROTO", raising=False)
    monkeypatch.setenv("WASL_VAR_DIR", str(tmp_path))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(settings_module.__file__)


def test_the_forwarded_protocol_is_believed_only_when_asked_to(monkeypatch, tmp_path):
    assert "SECURE_PROXY_SSL_HEADER" not in settings_read_with(monkeypatch, tmp_path)
    trusting = settings_read_with(monkeypatch, tmp_path, TRUST_X_FORWARDED_PROTO="1")
    assert trusting["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_PROTO", "https")


@pytest.mark.parametrize("switch", ["PRODUCTION", "WASL_PRODUCTION"])
def test_production_means_secure_cookies_https_and_hsts(monkeypatch, tmp_path, switch):
    assert "SECURE_HSTS_SECONDS" not in settings_read_with(monkeypatch, tmp_path)
    production = settings_read_with(monkeypatch, tmp_path, **{switch: "1"})
    assert production["PRODUCTION"] is True
    assert production["SESSION_COOKIE_SECURE"] and production["CSRF_COOKIE_SECURE"]
    assert production["SECURE_SSL_REDIRECT"] is True
    assert production["SECURE_HSTS_SECONDS"] == 31536000


def test_without_a_secret_key_the_public_development_key_is_used(monkeypatch, tmp_path):
    read = settings_read_with(monkeypatch, tmp_path, PRODUCTION="1")  # `wasl serve` refuses it
    assert read["SECRET_KEY"] == read["DEVELOPMENT_SECRET_KEY"]
    assert read["SECRET_KEY"].startswith("django-insecure-")  # what Django's check looks for
    assert settings_read_with(monkeypatch, tmp_path, SECRET_KEY="k" * 60)["SECRET_KEY"] == "k" * 60


def deploy_check(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
        and not k.endswith("PRODUCTION")
    }
    return subprocess.run(
        [sys.executable, "-m", "wasl", "check", "--deploy", "--fail-level", "WARNING"],
        env={**clean, "WASL_VAR_DIR": str(tmp_path), **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_deployment_check_is_clean_in_production_with_a_key_and_hosts(tmp_path):
    result = deploy_check(
        tmp_path,
        PRODUCTION="1",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="wasl.example.gov.sa",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_deployment_check_flags_the_development_key_and_debug(tmp_path):
    result = deploy_check(tmp_path, PRODUCTION="1", DEBUG="1", ALLOWED_HOSTS="wasl.example.gov.sa")
    assert result.returncode != 0
    assert "security.W009" in result.stderr  # the key
    assert "security.W018" in result.stderr  # DEBUG
