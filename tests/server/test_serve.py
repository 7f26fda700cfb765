# ruff: noqa: S603 — runs our own command and talks to it on loopback
"""`wasl serve` as a real process: what it serves, and what it refuses to start with."""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management.base import CommandError

from wasl.web.management.commands.serve import cores, default_workers

WASL = str(Path(sys.executable).with_name("wasl"))
KEY = secrets.token_urlsafe(50)
PRODUCTION = {"PRODUCTION": "1", "SECRET_KEY": KEY, "ALLOWED_HOSTS": "127.0.0.1"}


def environment(folder: Path, **extra: str) -> dict[str, str]:
    """This process's environment without what selects a database or a mode, plus `extra`."""
    drop = ("DATABASE_URL", "WASL_", "DEBUG", "PRODUCTION", "SECRET_KEY", "ALLOWED_HOSTS")
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    env.pop("TRUST_X_FORWARDED_PROTO", None)
    env.pop("WEB_CONCURRENCY", None)
    return {**env, "WASL_VAR_DIR": str(folder), **extra}


def wasl(folder: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [WASL, *args],
        env=environment(folder, **env),
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """`wasl serve` on a free port of 127.0.0.1, in a process group of its own."""

    def __init__(self, folder: Path, *args: str, **env: str) -> None:
        self.port = free_port()
        self.log = folder / f"serve-{self.port}.log"
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [WASL, "serve", "--workers", "1", "--bind", f"127.0.0.1:{self.port}", *args],
                env=environment(folder, **env),
                cwd=folder,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 60
        while True:
            assert self.process.poll() is None, self.log.read_text()
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "wasl serve did not listen within 60 s"
                time.sleep(0.1)

    def get(
        self, path: str, method: str = "GET", **headers: str
    ) -> tuple[int, dict[str, str], bytes]:
        """Status, headers and body, redirects not followed."""

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args: Any) -> None:
                return None

        opener = urllib.request.build_opener(NoRedirect)
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}", headers=headers, method=method
        )
        try:
            with opener.open(request, timeout=30) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    def stop(self) -> int:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            return self.process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)
            raise


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with a migrated database and the static files collected, as a deployment
    prepares it before it starts its servers."""
    folder = tmp_path_factory.mktemp("site")
    for step in (["migrate", "--no-input", "-v0"], ["collectstatic", "--no-input", "-v0"]):
        result = wasl(folder, *step)
        assert result.returncode == 0, result.stdout + result.stderr
    return folder


@pytest.fixture
def serve(site: Path) -> Iterator[Any]:
    started: list[Server] = []

    def start(*args: str, **env: str) -> Server:
        started.append(Server(site, *args, **env))
        return started[-1]

    yield start
    for server in started:
        server.stop()


# ---------------------------------------------------------------------------------------------
# Serving


def test_it_serves_pages_and_static_files_under_hashed_names_cached_for_ever(serve):
    server = serve()
    status, _, body = server.get("/signin/")
    assert status == 200
    html = body.decode()
    css = re.search(r'href="(/static/web/css/wasl\.[0-9a-f]{12}\.css)"', html)
    assert css, "the page links the stylesheet under its hashed name"

    status, headers, body = server.get(css.group(1))
    assert status == 200
    assert headers["Content-Type"].startswith("text/css")
    assert "max-age=315360000" in headers["Cache-Control"]
    assert "immutable" in headers["Cache-Control"]
    assert b":focus-visible" in body  # the stylesheet itself

    status, headers, _ = server.get("/static/web/css/wasl.css")  # the plain name: may change
    assert status == 200
    assert "immutable" not in headers["Cache-Control"]
    assert server.get("/static/web/css/nothing.css")[0] == 404


def test_it_answers_head_without_a_body_and_stops_cleanly_on_sigterm(serve):
    server = serve()
    assert server.get("/exchange/v1/health")[0] == 200
    status, headers, body = server.get("/signin/", method="HEAD")
    assert (status, body) == (200, b"")
    assert headers["Content-Type"].startswith("text/html")
    assert server.stop() == 0
    log = server.log.read_text()
    assert "Traceback" not in log
    assert "no-body response" not in log  # gunicorn's warning when HEAD gets a body


def test_a_forwarded_https_is_believed_only_when_the_proxy_is_trusted(serve):
    untrusting = serve(**PRODUCTION)
    status, headers, _ = untrusting.get("/signin/", **{"X-Forwarded-Proto": "https"})
    assert status == 301  # still plain HTTP to Django: sent to HTTPS
    assert headers["Location"].startswith("https://127.0.0.1")
    assert "Strict-Transport-Security" not in headers

    trusting = serve(**PRODUCTION, TRUST_X_FORWARDED_PROTO="1")
    status, headers, _ = trusting.get("/signin/", **{"X-Forwarded-Proto": "https"})
    assert status == 200
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert "Secure" in headers["Set-Cookie"]  # the CSRF cookie of the sign-in form

    status, headers, _ = trusting.get("/signin/")  # no header: plain HTTP, sent to HTTPS
    assert status == 301
    assert "Strict-Transport-Security" not in headers


def test_api_errors_are_json_through_the_real_server_too(serve):
    server = serve()
    for path, method, headers, status in [
        # Past WASL_MAX_URL_BYTES, and past gunicorn's default 4 KB request line.
        ("/api/v1/" + "a" * 70_000, "GET", {}, 414),
        ("/api/v1/me", "DELETE", {}, 405),
        ("/api/v1/me", "GET", {"Host": "evil.example"}, 400),
    ]:
        got, answer_headers, body = server.get(path, method=method, **headers)
        assert got == status, body[:200]
        assert answer_headers["Content-Type"].startswith("application/json"), body[:200]
        assert set(json.loads(body)) == {"code", "message_ar", "message_en"}
        assert answer_headers["Cache-Control"] == "no-store"


# ---------------------------------------------------------------------------------------------
# Refusing to start


def refused(result: subprocess.CompletedProcess[str], words: str) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert words in lines[0]


def test_it_refuses_production_with_the_development_key(site):
    refused(
        wasl(site, "serve", PRODUCTION="1", ALLOWED_HOSTS="127.0.0.1"),
        "PRODUCTION=1 with the development SECRET_KEY",
    )


def test_it_refuses_production_with_debug_on(site):
    refused(wasl(site, "serve", **PRODUCTION, DEBUG="1"), "PRODUCTION=1 with DEBUG on")


def test_it_says_so_when_the_database_is_unreachable(site):
    nothing_listens = f"postgres://wasl@127.0.0.1:{free_port()}/wasl"
    result = wasl(site, "serve", DATABASE_URL=nothing_listens)
    refused(result, "The postgresql database wasl at 127.0.0.1:")
    assert "is unreachable" in result.stderr and "Connection refused" in result.stderr

    no_folder = f"sqlite:///{site}/no/such/folder/wasl.sqlite3"
    refused(wasl(site, "serve", DATABASE_URL=no_folder), "unable to open database file")


def test_it_refuses_a_database_without_its_migrations(tmp_path):
    refused(wasl(tmp_path, "serve"), "migration(s)")


def test_it_refuses_to_serve_static_files_not_collected_unless_asked_to_collect(site, tmp_path):
    for name in ("wasl.sqlite3", "wasl.sqlite3-wal"):  # the migrated database, without static
        if (site / name).exists():
            shutil.copy(site / name, tmp_path / name)
    refused(wasl(tmp_path, "serve"), "run `wasl collectstatic --no-input` first")
    server = Server(tmp_path, "--collectstatic")
    try:
        assert server.get("/signin/")[0] == 200
        assert (tmp_path / "static" / "staticfiles.json").exists()
    finally:
        server.stop()


# ---------------------------------------------------------------------------------------------
# Workers


def test_workers_are_two_per_core_plus_one_unless_web_concurrency_says(monkeypatch):
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    assert default_workers() == 2 * cores() + 1
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    assert default_workers() == 3
    monkeypatch.setenv("WEB_CONCURRENCY", "many")
    with pytest.raises(CommandError, match="WEB_CONCURRENCY"):
        default_workers()
